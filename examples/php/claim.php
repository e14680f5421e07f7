<?php
// A law firm's first claim through the A2A claims gateway, with PHP's SoapClient
// (Debian: apt-get install php-cli php-soap).
//
//   php claim.php [BASE_URL] [CNF_FILE] [CR_REFERENCE]
//
// BASE_URL defaults to http://127.0.0.1:8080 (`make run`), CNF_FILE to a sample CNF exported by
// `gateway samples export samples/`, CR_REFERENCE to a fresh one. Prints one line per step.

$base = $argv[1] ?? 'http://127.0.0.1:8080';
$cnfFile = $argv[2] ?? 'samples/rta/R7/cnf-rta.xml';
$reference = $argv[3] ?? 'PHP/' . strtoupper(bin2hex(random_bytes(4)));

$client = new SoapClient("$base/PIP.WSTK/PIPWSTK?wsdl", [
    'soap_version' => SOAP_1_1,
    'exceptions' => true,                       // envelope problems (SOAP Faults) throw
    'cache_wsdl' => WSDL_CACHE_NONE,            // a long-running client may cache it
    'features' => SOAP_SINGLE_ELEMENT_ARRAYS,   // a list of one row is still an array
    'encoding' => 'UTF-8',
]);

function show(string $step, object $result): void
{
    $info = $result->claimInfo ?? null;
    $key = explode(':', (string) ($result->details ?? ''))[0];
    $parts = [$step, $result->code, $key, $info->applicationId ?? '', $info->phaseCacheId ?? '',
        $info->activityEngineGuid ?? ''];
    echo implode(' ', array_filter($parts, fn ($part) => $part !== '')), "\n";
}

// One array per request, keyed by the WSDL's element names; the response is an object whose one
// property is the response's child element (tokenResponse, claimInfoResponse ...).
$token = $client->getToken([
    'userID' => 'cr-a2a', 'userAsID' => 'cr-rta-ch', 'password' => 'Amber-Falcon-2026!',
    'clientID' => 'example-php',
])->tokenResponse;
if ($token->code !== 'Ok') {
    fwrite(STDERR, "getToken: $token->details\n");
    exit(1);
}
$accessToken = $token->accessToken;
echo "getToken $token->code\n";

// The CR reference is an attribute of the CNF (a firm's reference belongs to one open claim:
// rule CNF-14); php-soap needs no DOM extension, so a regular expression sets it. The CNF goes
// as a string; SoapClient escapes it.
$cnf = preg_replace('/(<CompanyDetails\b[^>]*?\bReferenceNumber=")[^"]*(")/', '${1}' . $reference . '${2}',
    file_get_contents($cnfFile), 1, $count);
if ($count !== 1) {
    fwrite(STDERR, "$cnfFile: not a CNF (no CompanyDetails/@ReferenceNumber)\n");
    exit(1);
}
$added = $client->addClaim(['claimXML' => $cnf, 'accessToken' => $accessToken])->claimInfoResponse;
show('addClaim', $added);
$claim = $added->claimInfo;

$status = $client->getClaimsStatus(['applicationId' => $claim->applicationId, 'accessToken' => $accessToken]);
show('getClaimsStatus', $status->claimInfo2Response);

$read = $client->getClaim(['applicationId' => $claim->applicationId, 'accessToken' => $accessToken])->stringResponse;
$document = $read->value; // the claim's Data document, as a string
echo "getClaim $read->code ", (str_contains($document, $reference) ? 'has' : 'lacks'), " $reference\n";

// The GUID is an optimistic-concurrency token: a call with an out-of-date one is refused
// (GUID_STALE) and changes nothing. Re-read the claim, then act on what it says now.
$stale = ['activityEngineGuid' => '00000000-0000-0000-0000-000000000000', 'applicationId' => $claim->applicationId];
show('lockClaim', $client->lockClaim(['claimData' => $stale, 'accessToken' => $accessToken])->response);
$current = $client->getClaimsStatus(['applicationId' => $claim->applicationId, 'accessToken' => $accessToken])
    ->claimInfo2Response->claimInfo;
$data = ['activityEngineGuid' => $current->activityEngineGuid, 'applicationId' => $current->applicationId];
show('lockClaim', $client->lockClaim(['claimData' => $data, 'accessToken' => $accessToken])->response);
show('unlockClaim', $client->unlockClaim(['applicationId' => $current->applicationId, 'accessToken' => $accessToken])->response);
