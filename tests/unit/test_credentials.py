"""``masked_request``: every credential of both endpoint kinds masked, whatever the envelope's
encoding; garbage never raises and never keeps a secret; the credential list matches the WSDLs."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from lxml import etree

from gateway.errors import EnvelopeNotWellFormed
from gateway.service.credentials import CREDENTIAL_ELEMENTS, MOST_STEPS, masked_request
from gateway.soap.contract import load_contract
from gateway.soap.envelope import open_envelope
from gateway.soap.namespaces import ENDPOINTS

WSDL_DIR = Path(__file__).resolve().parent.parent.parent / "wsdl"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TOKEN_NS = "http://wstk.pip.crif.com/"
LEGACY_NS = "http://ws.pip.crif.com/"
PASSWORD = "Amber-Falcon-2026!é€"  # non-ASCII: its bytes differ in every encoding
NEW_PASSWORD = "Brand-New-Kite-77£"
ACCESS = "acc3SS-t0ken_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123"
REFRESH = "r3fresh-t0ken_ABCDEFGHIJKLMNOPQRSTUVWXYZ012"
SECRETS = (PASSWORD, NEW_PASSWORD, ACCESS, REFRESH)
ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def _envelope(ns: str, operation: str, fields: str, declared: str = "UTF-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{declared}"?>'
        f'<soap:Envelope xmlns:soap="{SOAP}" xmlns:t="{ns}"><soap:Body>'
        f"<t:{operation}>{fields}</t:{operation}></soap:Body></soap:Envelope>"
    )


# Every credential element of both endpoint kinds, in the request that carries it.
REQUESTS = {
    "getToken": _envelope(
        TOKEN_NS,
        "getToken",
        f"<userID>cr-a2a</userID><userAsID>cr-rta-ch</userAsID><password>{PASSWORD}</password>",
    ),
    "changePassword": _envelope(
        TOKEN_NS,
        "changePassword",
        f"<userID>cr-a2a</userID><oldPassword>{PASSWORD}</oldPassword>"
        f"<newPassword>{NEW_PASSWORD}</newPassword>",
    ),
    "refreshToken": _envelope(
        TOKEN_NS,
        "refreshToken",
        "<userID>cr-a2a</userID><userAsID>cr-rta-ch</userAsID><clientID>SH1029</clientID>"
        f"<refreshToken>{REFRESH}</refreshToken>",
    ),
    "token era": _envelope(
        TOKEN_NS,
        "getClaim",
        f"<applicationId>RTA0000001234</applicationId><accessToken>{ACCESS}</accessToken>",
    ),
    "legacy userAuth": _envelope(
        LEGACY_NS,
        "getClaim",
        "<applicationId>RTA0000001234</applicationId><userAuth><asUser>cr-rta-ch</asUser>"
        f"<password>{PASSWORD}</password><username>cr-a2a</username></userAuth>",
    ),
}


def _encoded(text: str, encoding: str, bom: bool) -> bytes:
    mark = "\ufeff" if bom else ""
    return (mark + text).encode(encoding)


def _assert_no_secret(stored: bytes) -> None:
    for secret in SECRETS:
        for encoding in ENCODINGS:
            assert secret.encode(encoding) not in stored, (secret, encoding)
        assert secret[:6].encode() not in stored


def _tree(stored: bytes) -> bytes:
    """The stored document as a normalised tree (canonical XML)."""
    return etree.tostring(etree.fromstring(stored), method="c14n")


def _expected(text: str) -> bytes:
    for secret in SECRETS:
        text = text.replace(secret, "***")
    return _tree(text.replace('encoding="UTF-16"', 'encoding="UTF-8"').encode("utf-8"))


@pytest.mark.parametrize("kind", sorted(REQUESTS))
@pytest.mark.parametrize(
    ("encoding", "bom", "declared"),
    [
        ("utf-8", False, "UTF-8"),
        ("utf-8", True, "UTF-8"),
        ("utf-16-le", True, "UTF-16"),
        ("utf-16-be", True, "UTF-16"),
        ("utf-16-le", False, "UTF-16"),  # no mark: the zero bytes say which
        ("utf-32-le", True, "UTF-16"),
        # declarations that lie: the bytes decide
        ("utf-16-le", True, "UTF-8"),
        ("utf-16-be", False, "UTF-8"),
        ("utf-8", False, "UTF-16"),
        ("utf-8", True, "ISO-8859-1"),
        ("utf-8", False, "no-such-encoding"),
    ],
)
def test_every_credential_is_masked_in_every_encoding(
    kind: str, encoding: str, bom: bool, declared: str
) -> None:
    text = REQUESTS[kind].replace('encoding="UTF-8"', f'encoding="{declared}"')
    stored = masked_request(_encoded(text, encoding, bom))
    _assert_no_secret(stored)
    assert stored.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert _tree(stored) == _expected(REQUESTS[kind])


def test_a_declared_single_byte_encoding_is_honoured() -> None:
    text = REQUESTS["getToken"].replace('encoding="UTF-8"', 'encoding="ISO-8859-15"')
    stored = masked_request(text.encode("iso-8859-15"))
    _assert_no_secret(stored)
    assert _tree(stored) == _expected(REQUESTS["getToken"])


def test_utf7_tags_are_read_as_libxml2_reads_them() -> None:
    # libxml2 accepts UTF-7, where even "<" may be encoded: the declaration is followed.
    text = '<?xml version="1.0" encoding="UTF-7"?><a><password>Secret1234!</password></a>'
    raw = text.encode("utf-7").replace(b"<password>", b"+ADw-password+AD4-")
    assert etree.fromstring(raw).findtext("password") == "Secret1234!"
    assert b"Secret1234" not in masked_request(raw)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("<a><password>s3cret</password></a>", "<a><password>***</password></a>"),
        ("<a><p:password xmlns:p='x'>s3cret</p:password></a>", None),
        ("<a><password xsi:type='xs:string'>s3cret</password></a>", None),
        ("<a><password a='>'>s3cret</password></a>", None),
        (
            "<a><password><![CDATA[s3<c>ret]]></password></a>",
            "<a><password>***</password></a>",
        ),
        ("<a><password>s3<![CDATA[c]]>ret</password></a>", None),
        ("<a><password><!--s3cret--></password></a>", "<a><password>***</password></a>"),
        ("<a><password><x>s3cret</x></password></a>", "<a><password>***</password></a>"),
        ("<a><password><x/>s3cret</password></a>", None),
        ("<a><Password>s3cret</Password></a>", None),  # not the contract's, still a secret
        ("<a><password></password><password/></a>", "<a><password></password><password/></a>"),
        ("<a><accessToken>\n  </accessToken></a>", "<a><accessToken>\n  </accessToken></a>"),
        ("<a><password>s3&amp;cret</password></a>", "<a><password>***</password></a>"),
        ("<a><passwordHint>kept</passwordHint></a>", "<a><passwordHint>kept</passwordHint></a>"),
        ("<a><accessTokenExpiresIn>3600</accessTokenExpiresIn></a>", None),
    ],
)
def test_element_shapes(sent: str, stored: str | None) -> None:
    masked = masked_request(sent.encode())
    assert b"s3" not in masked and b"cret" not in masked
    if stored is not None:
        assert masked.decode() == stored


def test_the_refresh_token_operation_keeps_its_other_fields() -> None:
    stored = masked_request(REQUESTS["refreshToken"].encode()).decode()
    assert "<userID>cr-a2a</userID>" in stored and "<clientID>SH1029</clientID>" in stored
    assert "<refreshToken>***</refreshToken>" in stored
    # sent straight in the Body, a token is masked all the same
    body = f'<soap:Body xmlns:soap="{SOAP}"><refreshToken>{REFRESH}</refreshToken></soap:Body>'
    assert REFRESH.encode() not in masked_request(body.encode())


@pytest.mark.parametrize(
    "broken",
    [
        "<a><password>s3cret",  # cut off inside the value
        "<a><password a='1'",  # cut off inside the tag: no value yet
        "<a><password>s3cret</a>",  # mismatched end tag
        "<a><password>s3<cret</password></a>",  # an unescaped "<"
        "<a><password>s3cret</password><accessToken>t0ken</accessToken",
        "<a><password",
    ],
)
def test_broken_documents_keep_no_secret(broken: str) -> None:
    for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
        masked = masked_request(_encoded(broken, encoding, bom=True))
        for secret in ("s3cret", "cret", "t0ken"):
            assert secret.encode("utf-8") not in masked
            assert secret.encode(encoding) not in masked


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   ",
        b"\x00",
        b"\xff\xfe",
        b"\xfe\xff\x00",
        b"\xef\xbb\xbf",
        b"password=s3cret",  # not XML at all
        b'{"password": "s3cret"}',
        "<a><password>s3cret</password></a>".encode("cp037"),  # EBCDIC: libxml2 refuses it
        b"<a>" + "<password>s3cret</password>".encode("utf-16-le") + b"</a>",  # spliced
        "<a>".encode("utf-16-le") + b"<password>s3cret</password>",
        b"<?xml version='1.0' encoding='unicode_escape'?><a><password>s3cret</password></a>",
        b"\xff\xfe<\x00",
    ],
)
def test_what_cannot_be_read_safely_is_not_stored(raw: bytes) -> None:
    stored = masked_request(raw)
    assert b"s3cret" not in stored and "s3cret".encode("utf-16-le") not in stored
    assert b"cret" not in stored


def test_garbage_never_raises() -> None:
    rng = random.Random(20260101)
    pieces = b"< > / password accessToken \x00 \xff\xfe <![CDATA[ ]]> <!-- --> ' \" s3cret".split()
    pieces.append(b"<?xml version='1.0' encoding='utf-16'?>")
    for _ in range(3000):
        raw = b"".join(rng.choice(pieces) for _ in range(rng.randrange(0, 30)))
        raw += rng.randbytes(rng.randrange(0, 8))
        assert isinstance(masked_request(raw), bytes)
        assert isinstance(masked_request(rng.randbytes(rng.randrange(0, 64))), bytes)


def test_credential_elements_are_every_secret_the_wsdls_declare() -> None:
    secret_like = re.compile(r"password|token", re.IGNORECASE)
    found: set[str] = set()
    for endpoint in ENDPOINTS:
        contract = load_contract(WSDL_DIR, endpoint)
        for type_name, fields in contract.types.items():
            for element in fields:
                if element.is_simple and secret_like.search(element.name):
                    found.add(element.name)
                    if type_name == "userAuth":
                        assert element.name in CREDENTIAL_ELEMENTS
    # The two lifetimes are the only password- or token-named values that are not secrets.
    assert found - {"accessTokenExpiresIn", "refreshTokenExpiresIn"} == CREDENTIAL_ELEMENTS


def test_a_not_well_formed_envelope_fault_quotes_no_credential() -> None:
    contract = load_contract(WSDL_DIR, ENDPOINTS[0])
    for value in ("Abc&def1234;!", "Abc<def1234!", "Abc<def1234 x x='1'/>"):
        raw = _envelope(TOKEN_NS, "getToken", f"<password>{value}</password>").encode()
        with pytest.raises(EnvelopeNotWellFormed) as info:
            open_envelope(raw, contract)
        assert "def1234" not in info.value.reason, info.value.reason


def test_a_body_of_credentials_beyond_the_bound_is_not_stored() -> None:
    many = "<a>" + "<password>s3cret</password>" * (MOST_STEPS + 1) + "</a>"
    assert masked_request(many.encode()).startswith(b"<!-- request of ")
    few = "<a>" + "<password>s3cret</password>" * 3 + "</a>"
    assert masked_request(few.encode()) == few.replace("s3cret", "***").encode()
