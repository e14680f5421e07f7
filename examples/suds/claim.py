"""A law firm's first claim through the A2A claims gateway, with suds (suds-community).

    pip install suds-community
    python claim.py [BASE_URL] [CNF_FILE] [CR_REFERENCE]

BASE_URL defaults to http://127.0.0.1:8080 (``make run``), CNF_FILE to a sample CNF exported by
``gateway samples export samples/``, CR_REFERENCE to a fresh one. Prints one line per step.
"""

from __future__ import annotations

import sys
import uuid
import xml.etree.ElementTree as ET
from typing import Any

from suds.client import Client

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
cnf_file = sys.argv[2] if len(sys.argv) > 2 else "samples/rta/R7/cnf-rta.xml"
reference = sys.argv[3] if len(sys.argv) > 3 else f"SUDS/{uuid.uuid4().hex[:8].upper()}"

# cache=None: suds otherwise keeps the parsed WSDL for a day in a temporary folder, and would
# not see a gateway's new release until then.
client = Client(f"{base}/PIP.WSTK/PIPWSTK?wsdl", cache=None)
service = client.service


def show(step: str, result: Any) -> None:
    info = getattr(result, "claimInfo", None)
    key = (getattr(result, "details", None) or "").split(":")[0]
    parts = [step, result.code, key]
    if info is not None:
        parts += [info.applicationId, info.phaseCacheId, info.activityEngineGuid]
    print(" ".join(part for part in parts if part))


# suds answers the response's one child (tokenResponse, claimInfoResponse ...) directly.
token = service.getToken(
    userID="cr-a2a", userAsID="cr-rta-ch", password="Amber-Falcon-2026!", clientID="example-suds"
)
if token.code != "Ok":
    sys.exit(f"getToken: {token.details}")
access_token = token.accessToken
print(f"getToken {token.code}")

# The CR reference is an attribute of the CNF (a firm's reference belongs to one open claim:
# rule CNF-14). The CNF goes as a string; suds escapes it.
cnf = ET.parse(cnf_file)
company = cnf.find("ClaimAndClaimantDetails/ClaimantRepresentative/CompanyDetails")
assert company is not None, f"{cnf_file}: not a CNF"
company.set("ReferenceNumber", reference)
added = service.addClaim(claimXML=ET.tostring(cnf.getroot(), "unicode"), accessToken=access_token)
show("addClaim", added)
claim = added.claimInfo

status = service.getClaimsStatus(applicationId=claim.applicationId, accessToken=access_token)
show("getClaimsStatus", status)

read = service.getClaim(applicationId=claim.applicationId, accessToken=access_token)
document = read.value  # the claim's Data document, as a string
print(f"getClaim {read.code} {'has' if reference in document else 'lacks'} {reference}")

# The GUID is an optimistic-concurrency token: a call with an out-of-date one is refused
# (GUID_STALE) and changes nothing. Re-read the claim, then act on what it says now.
stale = {"activityEngineGuid": str(uuid.uuid4()).upper(), "applicationId": claim.applicationId}
show("lockClaim", service.lockClaim(claimData=stale, accessToken=access_token))
current = service.getClaimsStatus(
    applicationId=claim.applicationId, accessToken=access_token
).claimInfo
data = {"activityEngineGuid": current.activityEngineGuid, "applicationId": current.applicationId}
show("lockClaim", service.lockClaim(claimData=data, accessToken=access_token))
show(
    "unlockClaim", service.unlockClaim(applicationId=claim.applicationId, accessToken=access_token)
)
