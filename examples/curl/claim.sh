#!/usr/bin/env bash
# A law firm's first claim through the A2A claims gateway with curl and raw SOAP 1.1 envelopes:
# what every SOAP library does underneath.
#
#   examples/curl/claim.sh [BASE_URL] [CNF_FILE] [CR_REFERENCE]
#
# BASE_URL defaults to http://127.0.0.1:8080 (`make run`), CNF_FILE to a sample CNF exported by
# `gateway samples export samples/`, CR_REFERENCE to a fresh one. Prints one line per step.
# Needs bash, curl and sed only; a real client should read the answers with an XML parser.
set -euo pipefail

base=${1:-http://127.0.0.1:8080}
cnf_file=${2:-samples/rta/R7/cnf-rta.xml}
reference=${3:-CURL/$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)}
endpoint="$base/PIP.WSTK/PIPWSTK"

# POST one operation: its element in the service's namespace, its children unqualified, in the
# WSDL's order. SOAPAction may be empty: the gateway dispatches on the body's first child.
call() {
  local operation=$1 fields=$2
  curl -sS "$endpoint" \
    -H 'Content-Type: text/xml; charset=utf-8' -H 'SOAPAction: ""' \
    --data-binary @- <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:pip="http://wstk.pip.crif.com/">
  <soap:Body><pip:$operation>$fields</pip:$operation></soap:Body>
</soap:Envelope>
EOF
}

# The text of the first element called $1 in the answer on stdin.
field() { sed -n "s:.*<$1>\([^<]*\)</$1>.*:\1:p" | head -n 1; }

# One line per step: the step, code, the key of details, and the claimInfo if there is one.
show() {
  local step=$1 reply=$2 key
  key=$(field details <<<"$reply" | cut -d: -f1)
  echo "$step $(field code <<<"$reply") $key $(field applicationId <<<"$reply") $(field phaseCacheId <<<"$reply") $(field activityEngineGuid <<<"$reply")" \
    | tr -s ' ' | sed 's/ $//'
}

reply=$(call getToken "<userID>cr-a2a</userID><userAsID>cr-rta-ch</userAsID>\
<password>Amber-Falcon-2026!</password><clientID>example-curl</clientID>")
token=$(field accessToken <<<"$reply")
[ -n "$token" ] || { echo "getToken: $(field details <<<"$reply")" >&2; exit 1; }
echo "getToken $(field code <<<"$reply")"

# The CNF travels as a string inside claimXML: set its CR reference (one open claim per firm's
# reference, rule CNF-14), then escape it as XML text (a CDATA section would do as well).
cnf=$(sed -E "s#(<CompanyDetails[^>]*ReferenceNumber=\")[^\"]*\"#\1$reference\"#" "$cnf_file" \
  | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g')
reply=$(call addClaim "<claimXML>$cnf</claimXML><accessToken>$token</accessToken>")
show addClaim "$reply"
application=$(field applicationId <<<"$reply")

reply=$(call getClaimsStatus "<applicationId>$application</applicationId><accessToken>$token</accessToken>")
show getClaimsStatus "$reply"
guid=$(field activityEngineGuid <<<"$reply")

# getClaim's value is the claim's Data document, escaped inside the answer.
reply=$(call getClaim "<applicationId>$application</applicationId><accessToken>$token</accessToken>")
if grep -qF "$reference" <<<"$reply"; then has=has; else has=lacks; fi
echo "getClaim $(field code <<<"$reply") $has $reference"

# The GUID is an optimistic-concurrency token: a call with an out-of-date one is refused
# (GUID_STALE) and changes nothing. Re-read the claim, then act on what it says now.
claim_data() { echo "<claimData><activityEngineGuid>$1</activityEngineGuid><applicationId>$application</applicationId></claimData>"; }
show lockClaim "$(call lockClaim "$(claim_data 00000000-0000-0000-0000-000000000000)<accessToken>$token</accessToken>")"
reply=$(call getClaimsStatus "<applicationId>$application</applicationId><accessToken>$token</accessToken>")
guid=$(field activityEngineGuid <<<"$reply")
show lockClaim "$(call lockClaim "$(claim_data "$guid")<accessToken>$token</accessToken>")"
show unlockClaim "$(call unlockClaim "<applicationId>$application</applicationId><accessToken>$token</accessToken>")"
