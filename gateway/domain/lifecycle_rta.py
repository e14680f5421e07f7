"""The RTA lifecycle as data: lifecycle.md 2.1 (57 phases) and 2.2 (transitions R1-R95).

One ``Phase`` per row of the phase table and one ``Transition`` per row of the transition table;
the wildcard rows R92-R95 are written once with a ``Wildcard`` source and expanded from the Exit-by
and Fraud columns by ``lifecycle.Lifecycle``. Conditions use the facts listed in ``lifecycle``.
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
_AD_START = "StartOfStage2SettlementPackAdditionalDamages"
_CPPF = "CourtProceedingsPackForm"
_D11 = "newTimeOut after current deadline (D11)"

# fmt: off
PHASES: Final[tuple[Phase, ...]] = (
    _active("ClaimSubmitted", "Claim Submitted", Side.COMP, ("D2", "D3"), _LDT, CR),
    _active("Article75Decision", "Article 75 Decision", Side.COMP, ("D2",), _LDT, BOTH, True),
    _active("LiabilityDecision", "Liability Decision", Side.COMP, ("D2", "D3"), _LDT, BOTH, True),
    _active("AcknowledgeRejectedClaim", "Acknowledge Rejected Claim", Side.CR),
    _active("ClaimRejectedToCR", "Claim Rejected to CR", Side.CR),
    _active("LiabilityAdmitted", "Liability Admitted", Side.CR, ("D4",)),
    _active("LiabilityAdmittedForChild", "Liability Admitted for Child", Side.CR, ("D4",)),
    _active("LiabilityAdmittedWithNegligence", "Liability Admitted with Negligence", Side.CR),
    _active("LiabilityNotAdmitted", "Liability Not Admitted", Side.CR),
    _active("LiabilityDecisionTimeout", "Liability Decision Timeout", Side.CR),
    _active("FraudStated", "Fraud stated", Side.CR),
    _active("Stage1Payment", "Stage 1 Payment", Side.CR, ("D4",), exit_by=BOTH),
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
    _active(
        _AD_START, "Start of Stage 2 Settlement Pack Additional Damages", Side.CR, exit_by=BOTH
    ),
    _active(
        "Stage2SettlementPackAdditionalDamagesForm",
        "Stage 2 Settlement Pack Additional Damages Form", Side.CR, exit_by=BOTH,
    ),
    _active(
        "Stage2SettlementPackAdditionalDamagesDecision",
        "Stage 2 Settlement Pack Additional Damages Decision", Side.COMP,
        ("D12", "D11"), "Stage2SettlementPackAdditionalDamagesDecisionTimeout", BOTH, True,
    ),
    _active(
        "Stage2SettlementPackAdditionalDamagesAgreement",
        "Additional Damages Agreed by Compensator", Side.CR, ("D14",),
    ),
    _active(
        "Stage2SettlementPackAdditionalDamagesAgreementDecision",
        "Additional Damages Agreement Decision", Side.CR, exit_by=BOTH,
    ),
    _active("Stage2SettlementPackAllDamagesAgreed", "All Damages Agreed", Side.COMP, ("D14",)),
    _active(
        "Stage2SettlementPackAdditionalDamagesDecisionTimeout",
        "Additional Damages Decision Timeout", Side.CR, exit_by=BOTH,
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
    _end(
        "Stage2SettlementPackAllDamagesAgreedEnd", "Stage 2 Settlement Pack All Damages Agreed End"
    ),
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
_ADD = "Stage2SettlementPackAdditionalDamagesDecision"
_XCO = "extendStage2SPFCounterOfferTimeout"

# fmt: off
TRANSITIONS: Final[tuple[Transition, ...]] = (
    _t("R1", NEW, "addClaim", CR, "ClaimSubmitted", "CNF valid for the current release"),
    _t("R2", "ClaimSubmitted", "acceptClaim", COMP, "Article75Decision", insurer_type="I"),
    _t("R3", "ClaimSubmitted", "acceptClaim", COMP, "LiabilityDecision", insurer_type="M"),
    _t("R4", "ClaimSubmitted", "rejectClaimToCR", COMP, "AcknowledgeRejectedClaim",
       "rejectionReasonCode valid"),
    _t("R5", "ClaimSubmitted", "reassignToAnotherCM", COMP, "ClaimSubmitted",
       "target linked to caller"),
    _t("R6", "ClaimSubmitted", TIMEOUT, SYSTEM, _LDT, "D2 (or D3) expired"),
    _t("R7", "Article75Decision", "applyArticle75", COMP, "LiabilityDecision", isArticle75=True),
    _t("R8", "Article75Decision", "applyArticle75", COMP, "LiabilityDecision", isArticle75=False),
    _t("R9", "Article75Decision", TIMEOUT, SYSTEM, _LDT, "D2 expired"),
    _t("R10", "LiabilityDecision", "sendLiabilityDecision", COMP, "LiabilityAdmitted",
       LiabilityDecision="A", child=False),
    _t("R11", "LiabilityDecision", "sendLiabilityDecision", COMP, "LiabilityAdmittedForChild",
       LiabilityDecision="A", child=True),
    _t("R12", "LiabilityDecision", "sendLiabilityDecision", COMP,
       "LiabilityAdmittedWithNegligence", LiabilityDecision="AN"),
    _t("R13", "LiabilityDecision", "sendLiabilityDecision", COMP, "LiabilityNotAdmitted",
       LiabilityDecision="N"),
    _t("R14", "LiabilityDecision", TIMEOUT, SYSTEM, _LDT, "D2 or D3 expired"),
    _t("R15", "AcknowledgeRejectedClaim", "acknowledgeRejectedClaim", CR, "ClaimRejectedToCR"),
    _t("R16", "AcknowledgeRejectedClaim", "exitRejectedClaim", CR, "ExitRejectedClaim"),
    _t("R17", "ClaimRejectedToCR", "resendRejectedClaim", CR, "ClaimSubmitted",
       "CNF valid for the claim's release; deadlines restart"),
    _t("R18", "ClaimRejectedToCR", "exitRejectedClaim", CR, "ExitRejectedClaim"),
    _t("R19", "LiabilityAdmitted", "acknowledgeLiabilityAdmitted", CR, "Stage1Payment"),
    _t("R20", "LiabilityAdmittedForChild", "acknowledgeLiabilityAdmittedForChild", CR,
       "Stage1Payment"),
    _t("R21", "LiabilityAdmittedWithNegligence", "acknowledgeLiabilityAdmittedWithNeg", CR,
       "LiabilityAdmittedWithNegligenceEnd"),
    _t("R22", "LiabilityNotAdmitted", "acknowledgeDeniedLiability", CR,
       "LiabilityNotAdmittedEnd"),
    _t("R23", _LDT, "acknowledgeLiabilityDecisionTimeout", CR, "LiabilityDecisionTimeoutEnd"),
    _t("R24", "FraudStated", "acknowledgeFraudStated", CR, "FraudStatedEnd"),
    _t("R25", "Stage1Payment", "setStage1Payment", CR, "StartOfStage21",
       "isStage1Paid = true or false (recorded)"),
    _t("R26", "StartOfStage21", "setInterimPaymentNeeded", CR, "InterimSettlementPackForm",
       isInterimPaymentNeeded=True),
    _t("R27", "StartOfStage21", "setInterimPaymentNeeded", CR, "Stage2SettlementPackForm",
       isInterimPaymentNeeded=False),
    _t("R28", "InterimSettlementPackForm", "addInterimSPFRequest", CR, "InterimPaymentDecision",
       "ISP valid"),
    _t("R29", "InterimSettlementPackForm", "returnToStartOfStage21", CR, "StartOfStage21"),
    _t("R30", "InterimPaymentDecision", "addInterimSPFResponse", COMP, "Stage21Payment",
       offer_full=True),
    _t("R31", "InterimPaymentDecision", "addInterimSPFResponse", COMP,
       "PartialInterimPaymentDecision", offer_full=False),
    _t("R32", "InterimPaymentDecision", "rejectInterimSettlementPack", COMP,
       "InterimSettlementPackRejected", "rejectionComment given"),
    _t("R33", "InterimPaymentDecision", "extendInterimPaymentDecisionTimeout", COMP,
       "InterimPaymentDecision", "request > 1,000 and not yet extended (D7)"),
    _t("R34", "InterimPaymentDecision", TIMEOUT, SYSTEM, _IPDT, "D5, D6 or D7 expired"),
    _t("R35", "PartialInterimPaymentDecision", "acceptPartialInterimPayment", CR,
       "AcknowledgePartialPaymentDecision",
       "isPartialInterimPaymentAccepted = true or false (recorded)"),
    _t("R36", "AcknowledgePartialPaymentDecision", "acknowledgePartialPaymentDecision", COMP,
       "Stage21Payment", partial_accepted=True),
    _t("R37", "AcknowledgePartialPaymentDecision", "acknowledgePartialPaymentDecision", COMP,
       "Stage2SettlementPackForm", partial_accepted=False),
    _t("R38", "Stage21Payment", "setStage21Payment", CR, "Stage2SettlementPackForm",
       "isStage21Paid = true or false (recorded)"),
    _t("R39", "InterimSettlementPackRejected", "acknowledgeRejectedInterimSettlementPack", CR,
       "StartOfStage21"),
    _t("R40", _IPDT, "acknowledgeInterimPaymentDecisionTimeout", CR,
       "Stage2SettlementPackForm"),
    _t("R41", "Stage2SettlementPackForm", "addStage2SPFRequest", CR, _S2D, "S2SP valid"),
    _t("R42", "Stage2SettlementPackForm", "returnToStartOfStage21", CR, "StartOfStage21",
       "further interim payment wanted"),
    _t("R43", _S2D, "addStage2SPFResponse", COMP, "Stage2SettlementPackConfirmation",
       SettlementPackDecision="C"),
    _t("R44", _S2D, "addStage2SPFResponse", COMP, _AGD, SettlementPackDecision="CO"),
    _t("R45", _S2D, "addStage2SPFResponse", COMP, "Stage2SettlementPackRepudiation",
       SettlementPackDecision="R"),
    _t("R46", _S2D, "extendStage2SPFDecisionTimeout", COMP, _S2D, _D11),
    _t("R47", _S2D, TIMEOUT, SYSTEM, "Stage2SettlementPackDecisionTimeout", "D8 or D11 expired"),
    _t("R48", "Stage2SettlementPackConfirmation", "acknowledgeStage2SPFConfirmation", CR,
       "Stage2SettlementPackConfirmationEnd", child=False),
    _t("R49", "Stage2SettlementPackConfirmation", "acknowledgeStage2SPFConfirmation", CR,
       _AD_START, child=True),
    _t("R50", _AGD, "setStage2SPFAgreementDecision", CR, "Stage2SettlementPackAgreed",
       isAgreed=True),
    _t("R51", _AGD, "setStage2SPFAgreementDecision", CR, _CON, isAgreed=False, offer_late=False),
    _t("R52", _AGD, "setStage2SPFAgreementDecision", CR, _AD_START,
       "no further counter offers", isAgreed=False, offer_late=True),
    _t("R53", _AGD, _XCO, BOTH, _AGD, _D11),
    _t("R54", _AGD, TIMEOUT, SYSTEM, _NOT_AGREED, "D9, D10 or D11 expired"),
    _t("R55", _CON, "setStage2SPFCounterOfferNeeded", CR, _COCR,
       isStage2SPFCounterOfferNeeded=True),
    _t("R56", _CON, "setStage2SPFCounterOfferNeeded", CR, _AD_START,
       isStage2SPFCounterOfferNeeded=False),
    _t("R57", _CON, _XCO, BOTH, _CON, _D11),
    _t("R58", _CON, TIMEOUT, SYSTEM, _NOT_AGREED, "D9, D10 or D11 expired"),
    _t("R59", _COCR, "addStage2SPFCounterOfferByCR", CR, _CODEC, "counter offer valid"),
    _t("R60", _COCR, _XCO, BOTH, _COCR, _D11),
    _t("R61", _COCR, TIMEOUT, SYSTEM, _NOT_AGREED, "D9, D10 or D11 expired"),
    _t("R62", _CODEC, "addStage2SPFCounterOfferByCM", COMP, "Stage2SettlementPackConfirmation",
       SettlementPackCounterOfferDecision="ACO"),
    _t("R63", _CODEC, "addStage2SPFCounterOfferByCM", COMP, _AGD,
       SettlementPackCounterOfferDecision="NEWCO", offer_late=False),
    _t("R64", _CODEC, "addStage2SPFCounterOfferByCM", COMP, _NOT_AGREED,
       "treated as not agreed", SettlementPackCounterOfferDecision="NEWCO", offer_late=True),
    _t("R65", _CODEC, _XCO, BOTH, _CODEC, _D11),
    _t("R66", _CODEC, TIMEOUT, SYSTEM, _NOT_AGREED, "D9, D10 or D11 expired"),
    _t("R67", "Stage2SettlementPackAgreed", "acknowledgeStage2SPFAgreed", COMP,
       "Stage2SettlementPackAgreedEnd", child=False),
    _t("R68", "Stage2SettlementPackAgreed", "acknowledgeStage2SPFAgreed", COMP, _AD_START,
       child=True),
    _t("R69", _NOT_AGREED, "acknowledgeStage2SPFNotAgreed", CR, _AD_START),
    _t("R70", "Stage2SettlementPackRepudiation", "acknowledgeStage2SPFRepudiation", CR,
       "Stage2SettlementPackRepudiationEnd"),
    _t("R71", "Stage2SettlementPackDecisionTimeout", "acknowledgeStage2SPFDecisionTimeout", CR,
       "Stage2SettlementPackDecisionTimeoutEnd"),
    _t("R72", _AD_START, "setAdditionalDamagesExistence", CR,
       "Stage2SettlementPackAdditionalDamagesForm", additionalDamagesExist=True),
    _t("R73", _AD_START, "setAdditionalDamagesExistence", CR, _CPPF,
       additionalDamagesExist=False),
    _t("R74", "Stage2SettlementPackAdditionalDamagesForm", "addS2SPFAdditionalDamagesRequest",
       CR, _ADD, "AD pack valid"),
    _t("R75", _ADD, "addS2SPFAdditionalDamagesResponse", COMP,
       "Stage2SettlementPackAdditionalDamagesAgreement", AdditionalDamagesDecision="A"),
    _t("R76", _ADD, "addS2SPFAdditionalDamagesResponse", COMP,
       "Stage2SettlementPackAdditionalDamagesAgreementDecision", AdditionalDamagesDecision="CO"),
    _t("R77", _ADD, "extendAdditionalDamagesDecisionTimeout", COMP, _ADD,
       "NewTimeOutDate after current deadline (D11)"),
    _t("R78", _ADD, TIMEOUT, SYSTEM, "Stage2SettlementPackAdditionalDamagesDecisionTimeout",
       "D12 or D11 expired"),
    _t("R79", "Stage2SettlementPackAdditionalDamagesAgreement",
       "acknowledgeAdditionalDamagesAgreement", CR, "Stage2SettlementPackAllDamagesAgreedEnd",
       child=False),
    _t("R80", "Stage2SettlementPackAdditionalDamagesAgreement",
       "acknowledgeAdditionalDamagesAgreement", CR, _CPPF, child=True),
    _t("R81", "Stage2SettlementPackAdditionalDamagesAgreementDecision",
       "setS2SPFAdditionalDamagesDecision", CR, "Stage2SettlementPackAllDamagesAgreed",
       isAgreed=True),
    _t("R82", "Stage2SettlementPackAdditionalDamagesAgreementDecision",
       "setS2SPFAdditionalDamagesDecision", CR, _CPPF, isAgreed=False),
    _t("R83", "Stage2SettlementPackAllDamagesAgreed", "acknowledgeAllDamagesAgreed", COMP,
       "Stage2SettlementPackAllDamagesAgreedEnd", child=False),
    _t("R84", "Stage2SettlementPackAllDamagesAgreed", "acknowledgeAllDamagesAgreed", COMP,
       _CPPF, child=True),
    _t("R85", "Stage2SettlementPackAdditionalDamagesDecisionTimeout",
       "acknowledgeAdditionalDamagesDecisionTimeout", CR, _CPPF),
    _t("R86", _CPPF, "addCPPFRequest", CR, "CourtProceedingsPackDecision", "CPP valid"),
    _t("R87", "CourtProceedingsPackDecision", "addCPPFResponse", COMP,
       "CourtProceedingsPackResponse", "CPP response valid"),
    _t("R88", "CourtProceedingsPackDecision", TIMEOUT, SYSTEM,
       "CourtProceedingsPackDecisionTimeoutEnd", "D13 expired"),
    _t("R89", "CourtProceedingsPackResponse", "acknowledgeCPPFResponse", CR,
       "CourtProceedingsPackEnd"),
    _t("R90", "ExitProcessByCR", "acknowledgeExitProcess", COMP, "ExitProcessEnd"),
    _t("R91", "ExitProcessByCM", "acknowledgeExitProcess", CR, "ExitProcessEnd"),
    _t("R92", Wildcard.EXIT_BY, "exitProcess", CR, "ExitProcessByCR",
       "exitReasonCode valid for CR side"),
    _t("R93", Wildcard.EXIT_BY, "exitProcess", COMP, "ExitProcessByCM",
       "exitReasonCode valid for COMP side"),
    _t("R94", Wildcard.FRAUD, "stateFraud", COMP, "FraudStated",
       "reasonCode 0 and reasonDescription given"),
    _t("R95", Wildcard.ANY, GDPR_DELETE, SYSTEM, "ClaimDeleted",
       "administration event (security.md 6), not an A2A operation"),
)
# fmt: on
