// A law firm's first claim through the A2A claims gateway, with node-soap.
//
//   npm ci && node claim.js [BASE_URL] [CNF_FILE] [CR_REFERENCE]
//
// BASE_URL defaults to http://127.0.0.1:8080 (`make run`), CNF_FILE to a sample CNF exported by
// `gateway samples export samples/`, CR_REFERENCE to a fresh one. Prints one line per step.
"use strict";

const fs = require("fs");
const crypto = require("crypto");
const soap = require("soap");

const base = process.argv[2] || "http://127.0.0.1:8080";
const cnfFile = process.argv[3] || "samples/rta/R7/cnf-rta.xml";
const reference = process.argv[4] || `NODE/${crypto.randomBytes(4).toString("hex").toUpperCase()}`;

// The CR reference is an attribute of the CNF: set it without an XML library (a firm's
// reference belongs to one open claim, rule CNF-14).
function withReference(cnf, ref) {
  const company = /(<CompanyDetails\b[^>]*?\bReferenceNumber=")[^"]*(")/;
  if (!company.test(cnf)) throw new Error("not a CNF: no CompanyDetails/@ReferenceNumber");
  return cnf.replace(company, `$1${ref}$2`);
}

function data(info) {
  // node-soap writes an object's fields in the order given here; the gateway accepts any order,
  // but the WSDL's (activityEngineGuid, applicationId) is the portable habit.
  return { activityEngineGuid: info.activityEngineGuid, applicationId: info.applicationId };
}

function show(step, result) {
  const info = result.claimInfo || {};
  const key = (result.details || "").split(":")[0];
  console.log([step, result.code, key, info.applicationId, info.phaseCacheId, info.activityEngineGuid]
    .filter((part) => part).join(" "));
}

async function main() {
  const client = await soap.createClientAsync(`${base}/PIP.WSTK/PIPWSTK?wsdl`);
  // Each call resolves to [result, rawResponse, soapHeader, rawRequest]; result holds the
  // response's single child by its wire name (tokenResponse, claimInfoResponse ...).
  const [token] = await client.getTokenAsync({
    userID: "cr-a2a", userAsID: "cr-rta-ch", password: "Amber-Falcon-2026!", clientID: "example-node",
  });
  if (token.tokenResponse.code !== "Ok") throw new Error(token.tokenResponse.details);
  const accessToken = token.tokenResponse.accessToken;
  console.log(`getToken ${token.tokenResponse.code}`);

  const cnf = withReference(fs.readFileSync(cnfFile, "utf8"), reference);
  const [added] = await client.addClaimAsync({ claimXML: cnf, accessToken }); // escaped for us
  const claim = added.claimInfoResponse.claimInfo;
  show("addClaim", added.claimInfoResponse);

  const [status] = await client.getClaimsStatusAsync({ applicationId: claim.applicationId, accessToken });
  show("getClaimsStatus", status.claimInfo2Response);

  const [read] = await client.getClaimAsync({ applicationId: claim.applicationId, accessToken });
  const document = read.stringResponse.value; // the claim's Data document, as a string
  console.log(`getClaim ${read.stringResponse.code} ${document.includes(reference) ? "has" : "lacks"} ${reference}`);

  // The GUID is an optimistic-concurrency token: a call with an out-of-date one is refused
  // (GUID_STALE) and changes nothing. Re-read the claim, then act on what it says now.
  const stale = { ...claim, activityEngineGuid: crypto.randomUUID().toUpperCase() };
  const [refused] = await client.lockClaimAsync({ claimData: data(stale), accessToken });
  show("lockClaim", refused.response);
  const [again] = await client.getClaimsStatusAsync({ applicationId: claim.applicationId, accessToken });
  const current = again.claimInfo2Response.claimInfo;
  const [locked] = await client.lockClaimAsync({ claimData: data(current), accessToken });
  show("lockClaim", locked.response);
  const [unlocked] = await client.unlockClaimAsync({ applicationId: current.applicationId, accessToken });
  show("unlockClaim", unlocked.response);
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
