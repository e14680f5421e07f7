"""The EL/PL lifecycle as data: lifecycle.md 3.1 (48 phases) and 3.2 (transitions E1-E78).

Same shape as ``lifecycle_rta``: the compensator acknowledges the CNF first (``ClaimAcknowledged``);
there is no Article 75 step, no Stage 1 payment and no additional damages (where RTA goes to
``StartOfStage2SettlementPackAdditionalDamages``, EL/PL goes to ``CourtProceedingsPackForm``). The
claim type (EL, ELD, PL) only affects deadlines. Wildcard rows E75-E78 are expanded by the engine.
"""

from __future__ import annotations

from typing import Final

from gateway.domain.lifecycle import (
    BOTH,
    COMP,
    CR,
    GDPR_DELETE,
    NEW,
    SYSTEM,
    TIMEOUT,
    Phase,
    Transition,
    Wildcard,
)
from gateway.domain.lifecycle import active_phase as _active
from gateway.domain.lifecycle import end_phase as _end
from gateway.domain.lifecycle import row as _t
from gateway.domain.services import Side

_LDT = "LiabilityDecisionTimeout"
_IPDT = "InterimPaymentDecisionTimeout"
_NOT_AGREED = "Stage2SettlementPackNotAgreed"
_CPPF = "CourtProceedingsPackForm"
_D11 = "newTimeOut after current deadline (D11)"

# fmt: off
PHASES: Final[tuple[Phase, ...]] = (
    _active("ClaimSubmitted", "Claim Submitted", Side.COMP, ("D1", "D2"), _LDT, CR),
    _active("ClaimAcknowledged", "Claim Acknowledged", Side.COMP, ("D2",), _LDT, CR),
    _active("LiabilityDecision", "Liability Decision", Side.COMP, ("D2",), _LDT, BOTH, True),
    _active("AcknowledgeRejectedClaim", "Acknowledge Rejected Claim", Side.CR),
    _active("ClaimRejectedToCR", "Claim Rejected to CR", Side.CR),
    _active("LiabilityAdmitted", "Liability Admitted", Side.CR, ("D15",)),
    _active("LiabilityAdmittedForChild", "Liability Admitted for Child", Side.CR, ("D15",)),
    _active("LiabilityAdmittedWithNegligence", "Liability Admitted with Negligence", Side.CR),
    _active("LiabilityNotAdmitted", "Liability Not Admitted", Side.CR),
    _active("LiabilityDecisionTimeout", "Liability Decision Timeout", Side.CR),
    _active("FraudStated", "Fraud stated", Side.CR),
    _active("StartOfStage21", "Start of Stage 2.1", Side.CR, exit_by=BOTH),
    _active("InterimSettlementPackForm", "Interim Settlement Pack Form", Side.CR, exit_by=BOTH),
    _active(
        "InterimPaymentDecision", "Interim Payment decision", Side.COMP,
        ("D5", "D6", "D7"), _IPDT, BOTH, True,
    ),
    _active(
        "PartialInterimPaymentDecision", "Partial Interim Payment Decision", Side.CR,
        exit_by=BOTH,
    ),
    _active(
        "AcknowledgePartialPaymentDecision", "Acknowledge Partial Payment Decision", Side.COMP,
        exit_by=BOTH,
    ),
    _active("Stage21Payment", "Stage 2.1 Payment", Side.CR, ("D14",), exit_by=BOTH),
    _active(
        "InterimSettlementPackRejected", "Interim Settlement Pack Rejected", Side.CR,
        exit_by=BOTH,
    ),
    _active(
        "InterimPaymentDecisionTimeout", "Interim Payment Decision Timeout", Side.CR,
        exit_by=BOTH,
    ),
    _active("Stage2SettlementPackForm", "Stage 2 Settlement Pack Form", Side.CR, exit_by=BOTH),
    _active(
        "Stage2SettlementPackDecision", "Stage 2 Settlement pack decision", Side.COMP,
        ("D8", "D11"), "Stage2SettlementPackDecisionTimeout", BOTH, True,
    ),
    _active(
        "Stage2SettlementPackConfirmation", "Stage 2 Settlement Pack Confirmed", Side.CR,
        ("D14",),
    ),
    _active(
        "Stage2SettlementPackAgreementDecision", "Stage 2 Settlement Pack Agreement Decision",
        Side.CR, ("D9", "D10", "D11"), _NOT_AGREED, BOTH,
    ),
    _active("Stage2SettlementPackAgreed", "Stage 2 Settlement Pack Agreed", Side.COMP, ("D14",)),
    _active(
        "Stage2SettlementPackCounterOfferNeeded", "Stage 2 Settlement Pack Counter Offer Needed",
        Side.CR, ("D9",), _NOT_AGREED, BOTH,
    ),
    _active(
        "Stage2SettlementPackCounterOfferByCR", "Stage 2 Settlement Pack Counter Offer by CR",
        Side.CR, ("D9",), _NOT_AGREED, BOTH,
    ),
    _active(
        "Stage2SettlementPackCounterOfferDecision",
        "Stage 2 Settlement Pack Counter Offer Decision",
        Side.COMP, ("D9", "D10"), _NOT_AGREED, BOTH, True,
    ),
    _active(_NOT_AGREED, "Stage 2 Settlement Pack Not Agreed", Side.CR, exit_by=BOTH),
    _active("Stage2SettlementPackRepudiation", "Stage 2 Settlement Pack Repudiated", Side.CR),
    _active(
        "Stage2SettlementPackDecisionTimeout", "Stage 2 Settlement Pack Decision Timeout", Side.CR
    ),
    _active(_CPPF, "Court Proceedings Pack Form", Side.CR, exit_by=BOTH),
    _active(
        "CourtProceedingsPackDecision", "Court Proceedings Pack Decision", Side.COMP,
        ("D13",), "CourtProceedingsPackDecisionTimeoutEnd", BOTH, True,
    ),
    _active("CourtProceedingsPackResponse", "Court Proceedings Pack Response", Side.CR),
    _active("ExitProcessByCR", "Exit Process by Claimant Representative", Side.COMP),
    _active("ExitProcessByCM", "Exit Process by Compensator", Side.CR),
    _end("ExitRejectedClaim", "Exit Rejected Claim"),
    _end("LiabilityAdmittedWithNegligenceEnd", "Liability Admitted with Negligence End"),
    _end("LiabilityNotAdmittedEnd", "Liability Not Admitted End"),
    _end("LiabilityDecisionTimeoutEnd", "Liability Decision Timeout End"),
    _end("FraudStatedEnd", "Fraud Stated End"),
    _end("Stage2SettlementPackConfirmationEnd", "Stage 2 Settlement Pack Confirmation End"),
    _end("Stage2SettlementPackAgreedEnd", "Stage 2 Settlement Pack Agreed End"),
    _end("Stage2SettlementPackRepudiationEnd", "Stage 2 Settlement Pack Repudiation End"),
    _end(
        "Stage2SettlementPackDecisionTimeoutEnd", "Stage 2 Settlement Pack Decision Timeout End"
    ),
    _end("CourtProceedingsPackEnd", "Court Proceedings Pack End"),
    _end("CourtProceedingsPackDecisionTimeoutEnd", "Court Proceedings Pack Decision Timeout End"),
    _end("ExitProcessEnd", "Exit Process End"),
    _end("ClaimDeleted", "Claim Deleted"),
)
# fmt: on

_S2D = "Stage2SettlementPackDecision"
_AGD = "Stage2SettlementPackAgreementDecision"
_CON = "Stage2SettlementPackCounterOfferNeeded"
_COCR = "Stage2SettlementPackCounterOfferByCR"
_CODEC = "Stage2SettlementPackCounterOfferDecision"
_XCO = "extendStage2SPFCounterOfferTimeout"

# fmt: off
TRANSITIONS: Final[tuple[Transition, ...]] = (
    _t("E1", NEW, "addClaim", CR, "ClaimSubmitted", "CNF valid for the current release"),
    _t("E2", "ClaimSubmitted", "acknowledgeClaim", COMP, "ClaimAcknowledged"),
    _t("E3", "ClaimSubmitted", TIMEOUT, SYSTEM, _LDT, "D2 expired"),
    _t("E4", "ClaimAcknowledged", "acceptClaim", COMP, "LiabilityDecision"),
    _t("E5", "ClaimAcknowledged", "rejectClaimToCR", COMP, "AcknowledgeRejectedClaim",
       "rejectionReasonCode valid"),
    _t("E6", "ClaimAcknowledged", "reassignToAnotherCM", COMP, "ClaimSubmitted",
       "target linked to caller; EL/PL: new acknowledgement needed"),
    _t("E7", "ClaimAcknowledged", TIMEOUT, SYSTEM, _LDT, "D2 expired"),
    _t("E8", "LiabilityDecision", "sendLiabilityDecision", COMP, "LiabilityAdmitted",
       LiabilityDecision="A", child=False),
    _t("E9", "LiabilityDecision", "sendLiabilityDecision", COMP, "LiabilityAdmittedForChild",
       LiabilityDecision="A", child=True),
    _t("E10", "LiabilityDecision", "sendLiabilityDecision", COMP,
       "LiabilityAdmittedWithNegligence", LiabilityDecision="AN"),
    _t("E11", "LiabilityDecision", "sendLiabilityDecision", COMP, "LiabilityNotAdmitted",
       LiabilityDecision="N"),
    _t("E12", "LiabilityDecision", TIMEOUT, SYSTEM, _LDT, "D2 expired"),
    _t("E13", "AcknowledgeRejectedClaim", "acknowledgeRejectedClaim", CR, "ClaimRejectedToCR"),
    _t("E14", "AcknowledgeRejectedClaim", "exitRejectedClaim", CR, "ExitRejectedClaim"),
    _t("E15", "ClaimRejectedToCR", "resendRejectedClaim", CR, "ClaimSubmitted",
       "CNF valid for the claim's release; deadlines restart"),
    _t("E16", "ClaimRejectedToCR", "exitRejectedClaim", CR, "ExitRejectedClaim"),
    _t("E17", "LiabilityAdmitted", "acknowledgeLiabilityAdmitted", CR, "StartOfStage21"),
    _t("E18", "LiabilityAdmittedForChild", "acknowledgeLiabilityAdmittedForChild", CR,
       "StartOfStage21"),
    _t("E19", "LiabilityAdmittedWithNegligence", "acknowledgeLiabilityAdmittedWithNeg", CR,
       "LiabilityAdmittedWithNegligenceEnd"),
    _t("E20", "LiabilityNotAdmitted", "acknowledgeDeniedLiability", CR,
       "LiabilityNotAdmittedEnd"),
    _t("E21", _LDT, "acknowledgeLiabilityDecisionTimeout", CR, "LiabilityDecisionTimeoutEnd"),
    _t("E22", "FraudStated", "acknowledgeFraudStated", CR, "FraudStatedEnd"),
    _t("E23", "StartOfStage21", "setInterimPaymentNeeded", CR, "InterimSettlementPackForm",
       isInterimPaymentNeeded=True),
    _t("E24", "StartOfStage21", "setInterimPaymentNeeded", CR, "Stage2SettlementPackForm",
       isInterimPaymentNeeded=False),
    _t("E25", "InterimSettlementPackForm", "addInterimSPFRequest", CR, "InterimPaymentDecision",
       "ISP valid"),
    _t("E26", "InterimSettlementPackForm", "returnToStartOfStage21", CR, "StartOfStage21"),
    _t("E27", "InterimPaymentDecision", "addInterimSPFResponse", COMP, "Stage21Payment",
       offer_full=True),
    _t("E28", "InterimPaymentDecision", "addInterimSPFResponse", COMP,
       "PartialInterimPaymentDecision", offer_full=False),
    _t("E29", "InterimPaymentDecision", "rejectInterimSettlementPack", COMP,
       "InterimSettlementPackRejected", "rejectionComment given"),
    _t("E30", "InterimPaymentDecision", "extendInterimPaymentDecisionTimeout", COMP,
       "InterimPaymentDecision", "request > 1,000 and not yet extended (D7)"),
    _t("E31", "InterimPaymentDecision", TIMEOUT, SYSTEM, _IPDT, "D5, D6 or D7 expired"),
    _t("E32", "PartialInterimPaymentDecision", "acceptPartialInterimPayment", CR,
       "AcknowledgePartialPaymentDecision",
       "isPartialInterimPaymentAccepted = true or false (recorded)"),
    _t("E33", "AcknowledgePartialPaymentDecision", "acknowledgePartialPaymentDecision", COMP,
       "Stage21Payment", partial_accepted=True),
    _t("E34", "AcknowledgePartialPaymentDecision", "acknowledgePartialPaymentDecision", COMP,
       "Stage2SettlementPackForm", partial_accepted=False),
    _t("E35", "Stage21Payment", "setStage21Payment", CR, "Stage2SettlementPackForm",
       "isStage21Paid = true or false (recorded)"),
    _t("E36", "InterimSettlementPackRejected", "acknowledgeRejectedInterimSettlementPack", CR,
       "StartOfStage21"),
    _t("E37", _IPDT, "acknowledgeInterimPaymentDecisionTimeout", CR,
       "Stage2SettlementPackForm"),
    _t("E38", "Stage2SettlementPackForm", "addStage2SPFRequest", CR, _S2D, "S2SP valid"),
    _t("E39", "Stage2SettlementPackForm", "returnToStartOfStage21", CR, "StartOfStage21",
       "further interim payment wanted"),
    _t("E40", _S2D, "addStage2SPFResponse", COMP, "Stage2SettlementPackConfirmation",
       SettlementPackDecision="C"),
    _t("E41", _S2D, "addStage2SPFResponse", COMP, _AGD, SettlementPackDecision="CO"),
    _t("E42", _S2D, "addStage2SPFResponse", COMP, "Stage2SettlementPackRepudiation",
       SettlementPackDecision="R"),
    _t("E43", _S2D, "extendStage2SPFDecisionTimeout", COMP, _S2D, _D11),
    _t("E44", _S2D, TIMEOUT, SYSTEM, "Stage2SettlementPackDecisionTimeout", "D8 or D11 expired"),
    _t("E45", "Stage2SettlementPackConfirmation", "acknowledgeStage2SPFConfirmation", CR,
       "Stage2SettlementPackConfirmationEnd", child=False),
    _t("E46", "Stage2SettlementPackConfirmation", "acknowledgeStage2SPFConfirmation", CR,
       _CPPF, child=True),
    _t("E47", _AGD, "setStage2SPFAgreementDecision", CR, "Stage2SettlementPackAgreed",
       isAgreed=True),
    _t("E48", _AGD, "setStage2SPFAgreementDecision", CR, _CON, isAgreed=False, offer_late=False),
    _t("E49", _AGD, "setStage2SPFAgreementDecision", CR, _CPPF,
       "no further counter offers", isAgreed=False, offer_late=True),
    _t("E50", _AGD, _XCO, BOTH, _AGD, _D11),
    _t("E51", _AGD, TIMEOUT, SYSTEM, _NOT_AGREED, "D9, D10 or D11 expired"),
    _t("E52", _CON, "setStage2SPFCounterOfferNeeded", CR, _COCR,
       isStage2SPFCounterOfferNeeded=True),
    _t("E53", _CON, "setStage2SPFCounterOfferNeeded", CR, _CPPF,
       isStage2SPFCounterOfferNeeded=False),
    _t("E54", _CON, _XCO, BOTH, _CON, _D11),
    _t("E55", _CON, TIMEOUT, SYSTEM, _NOT_AGREED, "D9, D10 or D11 expired"),
    _t("E56", _COCR, "addStage2SPFCounterOfferByCR", CR, _CODEC, "counter offer valid"),
    _t("E57", _COCR, _XCO, BOTH, _COCR, _D11),
    _t("E58", _COCR, TIMEOUT, SYSTEM, _NOT_AGREED, "D9, D10 or D11 expired"),
    _t("E59", _CODEC, "addStage2SPFCounterOfferByCM", COMP, "Stage2SettlementPackConfirmation",
       SettlementPackCounterOfferDecision="ACO"),
    _t("E60", _CODEC, "addStage2SPFCounterOfferByCM", COMP, _AGD,
       SettlementPackCounterOfferDecision="NEWCO", offer_late=False),
    _t("E61", _CODEC, "addStage2SPFCounterOfferByCM", COMP, _NOT_AGREED,
       "treated as not agreed", SettlementPackCounterOfferDecision="NEWCO", offer_late=True),
    _t("E62", _CODEC, _XCO, BOTH, _CODEC, _D11),
    _t("E63", _CODEC, TIMEOUT, SYSTEM, _NOT_AGREED, "D9, D10 or D11 expired"),
    _t("E64", "Stage2SettlementPackAgreed", "acknowledgeStage2SPFAgreed", COMP,
       "Stage2SettlementPackAgreedEnd", child=False),
    _t("E65", "Stage2SettlementPackAgreed", "acknowledgeStage2SPFAgreed", COMP, _CPPF,
       child=True),
    _t("E66", _NOT_AGREED, "acknowledgeStage2SPFNotAgreed", CR, _CPPF),
    _t("E67", "Stage2SettlementPackRepudiation", "acknowledgeStage2SPFRepudiation", CR,
       "Stage2SettlementPackRepudiationEnd"),
    _t("E68", "Stage2SettlementPackDecisionTimeout", "acknowledgeStage2SPFDecisionTimeout", CR,
       "Stage2SettlementPackDecisionTimeoutEnd"),
    _t("E69", _CPPF, "addCPPFRequest", CR, "CourtProceedingsPackDecision", "CPP valid"),
    _t("E70", "CourtProceedingsPackDecision", "addCPPFResponse", COMP,
       "CourtProceedingsPackResponse", "CPP response valid"),
    _t("E71", "CourtProceedingsPackDecision", TIMEOUT, SYSTEM,
       "CourtProceedingsPackDecisionTimeoutEnd", "D13 expired"),
    _t("E72", "CourtProceedingsPackResponse", "acknowledgeCPPFResponse", CR,
       "CourtProceedingsPackEnd"),
    _t("E73", "ExitProcessByCR", "acknowledgeExitProcess", COMP, "ExitProcessEnd"),
    _t("E74", "ExitProcessByCM", "acknowledgeExitProcess", CR, "ExitProcessEnd"),
    _t("E75", Wildcard.EXIT_BY, "exitProcess", CR, "ExitProcessByCR",
       "exitReasonCode valid for CR side"),
    _t("E76", Wildcard.EXIT_BY, "exitProcess", COMP, "ExitProcessByCM",
       "exitReasonCode valid for COMP side"),
    _t("E77", Wildcard.FRAUD, "stateFraud", COMP, "FraudStated",
       "reasonCode 0 and reasonDescription given"),
    _t("E78", Wildcard.ANY, GDPR_DELETE, SYSTEM, "ClaimDeleted",
       "administration event (security.md 6), not an A2A operation"),
)
# fmt: on
