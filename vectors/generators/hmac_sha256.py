#!/usr/bin/env python3
"""Build vectors/hmac-sha256.json from the vendor's page and the project's decisions.

Every string to sign, signature, header list, every signature carried inside a
`verify` request, and every error-response body is computed here with python3's
hmac, hashlib, base64 and json modules, from the rules of the vendor's
"Authentication Models" page (API key + HMAC-SHA256) and the decisions H1-H8 recorded
in the file. Nothing here is taken from the Rust reference.

    python3 vectors/generators/hmac_sha256.py           # rewrite the file
    python3 vectors/generators/hmac_sha256.py --check   # exit 1 if the file on disk differs

Case ids are `hmac-sha256/<op>/<nnn>`, numbered per op in the order the cases are
listed below. Ids are stable forever: add a new case at the END of its op's list,
never insert, reorder or delete (a retired case stays, with `withdrawn=True`).

Format 2: every case carries a `basis` (the vendor page quote, RFC section or decision
its verdict rests on). A case is `valid` or `invalid` only when a page or a standard
decides it; where only a decision (H1-H8, H-*) decides, it is `acceptable` and
`expect.reference` pins what the reference does.

Before writing, the program asserts the vendor's published string to sign byte for
byte, checks HMAC-SHA256 against RFC 4231 test case 2, and runs a small verifier and
parser of its own over every case, so a generator bug fails loudly instead of landing
in a vector. It also runs page-literal models (a signer, a verifier, an envelope
builder and parser that follow only the vendor's pages, under every reading the pages
leave open: PAGE_READINGS) and refuses to write a `valid` or `invalid` verdict that
one of them would fail, or a multi-fault case whose `alternatives` miss a code one of
them could answer.

Standard library only (Python 3.11).
"""

import argparse
import base64
import hashlib
import hmac
import ipaddress
import json
import re
import sys
import urllib.parse
from pathlib import Path

VECTORS_DIR = Path(__file__).resolve().parent.parent
FILE_NAME = "hmac-sha256.json"
SCHEME = "hmac-sha256"

# ----------------------------------------------------------------------------
# Test data (the vendor publishes no secret/signature pair: keys are invented)
# ----------------------------------------------------------------------------

VENDOR_PATH = "/api/v1/partner/constants/countries"
VENDOR_TS = 1709337600
VENDOR_NONCE = "550e8400-e29b-41d4-a716-446655440000"
VENDOR_STS = "GET\n/api/v1/partner/constants/countries\n1709337600\n550e8400-e29b-41d4-a716-446655440000\n"

KEY = "pk_live_4f2a9c7e1b3d"
SECRET = "sk_live_9b1e7d3c5a0f4e8d2c6b1a7f3e9d5c0b"
KEY2 = "pk_live_0d8e6f4a2c1b"
SECRET2 = "sk_live_1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"
KEY_OFF = "pk_live_disabled01"
SECRET_OFF = "sk_live_disabled_secret_000000000000"
KEY_IP = "pk_live_iplocked01"
SECRET_IP = "sk_live_iplocked_secret_111111111111"
SECRET_UTF8 = "sk_ключ_秘密_🔑"
SECRET_LONG = "L" * 100

NONCE2 = "9b2f6a3e-4c1d-4e8a-9f7b-2d5c8e1a6b30"
NONCE3 = "3f1c2b7a-8d4e-4f60-a9b1-c2d3e4f5a6b7"

ORDERS = "/api/v1/partner/orders"
ORDER_BODY = '{"sku":"A-100","quantity":2}'
BINARY_BODY = bytes([0xFF, 0xFE, 0x00, 0x01]) + b"binary" + bytes([0x80, 0x0A, 0xC3, 0x28])
LARGE_PATTERN = "0123456789abcdef"
LARGE_REPEAT = 4096  # 16 x 4096 = 65536 bytes

# Public vendor pages (the project keeps a copy of the first one) and standards.
URL_AUTH = "https://slaunchx-handbook-partner.pages.dev/en/concepts/authentication-models"
URL_QUICK = "https://slaunchx-handbook-partner.pages.dev/en/getting-started/quickstart"
URL_ENDPOINTS = "https://slaunchx-handbook-partner.pages.dev/en/reference/endpoints"
URL_ENVELOPE = "https://slaunchx-api-docs-v2.pages.dev/en"
URL_OVERVIEW = "https://slaunchx-api-docs-v2.pages.dev/en/guides/overview"
URL_RESPONSE_FORMAT = "https://slaunchx-handbook-system-v0.pages.dev/en/reference/response-format"
URL_RFC2104 = "https://www.rfc-editor.org/rfc/rfc2104"
URL_RFC4231 = "https://www.rfc-editor.org/rfc/rfc4231"
URL_RFC4648 = "https://www.rfc-editor.org/rfc/rfc4648"
URL_RFC8259 = "https://www.rfc-editor.org/rfc/rfc8259"
URL_RFC9110 = "https://www.rfc-editor.org/rfc/rfc9110"
URL_RFC9112 = "https://www.rfc-editor.org/rfc/rfc9112"


def page(url, quote):
    """A basis entry: a short verbatim quote of a public vendor page."""
    return f'page:{url} "{quote}"'


def decision(name):
    return f"decision:{name}"


# What the verdicts rest on. Quotes are verbatim from the pages.
B_STS = page(URL_AUTH, 'stringToSign = METHOD + "\\n" + PATH + "\\n" + TIMESTAMP + "\\n" + NONCE + "\\n" + BODY')
B_EXAMPLE = page(URL_AUTH, 'stringToSign = "GET\\n/api/v1/partner/constants/countries\\n1709337600\\n'
                 '550e8400-e29b-41d4-a716-446655440000\\n"')
B_SIGNATURE = page(URL_AUTH, "Base64(HMAC-SHA256(apiSecret, stringToSign))")
B_KEY_BYTES = page(URL_QUICK, 'openssl dgst -sha256 -hmac "$API_SECRET" -binary | base64')
B_AUTHZ = page(URL_AUTH, "HMAC-SHA256 <signature>")
B_QUICK_AUTHZ = page(URL_QUICK, '-H "Authorization: HMAC-SHA256 ${SIGNATURE}"')
B_HEADER_TABLE = page(URL_AUTH, "Your provisioned API key")
B_HEADERS = page(URL_AUTH, "Every request to /api/v1/partner/** must include these headers:")
B_WINDOW = page(URL_AUTH, "Unix epoch seconds (must be within ±60s of server time)")
B_OLDER = page(URL_AUTH, "Requests with a timestamp older than 60 seconds are rejected")
B_NONCE_ONCE = page(URL_AUTH, "Each nonce may only be used once; reuse is rejected")
B_UUID = page(URL_AUTH, "Unique per-request identifier (UUID recommended)")
B_QUICK_PATH = page(URL_QUICK, 'PATH="/api/v1/partner/auth/login/initiate"')
B_QUICK_URL = page(URL_QUICK, 'curl -X POST "http://127.0.0.1:18020/prometheus${PATH}"')
B_QUICK_BODY = page(URL_QUICK, '-d "$BODY"')
B_IP_IF_CONFIGURED = page(URL_OVERVIEW, "IP allowed (if configured)")
B_ENVELOPE = page(URL_ENVELOPE, "All responses follow a standard envelope:")
B_ENV_SUCCESS = page(URL_ENVELOPE, "true for 2xx, false for errors")
B_ENV_CODE = page(URL_ENVELOPE, "Machine-readable status code")
B_ENV_MESSAGE = page(URL_ENVELOPE, "Human-readable message")
B_ENV_TIMESTAMP = page(URL_ENVELOPE, "Response timestamp (epoch ms)")
B_ENV_DATA = page(URL_ENVELOPE, "Response payload (null on error)")
B_ENDPOINTS_ERROR = page(URL_ENDPOINTS, '"code": "AUTH.INVALID_CREDENTIALS"')
B_DATA_ON_ERROR = page(URL_RESPONSE_FORMAT, "When request validation fails, the data field may contain a map of "
                       "field-level errors")

VENDOR_CODES = [
    ("GA2001", "Missing X-Api-Key", 401),
    ("GA2002", "Missing X-Signature", 401),
    ("GA2003", "Missing X-Timestamp", 401),
    ("GA2004", "Missing X-Nonce", 401),
    ("GA2011", "API key invalid or not found", 401),
    ("GA2012", "Signature verification failed", 401),
    ("GA2013", "Timestamp outside validity window", 401),
    ("GA2014", "Nonce already used", 401),
    ("GA2021", "API key disabled", 403),
    ("GA2022", "IP not in whitelist", 403),
]
B_GA = {code: page(URL_AUTH, cause) for code, cause, _ in VENDOR_CODES}
WINDOW = 60

# ----------------------------------------------------------------------------
# The scheme, from the vendor's page
# ----------------------------------------------------------------------------


def path_of(target):
    """PATH (H1): the target up to the first '?' (a '#fragment' is never sent)."""
    return target.split("#", 1)[0].split("?", 1)[0]


def string_to_sign(method, path, timestamp, nonce, body):
    """METHOD \\n PATH \\n TIMESTAMP \\n NONCE \\n BODY, body as raw bytes (H2)."""
    return b"\n".join([method.encode(), path.encode(), timestamp.encode(), nonce.encode()]) + b"\n" + body


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


def signature(secret, sts):
    """Base64(HMAC-SHA256(apiSecret, stringToSign)), the secret's UTF-8 bytes as key."""
    return b64(hmac.new(secret.encode("utf-8"), sts, hashlib.sha256).digest())


def signed_headers(api_key, secret, method, target, ts, nonce, body):
    sig = signature(secret, string_to_sign(method, path_of(target), str(ts), nonce, body))
    return [
        ["X-Api-Key", api_key],
        ["X-Timestamp", str(ts)],
        ["X-Nonce", nonce],
        ["Authorization", "HMAC-SHA256 " + sig],
    ]


def assert_cross_checks():
    # The vendor's published example, byte for byte.
    assert string_to_sign("GET", VENDOR_PATH, str(VENDOR_TS), VENDOR_NONCE, b"") == VENDOR_STS.encode()
    # RFC 4231 test case 2: HMAC-SHA256 with key "Jefe".
    mac = hmac.new(b"Jefe", b"what do ya want for nothing?", hashlib.sha256).hexdigest()
    assert mac == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", mac
    # RFC 4648 section 10.
    assert b64(b"foob") == "Zm9vYg==" and b64(b"fooba") == "Zm9vYmE="
    assert len(LARGE_PATTERN) * LARGE_REPEAT == 65536


# ----------------------------------------------------------------------------
# Case construction
# ----------------------------------------------------------------------------


def valid(output, equivalent=None):
    e = {"result": "valid", "output": output}
    if "headers" in output:
        # RFC 9110 5.3: the order of differently named fields carries no meaning, and
        # the page's table and its quickstart list the headers in different orders.
        e["compare"] = {"headers": "headers"}
    if equivalent:
        e["equivalent"] = equivalent
    return e


def invalid(error, alternatives=None):
    e = {"result": "invalid", "error": error}
    if alternatives:
        e["alternatives"] = list(alternatives)
    return e


def acceptable_invalid(error):
    """Only a decision refuses: the reference answers `error`, anyone else may accept."""
    return {"result": "acceptable", "reference": "invalid", "error": error}


def acceptable_valid(output):
    """Only a decision accepts (or shapes the output): the reference gives `output`."""
    return {"result": "acceptable", "reference": "valid", "output": output}


class CaseList:
    def __init__(self):
        self.cases = []
        self.counters = {}

    def add(self, op, comment, flags, inp, expect, basis, withdrawn=False, hardened=None):
        n = self.counters.get(op, 0) + 1
        self.counters[op] = n
        if hardened is not None:
            # A hardened case rests on a property of HARDENED and is must-pass only under the
            # hardened profile (vectors/README.md, "Profiles").
            assert hardened in HARDENED and expect["result"] in ("valid", "invalid"), (op, comment)
            basis = [f"hardened:{hardened}"] + list(basis)
        case = {"id": f"{SCHEME}/{op}/{n:03d}", "op": op, "comment": comment, "flags": list(flags),
                "basis": list(basis)}
        if withdrawn:
            case["withdrawn"] = True
        if hardened is not None:
            case["profile"] = "hardened"
        case["input"] = inp
        case["expect"] = expect
        self.cases.append(case)


def body_fields(body=b"", large=False):
    """How a body travels in a case: text when UTF-8, else body_base64; the 64 KiB body
    as body_pattern x body_repeat."""
    if large:
        return {"body_pattern": LARGE_PATTERN, "body_repeat": LARGE_REPEAT}
    try:
        return {"body": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_base64": b64(body)}


def body_bytes(fields):
    if "body_pattern" in fields:
        return fields["body_pattern"].encode() * fields["body_repeat"]
    if "body_base64" in fields:
        return base64.b64decode(fields["body_base64"], validate=True)
    return fields.get("body", "").encode("utf-8")


def sign_input(method, target, ts, nonce, body=b"", api_key=KEY, secret=SECRET, large=False):
    inp = {"method": method, "target": target, "timestamp": ts, "nonce": nonce}
    inp.update(body_fields(body, large))
    inp["api_key"] = api_key
    inp["secret"] = secret
    return inp


def sign_output(inp):
    body = body_bytes(inp)
    sts = string_to_sign(inp["method"], path_of(inp["target"]), str(inp["timestamp"]), inp["nonce"], body)
    out = {}
    if "body_pattern" in inp:
        out["string_to_sign_sha256"] = hashlib.sha256(sts).hexdigest()
    else:
        try:
            out["string_to_sign"] = sts.decode("utf-8")
        except UnicodeDecodeError:
            out["string_to_sign_base64"] = b64(sts)
    out["signature"] = signature(inp["secret"], sts)
    out["headers"] = signed_headers(
        inp["api_key"], inp["secret"], inp["method"], inp["target"], inp["timestamp"], inp["nonce"], body
    )
    return out


def key_entry(api_key, secret, enabled=True, allowed_ips=None):
    e = {"api_key": api_key, "secret": secret}
    if not enabled:
        e["enabled"] = False
    if allowed_ips is not None:
        e["allowed_ips"] = list(allowed_ips)
    return e


DIRECTORY = [
    key_entry(KEY, SECRET),
    key_entry(KEY2, SECRET2),
    key_entry(KEY_OFF, SECRET_OFF, enabled=False),
    key_entry(KEY_IP, SECRET_IP, allowed_ips=["203.0.113.0/24", "2001:db8:10::/48", "198.51.100.7"]),
]


def request(method, target, headers, body=b"", large=False):
    r = {"method": method, "target": target, "headers": [list(h) for h in headers]}
    r.update(body_fields(body, large))
    return r


def verify_input(req, now, client_ip=None, keys=None, state=None, window=None):
    inp = {"request": req, "now": now}
    if window is not None:
        inp["window_seconds"] = window
    if client_ip is not None:
        inp["client_ip"] = client_ip
    inp["keys"] = DIRECTORY if keys is None else keys
    if state is not None:
        inp["state"] = {"nonces": [{"api_key": k, "nonce": n} for k, n in state]}
    return inp


def replace_header(headers, name, value):
    return [[n, value] if n == name else [n, v] for n, v in headers]


def drop_header(headers, name):
    return [[n, v] for n, v in headers if n != name]


# ----------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------


# The header orders the vendor's pages show: the header table, and the quickstart's curl.
TABLE_ORDER = ["X-Api-Key", "Authorization", "X-Timestamp", "X-Nonce"]
QUICKSTART_ORDER = ["Authorization", "X-Api-Key", "X-Timestamp", "X-Nonce"]


# Every correctly built signature rests on these.
SIGN_BASIS = [B_STS, B_SIGNATURE, B_KEY_BYTES, B_AUTHZ]


def add_sign_cases(c):
    def ok(comment, flags, inp, basis=()):
        out = sign_output(inp)
        c.add("sign", comment, flags, inp, valid(out), list(basis) + SIGN_BASIS + [B_HEADER_TABLE, "rfc9110#5.3"])

    def acc(comment, flags, inp, basis):
        c.add("sign", comment, flags, inp, acceptable_valid(sign_output(inp)), basis)

    ok(
        "The vendor's published example: GET /api/v1/partner/constants/countries, ts 1709337600, the example "
        "nonce, empty body; the string to sign ends in the \\n after the nonce.",
        ["VENDOR_EXAMPLE", "EMPTY_BODY"],
        sign_input("GET", VENDOR_PATH, VENDOR_TS, VENDOR_NONCE), [B_EXAMPLE],
    )
    ok("POST with a JSON body: the body bytes follow the last \\n as sent.", [],
       sign_input("POST", ORDERS, VENDOR_TS, NONCE2, ORDER_BODY.encode()), [B_QUICK_BODY])
    ok("PUT with a JSON body.", [],
       sign_input("PUT", ORDERS + "/42", VENDOR_TS + 1, NONCE3, b'{"quantity":3}'))
    ok("DELETE without a body leaves the trailing \\n, as the page's example does.", ["EMPTY_BODY"],
       sign_input("DELETE", ORDERS + "/42", VENDOR_TS, NONCE2), [B_EXAMPLE])
    acc("The query string is not part of PATH in the reference (H1); the page never says whether it is.",
        ["QUERY"], sign_input("GET", ORDERS + "?page=2&size=50", VENDOR_TS, NONCE2),
        [decision("H1"), B_QUICK_PATH])
    acc("An empty query ('?' alone) is not part of PATH in the reference either (H1).", ["QUERY"],
        sign_input("GET", ORDERS + "?", VENDOR_TS, NONCE2), [decision("H1")])
    acc("Root path with a query: PATH is '/' in the reference (H1).", ["QUERY"],
        sign_input("GET", "/?probe=1", VENDOR_TS, NONCE2), [decision("H1")])
    acc("A body that is not UTF-8: the reference signs its raw bytes (H2); the string to sign travels as "
        "Base64. The page's BODY is text and never says how other bytes enter it.",
        ["BINARY_BODY"], sign_input("POST", ORDERS + "/upload", VENDOR_TS, NONCE2, BINARY_BODY),
        [decision("H2"), B_STS])
    ok("A body with CR LF and LF inside is signed byte for byte, nothing normalised.", ["LINE_ENDINGS"],
       sign_input("POST", ORDERS, VENDOR_TS, NONCE2, b'{\r\n  "sku": "A-100",\n  "quantity": 2\r\n}\n'),
       [B_QUICK_BODY])
    ok("A JSON body with non-ASCII characters: its UTF-8 bytes are signed (JSON travels as UTF-8).", [],
       sign_input("POST", ORDERS, VENDOR_TS, NONCE2, '{"note":"café ☕ 寿司"}'.encode("utf-8")),
       ["rfc8259#8.1"])
    ok("A 64 KiB body (the 16-byte pattern 0123456789abcdef x 4096): the string to sign is pinned by its "
       "SHA-256.", ["LARGE_BODY"],
       sign_input("POST", ORDERS + "/bulk", VENDOR_TS, NONCE2, large=True), ["fips180-4"])
    ok("A 1 KiB body of one repeated byte.", [],
       sign_input("POST", ORDERS + "/bulk", VENDOR_TS, NONCE3, b"x" * 1024))
    ok("The method is signed as given (methods are case-sensitive, RFC 9110 9.1).", [],
       sign_input("PATCH", ORDERS + "/42", VENDOR_TS, NONCE2, b'{"status":"cancelled"}'), ["rfc9110#9.1"])
    ok("Percent-encoding in the path is signed as the client sends it, never decoded: the quickstart signs the "
       "PATH string it puts in the URL.", ["PATH_VERBATIM"],
       sign_input("GET", "/api/v1/partner/search/caf%C3%A9%20bar", VENDOR_TS, NONCE2), [B_QUICK_PATH, B_QUICK_URL])
    ok("A trailing slash is kept: the quickstart signs the PATH string it puts in the URL.", ["PATH_VERBATIM"],
       sign_input("GET", ORDERS + "/", VENDOR_TS, NONCE2), [B_QUICK_PATH, B_QUICK_URL])
    ok("A nonce that is not a UUID is signed as given (the page only recommends UUIDs).", [],
       sign_input("GET", VENDOR_PATH, VENDOR_TS, "n-0001_custom.nonce~"), [B_UUID])
    ok("Timestamp 0 is decimal '0'.", [],
       sign_input("GET", VENDOR_PATH, 0, VENDOR_NONCE), [B_WINDOW])
    acc("A secret with non-ASCII characters: the reference takes its UTF-8 bytes as the HMAC key; the pages never "
        "say how a secret becomes bytes.", ["SECRET_ENCODING"],
        sign_input("GET", VENDOR_PATH, VENDOR_TS, VENDOR_NONCE, secret=SECRET_UTF8),
        [decision("H-SECRET"), B_KEY_BYTES])
    ok("A 100-byte secret: longer than the SHA-256 block, HMAC hashes it first (RFC 2104).", ["SECRET_BYTES"],
       sign_input("GET", VENDOR_PATH, VENDOR_TS, VENDOR_NONCE, secret=SECRET_LONG), ["rfc2104#2"])
    ok("Another API key and secret.", [],
       sign_input("POST", ORDERS, VENDOR_TS + 3600, NONCE3, ORDER_BODY.encode(), api_key=KEY2, secret=SECRET2))
    ok("A body that is only a newline.", [],
       sign_input("POST", ORDERS, VENDOR_TS, NONCE2, b"\n"))

    def err(comment, inp, code, basis):
        c.add("sign", comment, ["SIGNER_INPUT"], inp, invalid(code), basis)

    def refuse(comment, inp, code):
        c.add("sign", comment, ["SIGNER_POLICY"], inp, acceptable_invalid(code), [decision("H-SIGN")])

    refuse("A nonce with a space: the reference refuses, a nonce must be 1-128 visible ASCII (H-SIGN); the page "
           "sets no charset.", sign_input("GET", VENDOR_PATH, VENDOR_TS, "a nonce"), "MALFORMED_NONCE")
    err("A nonce with a line feed cannot travel in a header field and would make the string to sign ambiguous: "
        "refused.", sign_input("GET", VENDOR_PATH, VENDOR_TS, "abc\ndef"), "MALFORMED_NONCE", ["rfc9110#5.5"])
    refuse("An empty nonce: the reference refuses (H-SIGN).", sign_input("GET", VENDOR_PATH, VENDOR_TS, ""),
           "MALFORMED_NONCE")
    refuse("A 129-character nonce: the reference refuses (H-SIGN); the page sets no length.",
           sign_input("GET", VENDOR_PATH, VENDOR_TS, "n" * 129), "MALFORMED_NONCE")
    err("A method with a space is not an HTTP token.", sign_input("GE T", VENDOR_PATH, VENDOR_TS, VENDOR_NONCE),
        "MALFORMED_METHOD", ["rfc9110#9.1"])
    err("A target that does not start with '/' is not an origin-form request target.",
        sign_input("GET", "api/v1/partner/orders", VENDOR_TS, VENDOR_NONCE), "MALFORMED_TARGET", ["rfc9112#3.2.1"])
    err("A target with a line feed is not a request target.",
        sign_input("GET", "/api/v1/partner\n/orders", VENDOR_TS, VENDOR_NONCE), "MALFORMED_TARGET",
        ["rfc9112#3.2"])
    refuse("A negative timestamp: the reference refuses to write it (H-SIGN).",
           sign_input("GET", VENDOR_PATH, -1, VENDOR_NONCE), "MALFORMED_TIMESTAMP")
    refuse("An empty secret: the reference refuses (H-SIGN); HMAC itself takes any key length.",
           sign_input("GET", VENDOR_PATH, VENDOR_TS, VENDOR_NONCE, secret=""), "EMPTY_SECRET")
    refuse("An empty API key: the reference refuses (H-SIGN).",
           sign_input("GET", VENDOR_PATH, VENDOR_TS, VENDOR_NONCE, api_key=""), "MALFORMED_API_KEY")
    # A 129-character nonce above pins the reference's upper bound; 128 is fine everywhere:
    ok("A 128-character nonce is signed as given (the page sets no length).", [],
       sign_input("GET", VENDOR_PATH, VENDOR_TS, "n" * 128), [B_UUID])
    ok("A JSON body with backslash escapes inside its strings (\\n, \\\" and \\u00e9) is signed as the bytes sent; "
       "the quickstart's `echo -ne \"$STRING_TO_SIGN\"` would turn each escape into another byte and sign a body "
       "other than the one it sends.", ["BACKSLASH_BODY"],
       sign_input("POST", ORDERS, VENDOR_TS, NONCE2, b'{"note":"line1\\nline2 \\"quoted\\" caf\\u00e9"}'),
       [B_QUICK_BODY])


def find_nonce_with_b64_specials():
    """A nonce whose GET signature has '+' or '/' so the URL-safe form differs."""
    for i in range(1000):
        nonce = f"7c9e6679-7425-40de-944b-e07fc1f90a{i:02d}"[:36] if i < 100 else f"urlsafe-probe-{i}"
        h = signed_headers(KEY, SECRET, "GET", VENDOR_PATH, VENDOR_TS, nonce, b"")
        sig = h[3][1].split(" ", 1)[1]
        if "+" in sig and "/" in sig:
            return nonce, h
    raise AssertionError("no nonce found")


def add_verify_cases(c):
    now = VENDOR_TS

    def good(method="GET", target=VENDOR_PATH, ts=VENDOR_TS, nonce=VENDOR_NONCE, body=b"", api_key=KEY,
             secret=SECRET, sign_method=None, sign_target=None, sign_body=None):
        return signed_headers(api_key, secret, sign_method or method, sign_target or target, ts, nonce,
                              body if sign_body is None else sign_body)

    ok_out = valid({"api_key": KEY})
    # A correctly signed, fresh request from a known, enabled key passes on these.
    accept = [B_STS, B_SIGNATURE, B_AUTHZ, B_WINDOW]
    tampered = [B_STS, B_GA["GA2012"]]

    def add(comment, flags, inp, expect, basis):
        c.add("verify", comment, flags, inp, expect, basis)

    base = good()
    add("The vendor's example request, correctly signed, at the server time it names.", ["VENDOR_EXAMPLE"],
        verify_input(request("GET", VENDOR_PATH, base), now), ok_out, [B_EXAMPLE] + accept)
    h = good("POST", ORDERS, body=ORDER_BODY.encode(), nonce=NONCE2)
    add("POST with a JSON body, correctly signed.", [],
        verify_input(request("POST", ORDERS, h, ORDER_BODY.encode()), now), ok_out, accept + [B_QUICK_BODY])

    # Window edges: ts - now in {-61, -60, -59, +59, +60, +61}. "within ±60s" includes 60, and a
    # timestamp 60 s old is not "older than 60 seconds".
    for skew in (-59, -60, -61, 59, 60, 61):
        inside = abs(skew) <= WINDOW
        when = "in the past" if skew < 0 else "in the future"
        add(f"X-Timestamp {abs(skew)} s {when}: " + ("inside the inclusive ±60 s window." if inside
                                                      else "outside the ±60 s window."),
            ["WINDOW_EDGE"], verify_input(request("GET", VENDOR_PATH, base), now - skew),
            ok_out if inside else invalid("GA2013"),
            [B_WINDOW, B_OLDER] + ([] if inside else [B_GA["GA2013"]]))

    # Missing headers, one at a time (GA2001-GA2004).
    for name, code in (("X-Api-Key", "GA2001"), ("Authorization", "GA2002"), ("X-Timestamp", "GA2003"),
                       ("X-Nonce", "GA2004")):
        add(f"No {name} header: {code}.", ["MISSING_HEADER"],
            verify_input(request("GET", VENDOR_PATH, drop_header(base, name)), now), invalid(code),
            [B_HEADERS, B_GA[code]])
    # An empty value: the reference counts it as missing (H-HEADERS); a verifier that takes it as a
    # value finds an unknown key, a malformed signature or timestamp, or a string to sign that differs.
    for name, code, also in (("X-Api-Key", "GA2001", ["GA2011"]), ("Authorization", "GA2002", ["GA2012"]),
                             ("X-Timestamp", "GA2003", ["GA2013", "GA2012"]), ("X-Nonce", "GA2004", ["GA2012"])):
        add(f"An empty {name} value: the reference counts it as missing, {code} (H-HEADERS); "
            f"{', '.join(also)} from a verifier that reads the empty value.", ["MISSING_HEADER", "MULTI_FAULT"],
            verify_input(request("GET", VENDOR_PATH, replace_header(base, name, "")), now), invalid(code, also),
            [B_HEADERS, B_GA[code], B_STS, decision("H-HEADERS")])

    add("Header names are case-insensitive (RFC 9110 5.1): lowercase names verify.", ["HEADER_FORM"],
        verify_input(request("GET", VENDOR_PATH, [[n.lower(), v] for n, v in base]), now), ok_out,
        ["rfc9110#5.1"] + accept)
    add("Header values lose surrounding spaces and tabs (RFC 9110 5.5).", ["HEADER_FORM"],
        verify_input(request("GET", VENDOR_PATH, [[n, " " + v + "\t"] for n, v in base]), now), ok_out,
        ["rfc9110#5.5"] + accept)
    add("Headers in another order verify the same (RFC 9110 5.3).", ["HEADER_FORM"],
        verify_input(request("GET", VENDOR_PATH, list(reversed(base))), now), ok_out, ["rfc9110#5.3"] + accept)
    add("A duplicated X-Nonce with two values: the reference refuses it as unusable, GA2004 (H-HEADERS); a "
        "verifier that reads the first value accepts.", ["DUPLICATE_HEADER"],
        verify_input(request("GET", VENDOR_PATH, base + [["X-Nonce", NONCE2]]), now),
        acceptable_invalid("GA2004"), [decision("H-HEADERS"), "rfc9110#5.3"])
    add("A duplicated Authorization: the reference refuses it as unusable, GA2002 (H-HEADERS); a verifier that "
        "reads one of the two identical values accepts.", ["DUPLICATE_HEADER"],
        verify_input(request("GET", VENDOR_PATH, base + [["Authorization", base[3][1]]]), now),
        acceptable_invalid("GA2002"), [decision("H-HEADERS"), "rfc9110#5.3"])

    # Key directory: GA2011, GA2021, GA2022.
    h = good(api_key="pk_live_unknown0000", secret=SECRET)
    add("An API key the directory does not hold: GA2011.", [], verify_input(request("GET", VENDOR_PATH, h), now),
        invalid("GA2011"), [B_GA["GA2011"]])
    h = good(api_key=KEY.upper(), secret=SECRET)
    add("API keys match exactly: the right key in upper case is unknown, GA2011.", [],
        verify_input(request("GET", VENDOR_PATH, h), now), invalid("GA2011"), [B_GA["GA2011"]])
    h = good(api_key=KEY_OFF, secret=SECRET_OFF)
    add("A disabled key, otherwise correctly signed: GA2021.", [],
        verify_input(request("GET", VENDOR_PATH, h), now), invalid("GA2021"), [B_GA["GA2021"]])
    h = good(api_key=KEY_IP, secret=SECRET_IP)
    ip_ok = valid({"api_key": KEY_IP})
    ip_acc = acceptable_valid({"api_key": KEY_IP})
    add("An IP-restricted key called from inside a /24 block of its list: the reference reads CIDR blocks "
        "(H-IP); the page never says what a whitelist entry may be.", ["IP_RULES"],
        verify_input(request("GET", VENDOR_PATH, h), now, client_ip="203.0.113.77"), ip_acc,
        [decision("H-IP"), B_GA["GA2022"]])
    add("An IP-restricted key called from its single listed address.", ["IP_ALLOWLIST"],
        verify_input(request("GET", VENDOR_PATH, h), now, client_ip="198.51.100.7"), ip_ok,
        [B_GA["GA2022"]] + accept)
    add("An IP-restricted key called from inside an IPv6 /48 of its list (H-IP).", ["IP_RULES"],
        verify_input(request("GET", VENDOR_PATH, h), now, client_ip="2001:db8:10:ffff::1"), ip_acc,
        [decision("H-IP"), B_GA["GA2022"]])
    add("An IPv4-mapped IPv6 client address counts as its IPv4 address in the reference (H-IP).", ["IP_RULES"],
        verify_input(request("GET", VENDOR_PATH, h), now, client_ip="::ffff:203.0.113.5"), ip_acc,
        [decision("H-IP"), B_GA["GA2022"]])
    add("An IP-restricted key called from an address in no entry of its list, whatever an entry may be: GA2022.",
        ["IP_ALLOWLIST"], verify_input(request("GET", VENDOR_PATH, h), now, client_ip="198.51.100.8"),
        invalid("GA2022"), [B_GA["GA2022"]])
    add("An IP-restricted key with the client address unknown: the reference refuses, fail closed (H-IP).",
        ["IP_RULES"], verify_input(request("GET", VENDOR_PATH, h), now), acceptable_invalid("GA2022"),
        [decision("H-IP")])
    add("A key without an allow-list may be used from any address.", ["IP_ALLOWLIST"],
        verify_input(request("GET", VENDOR_PATH, base), now, client_ip="192.0.2.200"), ok_out,
        [B_IP_IF_CONFIGURED] + accept)

    # Tampering: GA2012.
    h = good(secret=SECRET2)
    add("Signed with another key's secret: GA2012.", ["TAMPER"], verify_input(request("GET", VENDOR_PATH, h), now),
        invalid("GA2012"), [B_SIGNATURE, B_GA["GA2012"]])
    h = good("POST", ORDERS, body=ORDER_BODY.encode(), nonce=NONCE2)
    add("The body changed after signing: GA2012.", ["TAMPER"],
        verify_input(request("POST", ORDERS, h, b'{"sku":"A-100","quantity":20}'), now), invalid("GA2012"),
        tampered)
    add("The path changed after signing: GA2012.", ["TAMPER"],
        verify_input(request("POST", ORDERS + "/admin", h, ORDER_BODY.encode()), now), invalid("GA2012"), tampered)
    add("The method changed after signing: GA2012.", ["TAMPER"],
        verify_input(request("PUT", ORDERS, h, ORDER_BODY.encode()), now), invalid("GA2012"), tampered)
    add("A body added to a request signed without one: GA2012 (the empty body is signed too).", ["TAMPER"],
        verify_input(request("GET", VENDOR_PATH, base, b"x"), now), invalid("GA2012"), tampered + [B_EXAMPLE])
    add("X-Timestamp changed after signing (still inside the window): GA2012.", ["TAMPER"],
        verify_input(request("GET", VENDOR_PATH, replace_header(base, "X-Timestamp", str(VENDOR_TS + 1))), now),
        invalid("GA2012"), tampered)
    add("X-Nonce changed after signing: GA2012.", ["TAMPER"],
        verify_input(request("GET", VENDOR_PATH, replace_header(base, "X-Nonce", NONCE3)), now),
        invalid("GA2012"), tampered)
    add("The method sent in lower case when the client signed it in upper case: another method, GA2012.",
        ["TAMPER"], verify_input(request("get", VENDOR_PATH, base), now), invalid("GA2012"),
        tampered + ["rfc9110#9.1"])
    h = good(target="/api/v1/partner/search/café", sign_target="/api/v1/partner/search/café")
    add("Signed over the decoded path but sent percent-encoded: the reference verifies the path as sent and "
        "refuses with GA2012 (H1); a verifier that decodes the path first accepts.",
        ["PATH_ENCODING"], verify_input(request("GET", "/api/v1/partner/search/caf%C3%A9", h), now),
        acceptable_invalid("GA2012"), [decision("H1")])
    add("The query changed after signing: the reference accepts, its PATH has no query (H1). Do not mistake it "
        "for protection; a verifier that signs the query refuses.", ["BY_DESIGN", "QUERY"],
        verify_input(request("GET", VENDOR_PATH + "?region=EU", good(target=VENDOR_PATH + "?region=US")), now),
        acceptable_valid({"api_key": KEY}), [decision("H1")])

    # Signature encodings (H3, H6).
    nonce_b, hb = find_nonce_with_b64_specials()
    sig = hb[3][1].split(" ", 1)[1]
    add("A correct signature whose Base64 holds '+' and '/', sent in standard Base64.", ["SIGNATURE_ENCODING"],
        verify_input(request("GET", VENDOR_PATH, hb), now), ok_out, ["rfc4648#4"] + accept)
    urlsafe = sig.replace("+", "-").replace("/", "_")
    add("The same signature in the URL-safe alphabet: not Base64, GA2012.", ["SIGNATURE_ENCODING"],
        verify_input(request("GET", VENDOR_PATH, replace_header(hb, "Authorization", "HMAC-SHA256 " + urlsafe)), now),
        invalid("GA2012"), ["rfc4648#4", "rfc4648#3.3", B_SIGNATURE])
    add("The signature without its '=' padding: the reference refuses with GA2012 (H3); RFC 4648 3.2 lets a "
        "profile drop padding.", ["UNPADDED_BASE64"],
        verify_input(request("GET", VENDOR_PATH, replace_header(hb, "Authorization", "HMAC-SHA256 " + sig.rstrip("="))),
                     now), acceptable_invalid("GA2012"), [decision("H3"), "rfc4648#3.2"])
    add("The scheme token in lower case: the reference refuses with GA2012 (H6); RFC 9110 11.1 makes scheme "
        "tokens case-insensitive.", ["SCHEME_CASE"],
        verify_input(request("GET", VENDOR_PATH, replace_header(base, "Authorization",
                                                                "hmac-sha256 " + base[3][1].split(" ", 1)[1])), now),
        acceptable_invalid("GA2012"), [decision("H6"), "rfc9110#11.1"])
    add("Two spaces after the scheme token: the reference refuses with GA2012 (H6); RFC 9110 11.4 allows one or "
        "more spaces there.", ["AUTHORIZATION_SPACES"],
        verify_input(request("GET", VENDOR_PATH, replace_header(base, "Authorization",
                                                                "HMAC-SHA256  " + base[3][1].split(" ", 1)[1])), now),
        acceptable_invalid("GA2012"), [decision("H6"), "rfc9110#11.4"])
    add("The bare signature without the scheme token: GA2012, or GA2002 from a verifier that finds no "
        "HMAC-SHA256 signature at all.", ["SIGNATURE_ENCODING"],
        verify_input(request("GET", VENDOR_PATH, replace_header(base, "Authorization", base[3][1].split(" ", 1)[1])),
                     now), invalid("GA2012", ["GA2002"]), [B_AUTHZ, B_GA["GA2012"]])
    mac_hex = base64.b64decode(base[3][1].split(" ", 1)[1]).hex()
    add("The right MAC in hex instead of Base64: GA2012.", ["SIGNATURE_ENCODING"],
        verify_input(request("GET", VENDOR_PATH, replace_header(base, "Authorization", "HMAC-SHA256 " + mac_hex)), now),
        invalid("GA2012"), [B_SIGNATURE, "rfc4648#4"])
    trunc = b64(base64.b64decode(base[3][1].split(" ", 1)[1])[:16])
    add("The MAC truncated to 16 bytes: GA2012 (the full 32 bytes are compared).", ["SIGNATURE_ENCODING"],
        verify_input(request("GET", VENDOR_PATH, replace_header(base, "Authorization", "HMAC-SHA256 " + trunc)), now),
        invalid("GA2012"), [B_SIGNATURE, "fips180-4"])
    xs = drop_header(base, "Authorization") + [["X-Signature", base[3][1].split(" ", 1)[1]]]
    add("The signature in X-Signature (the header GA2002's text names) instead of Authorization: the reference "
        "reads only Authorization and answers GA2002 (H6).", ["SIGNATURE_ALIAS"],
        verify_input(request("GET", VENDOR_PATH, xs), now), acceptable_invalid("GA2002"),
        [decision("H6"), B_GA["GA2002"], B_AUTHZ])
    h = good(target=ORDERS + "?page=2", sign_target=ORDERS + "?page=2")
    h = replace_header(h, "Authorization", "HMAC-SHA256 " + signature(
        SECRET, string_to_sign("GET", ORDERS + "?page=2", str(VENDOR_TS), VENDOR_NONCE, b"")))
    add("A client that signed the query as part of PATH: the reference refuses with GA2012 (H1); the page's PATH "
        "does not say.", ["QUERY_SIGNED"],
        verify_input(request("GET", ORDERS + "?page=2", h), now), acceptable_invalid("GA2012"), [decision("H1")])
    hexbody = hashlib.sha256(ORDER_BODY.encode()).hexdigest().encode()
    h = good("POST", ORDERS, body=ORDER_BODY.encode(), sign_body=hexbody)
    add("A client that signed SHA-256-hex of the body (a sibling document's scheme) instead of the raw body: "
        "GA2012.", ["TAMPER"],
        verify_input(request("POST", ORDERS, h, ORDER_BODY.encode()), now), invalid("GA2012"),
        tampered + [B_QUICK_BODY])

    # Bodies.
    h = good("POST", ORDERS + "/upload", body=BINARY_BODY, nonce=NONCE2)
    add("A body that is not UTF-8, signed as raw bytes: the reference accepts (H2); a verifier that reads the "
        "body as text computes another MAC.", ["BINARY_BODY"],
        verify_input(request("POST", ORDERS + "/upload", h, BINARY_BODY), now), acceptable_valid({"api_key": KEY}),
        [decision("H2")])
    large = (LARGE_PATTERN * LARGE_REPEAT).encode()
    h = good("POST", ORDERS + "/bulk", body=large, nonce=NONCE2)
    add("A 64 KiB body, correctly signed.", ["LARGE_BODY"],
        verify_input(request("POST", ORDERS + "/bulk", h, large=True), now), ok_out, accept)
    add("The 64 KiB body with the signature of another body: GA2012.", ["LARGE_BODY", "TAMPER"],
        verify_input(request("POST", ORDERS + "/bulk", good("POST", ORDERS + "/bulk", body=large[:-1],
                                                            nonce=NONCE2), large=True), now), invalid("GA2012"),
        tampered)

    # Replay (GA2014).
    add("The nonce was already used with this API key inside the window: GA2014.", ["REPLAY"],
        verify_input(request("GET", VENDOR_PATH, base), now, state=[(KEY, VENDOR_NONCE)]), invalid("GA2014"),
        [B_NONCE_ONCE, B_GA["GA2014"]])
    add("The same nonce used before with another API key: the reference keeps nonces per key and accepts (H5); "
        "\"Each nonce may only be used once\" reads both ways.", ["REPLAY_SCOPE"],
        verify_input(request("GET", VENDOR_PATH, base), now, state=[(KEY2, VENDOR_NONCE)]),
        acceptable_valid({"api_key": KEY}), [decision("H5"), B_NONCE_ONCE])
    add("A replayed nonce with a wrong signature: the reference answers GA2012, it checks a nonce only after the "
        "signature (H5); GA2014 from a verifier that checks the nonce first.", ["REPLAY", "MULTI_FAULT"],
        verify_input(request("GET", VENDOR_PATH, good(secret=SECRET2)), now, state=[(KEY, VENDOR_NONCE)]),
        invalid("GA2012", ["GA2014"]), [B_NONCE_ONCE, B_GA["GA2012"], decision("H5")])
    add("A replayed nonce outside the window: the reference answers GA2013 first (H5), GA2014 as well.",
        ["REPLAY", "MULTI_FAULT"],
        verify_input(request("GET", VENDOR_PATH, base), now + 61, state=[(KEY, VENDOR_NONCE)]),
        invalid("GA2013", ["GA2014"]), [B_OLDER, B_NONCE_ONCE, decision("H5")])

    # Malformed values.
    for value, comment in (
        ("1709337600.5", "a fractional timestamp"),
        ("-1709337600", "a signed timestamp"),
        ("+1709337600", "a timestamp with a plus sign"),
        ("2024-03-02T00:00:00Z", "an ISO 8601 date"),
    ):
        h = replace_header(base, "X-Timestamp", value)
        add(f"X-Timestamp is {comment}: the reference answers GA2013 (H4); GA2003 and, from a verifier that "
            "checks the MAC first, GA2012 as well.", ["MALFORMED_TIMESTAMP", "MULTI_FAULT"],
            verify_input(request("GET", VENDOR_PATH, h), now), invalid("GA2013", ["GA2003", "GA2012"]),
            [B_WINDOW, B_STS, decision("H4")])
    h = good(ts=VENDOR_TS * 1000)
    add("Milliseconds instead of seconds, correctly signed: far outside the window, GA2013.", ["MALFORMED_TIMESTAMP"],
        verify_input(request("GET", VENDOR_PATH, h), now), invalid("GA2013"), [B_WINDOW, B_GA["GA2013"]])
    h = replace_header(base, "X-Nonce", "two words")
    add("A nonce with a space, set after signing: the reference finds it unusable, GA2004 (H-HEADERS); a verifier "
        "with no charset rule finds the signature wrong, GA2012.", ["MALFORMED_NONCE", "MULTI_FAULT"],
        verify_input(request("GET", VENDOR_PATH, h), now), invalid("GA2004", ["GA2012"]),
        [B_STS, B_GA["GA2012"], decision("H-HEADERS")])
    h = good(nonce="n" * 129)
    c.add("verify", "A 129-character nonce, correctly signed: refused with GA2004 before anything is stored "
          "(H-HEADERS); the page sets no length, so this is the hardened profile's bounded nonce.", [],
          verify_input(request("GET", VENDOR_PATH, h), now), invalid("GA2004"), [decision("H-HEADERS")],
          hardened="NONCE_LENGTH")

    # Multi-fault precedence (H5 is the reference's order; the others list what a page-following verifier
    # answering in another order gives).
    def multi(comment, headers, expect, basis, client_ip=None, at=now, method="GET", target=VENDOR_PATH, body=b""):
        add(comment + " (H5).", ["MULTI_FAULT"], verify_input(request(method, target, headers, body), at,
                                                               client_ip=client_ip), expect,
            basis + [decision("H5")])

    multi("No X-Api-Key and no Authorization: GA2001 first",
          drop_header(drop_header(base, "X-Api-Key"), "Authorization"), invalid("GA2001", ["GA2002"]),
          [B_GA["GA2001"], B_GA["GA2002"]])
    multi("No Authorization and no X-Nonce: GA2002 first",
          drop_header(drop_header(base, "Authorization"), "X-Nonce"), invalid("GA2002", ["GA2004"]),
          [B_GA["GA2002"], B_GA["GA2004"]])
    multi("No X-Timestamp and a wrong signature: GA2003 first",
          drop_header(good(secret=SECRET2), "X-Timestamp"), invalid("GA2003", ["GA2012"]),
          [B_GA["GA2003"], B_GA["GA2012"]])
    multi("No X-Nonce and an unknown API key: GA2004 first",
          drop_header(good(api_key="pk_live_unknown0000"), "X-Nonce"), invalid("GA2004", ["GA2011"]),
          [B_GA["GA2004"], B_GA["GA2011"]])
    multi("An unknown API key and a stale timestamp: GA2011 first",
          good(api_key="pk_live_unknown0000"), invalid("GA2011", ["GA2013"]), [B_GA["GA2011"], B_OLDER],
          at=now + 3600)
    multi("A disabled key and a wrong signature: GA2021 first",
          good(api_key=KEY_OFF, secret=SECRET), invalid("GA2021", ["GA2012"]), [B_GA["GA2021"], B_GA["GA2012"]])
    multi("A disabled key with a stale timestamp: GA2021 first",
          good(api_key=KEY_OFF, secret=SECRET_OFF), invalid("GA2021", ["GA2013"]), [B_GA["GA2021"], B_WINDOW],
          at=now - 120)
    multi("A client IP outside the allow-list and a stale timestamp: GA2022 first",
          good(api_key=KEY_IP, secret=SECRET_IP), invalid("GA2022", ["GA2013"]), [B_GA["GA2022"], B_OLDER],
          client_ip="192.0.2.1", at=now + 600)
    multi("A client IP outside the allow-list and a wrong signature: GA2022 first",
          good(api_key=KEY_IP, secret=SECRET), invalid("GA2022", ["GA2012"]), [B_GA["GA2022"], B_GA["GA2012"]],
          client_ip="192.0.2.1")
    multi("A stale timestamp and a wrong signature: GA2013 first",
          good(secret=SECRET2), invalid("GA2013", ["GA2012"]), [B_OLDER, B_GA["GA2012"]], at=now + 61)
    multi("A malformed timestamp and a URL-safe signature: GA2013 first",
          replace_header(replace_header(hb, "X-Timestamp", "soon"), "Authorization", "HMAC-SHA256 " + urlsafe),
          invalid("GA2013", ["GA2003", "GA2012"]), [B_WINDOW, B_GA["GA2012"], "rfc4648#3.3"])
    multi("Every fault at once (no X-Api-Key, no X-Nonce, stale, wrong signature): GA2001 first",
          drop_header(drop_header(good(secret=SECRET2), "X-Api-Key"), "X-Nonce"),
          invalid("GA2001", ["GA2004", "GA2013", "GA2012"]), [B_GA["GA2001"], B_GA["GA2004"], B_OLDER],
          at=now + 3600)

    # Configuration.
    add("A verifier configured with a ±300 s window accepts a 200 s skew: a setting the page does not have (its "
        "window is ±60 s), so the reference's acceptance binds no one else.", ["WINDOW_SETTING"],
        verify_input(request("GET", VENDOR_PATH, base), now + 200, window=300), acceptable_valid({"api_key": KEY}),
        [decision("H4"), B_WINDOW])
    h = good(secret=SECRET_UTF8, api_key=KEY2)
    add("A secret with non-ASCII characters: the reference takes its UTF-8 bytes as the key; the pages never say "
        "how a secret becomes bytes.", ["SECRET_ENCODING"],
        verify_input(request("GET", VENDOR_PATH, h), now, keys=[key_entry(KEY2, SECRET_UTF8)]),
        acceptable_valid({"api_key": KEY2}), [decision("H-SECRET"), B_KEY_BYTES])

    # The signature of verify/042 ('+' and '/' in it) with its letters' case flipped: other bytes, so a verifier
    # that compares the Base64 text case-insensitively (or decodes it leniently) is caught.
    flipped = sig.swapcase()
    assert flipped != sig and any(ch.isalpha() for ch in sig)
    add("The correct signature of verify/042 with every letter's case flipped: other Base64, other bytes, GA2012.",
        ["SIGNATURE_CASE"],
        verify_input(request("GET", VENDOR_PATH, replace_header(hb, "Authorization", "HMAC-SHA256 " + flipped)), now),
        invalid("GA2012"), ["rfc4648#4", B_SIGNATURE, B_GA["GA2012"]])

    # A JSON body as a client library with its own formatting sends it: spaces after `:` and `,`, members not in
    # sorted order. BODY is the bytes sent, so a verifier that signs the body as its framework re-serialised it
    # (compact, or sorted) computes another string to sign.
    spaced = b'{"sku": "A-100", "quantity": 2, "notes": ["gift", "fragile"], "address": {"zip": "1000", "city": "X"}}'
    h = good("POST", ORDERS, body=spaced, nonce=NONCE3)
    add("POST with a JSON body holding spaces and members in no sorted order, signed over its raw bytes: accepted; "
        "the verifier signs the bytes received, never a re-serialised body.", ["JSON_BODY"],
        verify_input(request("POST", ORDERS, h, spaced), now), ok_out, accept + [B_QUICK_BODY])


def add_error_response_cases(c):
    # No vendor page gives the HTTP status of a GA code, and the envelope's version and message text
    # for them are shown nowhere either: every case pins the reference (H7) and binds no one else.
    ts_ms = VENDOR_TS * 1000 + 123
    for code, message, status in VENDOR_CODES:
        body = json.dumps({"version": "2.0.0", "timestamp": ts_ms, "success": False, "code": code,
                           "message": message, "data": None}, separators=(",", ":"), ensure_ascii=False)
        c.add("error-response", f"{code}: the reference answers HTTP {status} with the vendor's envelope and the "
              "page's wording (H7); no vendor page gives the status.", ["ERROR_STATUS"],
              {"code": code, "timestamp_ms": ts_ms}, acceptable_valid({"status": status, "body": body}),
              [decision("H7"), B_GA[code], B_ENVELOPE])
    c.add("error-response", "A code the vendor does not list: the reference refuses to build a response (H7).",
          ["ERROR_STATUS"], {"code": "GA2999", "timestamp_ms": ts_ms}, acceptable_invalid("UNKNOWN_CODE"),
          [decision("H7")])
    c.add("error-response", "Codes are case-sensitive in the reference: 'ga2012' is not a vendor code (H7).",
          ["ERROR_STATUS"], {"code": "ga2012", "timestamp_ms": ts_ms}, acceptable_invalid("UNKNOWN_CODE"),
          [decision("H7")])


# The envelope as the vendor's pages define it: six members, typed.
ENVELOPE_BASIS = [B_ENVELOPE, B_ENV_SUCCESS, B_ENV_CODE]


def add_parse_error_cases(c):
    def ok(comment, body, code, message, version, timestamp, data=None, basis=()):
        c.add("parse-error", comment, ["ENVELOPE"], {"body": body},
              valid({"code": code, "message": message, "version": version, "timestamp": timestamp, "data": data}),
              ENVELOPE_BASIS + list(basis))

    def lenient(comment, body, code, message, version, timestamp, data=None, basis=()):
        c.add("parse-error", comment, ["ENVELOPE_LENIENT"], {"body": body},
              acceptable_valid({"code": code, "message": message, "version": version, "timestamp": timestamp,
                                "data": data}), [decision("H7")] + list(basis))

    def bad(comment, inp, basis):
        c.add("parse-error", comment, ["ENVELOPE"], inp, invalid("MALFORMED_ERROR_RESPONSE"), list(basis))

    def strict(comment, inp, basis=()):
        c.add("parse-error", comment, ["ENVELOPE_LENIENT"], inp, acceptable_invalid("MALFORMED_ERROR_RESPONSE"),
              [decision("H7")] + list(basis))

    ok("The vendor's documented envelope.",
       '{"version":"2.0.0","timestamp":1709337600123,"success":false,"code":"GA2012",'
       '"message":"Signature verification failed","data":null}',
       "GA2012", "Signature verification failed", "2.0.0", 1709337600123, basis=[B_ENDPOINTS_ERROR, B_ENV_DATA])
    lenient("Pretty-printed, members in another order, with an unknown member: the reference ignores it (H7); a "
            "parser that refuses unknown members also follows the page.",
            '{\n  "code": "GA2013",\n  "success": false,\n  "traceId": "abc",\n  "message": "Timestamp outside '
            'validity window",\n  "data": null,\n  "timestamp": 1709337600000,\n  "version": "2.0.0"\n}',
            "GA2013", "Timestamp outside validity window", "2.0.0", 1709337600000, basis=["rfc8259#4"])
    lenient("A code the vendor does not list is kept as it is (forward compatible); version, timestamp and data "
            "are absent.", '{"success":false,"code":"GA2999","message":"Something new"}', "GA2999", "Something new",
            None, None)
    lenient("Absent version, timestamp, message and data read as null / empty in the reference (H7).",
            '{"success":false,"code":"GA2001"}', "GA2001", "", None, None)
    lenient("A null message reads as empty in the reference (H7).", '{"success":false,"code":"GA2014","message":null}',
            "GA2014", "", None, None)
    lenient("data carries any JSON value (a vendor page shows an object there on an error); version and "
            "timestamp are absent.",
            '{"success":false,"code":"GA2022","message":"IP not in whitelist","data":{"ip":"192.0.2.1","allowed":[]}}',
            "GA2022", "IP not in whitelist", None, None, {"ip": "192.0.2.1", "allowed": []}, basis=[B_DATA_ON_ERROR])
    lenient("A negative timestamp is still an integer; version, message and data are absent.",
            '{"success":false,"code":"GA2013","timestamp":-5}', "GA2013", "", None, -5)
    lenient("A duplicated member takes its last value in the reference; RFC 8259 leaves duplicate names to the "
            "parser.", '{"success":false,"code":"GA2011","code":"GA2012"}', "GA2012", "", None, None,
            basis=["rfc8259#4"])
    lenient("Non-ASCII text in message (JSON escapes decoded); version and timestamp are absent.",
            '{"success":false,"code":"GA2012","message":"Signatur ung\\u00fcltig \u2013 bitte pr\u00fcfen"}',
            "GA2012", "Signatur ungültig – bitte prüfen", None, None)
    bad("success true is not an error envelope.", {"body": '{"success":true,"code":"GA2012","message":"x"}'},
        [B_ENV_SUCCESS])
    bad("No success member: not the envelope.", {"body": '{"code":"GA2012","message":"x"}'},
        [B_ENVELOPE, B_ENV_SUCCESS])
    bad("success as the string \"false\" is not the boolean.", {"body": '{"success":"false","code":"GA2012"}'},
        [B_ENV_SUCCESS])
    bad("No code member: nothing to report.", {"body": '{"success":false,"message":"x"}'}, [B_ENVELOPE, B_ENV_CODE])
    strict("An empty code: the reference refuses (H7); it is still a string.", {"body": '{"success":false,"code":""}'})
    bad("code as a number: the envelope's code is a string.", {"body": '{"success":false,"code":2012}'},
        [B_ENV_CODE])
    bad("message as a number: the envelope's message is a string.",
        {"body": '{"success":false,"code":"GA2012","message":401}'}, [B_ENV_MESSAGE])
    bad("version as a number: the envelope's version is a string.",
        {"body": '{"success":false,"code":"GA2012","version":2}'}, [B_ENVELOPE])
    strict("A fractional timestamp: the reference refuses (H7); the page only says number (epoch ms).",
           {"body": '{"success":false,"code":"GA2012","timestamp":1709337600.5}'}, [B_ENV_TIMESTAMP])
    strict("A timestamp beyond the 64-bit signed range: the reference refuses (H7); the page sets no range.",
           {"body": '{"success":false,"code":"GA2012","timestamp":9223372036854775808}'}, [B_ENV_TIMESTAMP])
    bad("A timestamp as a boolean: not a number.", {"body": '{"success":false,"code":"GA2012","timestamp":true}'},
        [B_ENV_TIMESTAMP])
    bad("A timestamp as a string: not a number.",
        {"body": '{"success":false,"code":"GA2012","timestamp":"1709337600000"}'}, [B_ENV_TIMESTAMP])
    bad("A JSON array is not an envelope.", {"body": '[{"success":false,"code":"GA2012"}]'}, [B_ENVELOPE])
    bad("Not JSON at all (an HTML error page).", {"body": "<html><body>401 Unauthorized</body></html>"},
        [B_ENVELOPE, "rfc8259#2"])
    bad("An empty body.", {"body": ""}, [B_ENVELOPE, "rfc8259#2"])
    bad("Bytes that are not UTF-8.", {"body_base64": b64(b'{"success":false,"code":"GA20\xff12"}')},
        ["rfc8259#8.1"])
    bad("Trailing garbage after the object.", {"body": '{"success":false,"code":"GA2012"} x'}, ["rfc8259#2"])
    # New cases (format 2): what the lenient ones above pin, with every member the page defines present.
    ok("Pretty-printed, members in another order, every member the page defines and no other: JSON object "
       "members are unordered and whitespace between tokens is insignificant.",
       '{\n  "code": "GA2013",\n  "success": false,\n  "message": "Timestamp outside validity window",\n  '
       '"data": null,\n  "timestamp": 1709337600000,\n  "version": "2.0.0"\n}',
       "GA2013", "Timestamp outside validity window", "2.0.0", 1709337600000, basis=["rfc8259#4", "rfc8259#2"])
    ok("Non-ASCII text in message given as JSON escapes, in a full envelope: the escapes are decoded.",
       '{"version":"2.0.0","timestamp":1709337600123,"success":false,"code":"GA2012",'
       '"message":"Signatur ung\\u00fcltig \\u2013 bitte pr\u00fcfen","data":null}',
       "GA2012", "Signatur ungültig – bitte prüfen", "2.0.0", 1709337600123, basis=["rfc8259#7"])


# ----------------------------------------------------------------------------
# An independent checker, run over every case before writing
# ----------------------------------------------------------------------------


class Fail(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def is_visible_ascii(s):
    return all(0x21 <= ord(ch) <= 0x7E for ch in s)


def check_sign(inp):
    m, target, ts, nonce = inp["method"], inp["target"], inp["timestamp"], inp["nonce"]
    if not inp["api_key"] or len(inp["api_key"]) > 256 or not is_visible_ascii(inp["api_key"]):
        raise Fail("MALFORMED_API_KEY")
    if not inp["secret"]:
        raise Fail("EMPTY_SECRET")
    tchar = set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if not m or any(ch not in tchar for ch in m):
        raise Fail("MALFORMED_METHOD")
    if not target.startswith("/") or any(ch == " " or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        raise Fail("MALFORMED_TARGET")
    if not (1 <= len(nonce) <= 128) or not is_visible_ascii(nonce):
        raise Fail("MALFORMED_NONCE")
    if ts < 0:
        raise Fail("MALFORMED_TIMESTAMP")
    return sign_output(inp)


def check_verify(inp):
    req = inp["request"]
    headers = [(n.lower(), v.strip(" \t")) for n, v in req["headers"]]

    def one(name, code):
        vals = [v for n, v in headers if n == name.lower()]
        if len(vals) != 1 or vals[0] == "":
            raise Fail(code)
        return vals[0]

    api_key = one("X-Api-Key", "GA2001")
    auth = one("Authorization", "GA2002")
    ts_text = one("X-Timestamp", "GA2003")
    nonce = one("X-Nonce", "GA2004")
    if not (1 <= len(nonce) <= 128) or not is_visible_ascii(nonce):
        raise Fail("GA2004")
    keys = {k["api_key"]: k for k in inp["keys"]}
    if api_key not in keys:
        raise Fail("GA2011")
    rec = keys[api_key]
    if not rec.get("enabled", True):
        raise Fail("GA2021")
    rules = rec.get("allowed_ips", [])
    if rules:
        if "client_ip" not in inp:
            raise Fail("GA2022")
        ip = ipaddress.ip_address(inp["client_ip"])
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not any(ip.version == ipaddress.ip_network(r).version and ip in ipaddress.ip_network(r) for r in rules):
            raise Fail("GA2022")
    window = inp.get("window_seconds", WINDOW)
    if not (1 <= len(ts_text) <= 18) or not all(ch in "0123456789" for ch in ts_text):
        raise Fail("GA2013")
    if abs(int(ts_text) - inp["now"]) > window:
        raise Fail("GA2013")
    if not auth.startswith("HMAC-SHA256 "):
        raise Fail("GA2012")
    sig = auth[len("HMAC-SHA256 "):]
    try:
        raw = base64.b64decode(sig, validate=True)
    except ValueError:
        raise Fail("GA2012")
    if len(raw) != 32 or b64(raw) != sig:
        raise Fail("GA2012")
    body = body_bytes(req)
    expected = hmac.new(rec["secret"].encode("utf-8"),
                        string_to_sign(req["method"], path_of(req["target"]), ts_text, nonce, body),
                        hashlib.sha256).digest()
    if not hmac.compare_digest(expected, raw):
        raise Fail("GA2012")
    seen = {(n["api_key"], n["nonce"]) for n in inp.get("state", {}).get("nonces", [])}
    if (api_key, nonce) in seen:
        raise Fail("GA2014")
    return {"api_key": api_key}


def check_error_response(inp):
    for code, message, status in VENDOR_CODES:
        if code == inp["code"]:
            env = {"version": "2.0.0", "timestamp": inp["timestamp_ms"], "success": False, "code": code,
                   "message": message, "data": None}
            return {"status": status, "body": json.dumps(env, separators=(",", ":"), ensure_ascii=False)}
    raise Fail("UNKNOWN_CODE")


def check_parse_error(inp):
    raw = base64.b64decode(inp["body_base64"]) if "body_base64" in inp else inp["body"].encode("utf-8")
    try:
        root = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Fail("MALFORMED_ERROR_RESPONSE")
    if not isinstance(root, dict) or root.get("success", None) is not False or "success" not in root:
        raise Fail("MALFORMED_ERROR_RESPONSE")
    code = root.get("code")
    if not isinstance(code, str) or code == "":
        raise Fail("MALFORMED_ERROR_RESPONSE")
    msg = root.get("message")
    if msg is None:
        msg = ""
    if not isinstance(msg, str):
        raise Fail("MALFORMED_ERROR_RESPONSE")
    ver = root.get("version")
    if ver is not None and not isinstance(ver, str):
        raise Fail("MALFORMED_ERROR_RESPONSE")
    ts = root.get("timestamp")
    if ts is not None and (isinstance(ts, bool) or not isinstance(ts, int) or not -(2**63) <= ts < 2**63):
        raise Fail("MALFORMED_ERROR_RESPONSE")
    return {"code": code, "message": msg, "version": ver, "timestamp": ts, "data": root.get("data")}


CHECKERS = {"sign": check_sign, "verify": check_verify, "error-response": check_error_response,
            "parse-error": check_parse_error, "scenario": lambda inp: check_scenario(inp)}

# ----------------------------------------------------------------------------
# Page-literal models: what a verifier, signer or parser that follows the vendor's pages
# could answer, under each reading the pages leave open. THE RULE, checked: a `valid` case
# passes under every reading, an `invalid` one is refused under every reading and lists in
# `error` + `alternatives` every code some reading (answering its faults in any order) gives.
# Only `acceptable` cases may differ between readings.
# ----------------------------------------------------------------------------

PAGE_READINGS = {
    "empty_missing": [False, True],  # an empty header value counts as missing
    "dup": ["first", "last", "reject"],  # a header sent twice
    "ts": ["digits", "signed"],  # what parses as Unix seconds
    "ts_bad": ["GA2013", "GA2003"],  # the code for a timestamp that does not parse
    "window": ["page", "configured"],  # the page's ±60 s, or the case's window_seconds
    "scope": ["key", "global"],  # "Each nonce may only be used once": per key, or at all
    "path": ["path", "query", "decoded"],  # PATH without the query, with it, percent-decoded
    "scheme_ci": [False, True],  # RFC 9110 11.1
    "spaces": [False, True],  # RFC 9110 11.4: 1*SP after the scheme
    "pad_optional": [False, True],  # Base64 without '=' padding
    "alias": [False, True],  # X-Signature read when Authorization is absent
    "ip": ["exact", "cidr"],  # what a whitelist entry is
    "ip_unknown": ["accept", "refuse"],
    "body": ["bytes", "text"],  # the body as bytes, or decoded as UTF-8 text
    "header_order": ["table", "quickstart"],  # the signer's headers in the order a page shows them
    "status": [401, 403],  # the HTTP status of a GA code (no page gives one)
    "unknown_code": ["refuse", "build"],
    "envelope": ["strict", "lenient"],  # every member present and no other, or absent ones read as null
}


def page_readings():
    """The all-first reading, then each other option of each dimension on its own."""
    first = {k: v[0] for k, v in PAGE_READINGS.items()}
    yield dict(first)
    for k, options in PAGE_READINGS.items():
        for o in options[1:]:
            r = dict(first)
            r[k] = o
            yield r


def page_path(target, r):
    target = target.split("#", 1)[0]
    if r["path"] == "query":
        return target
    path = target.split("?", 1)[0]
    if r["path"] == "decoded":
        path = urllib.parse.unquote(path)
    return path


def page_body(body, r):
    return body.decode("utf-8", "replace").encode("utf-8") if r["body"] == "text" else body


def page_sign(inp, r):
    """A signer that refuses only what cannot be sent as an HTTP request."""
    tchar = set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    m, target, nonce = inp["method"], inp["target"], inp["nonce"]
    if not m or any(ch not in tchar for ch in m):
        return ("err", None)
    if not target.startswith("/") or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target):
        return ("err", None)
    if any(ord(ch) < 0x20 and ch != "\t" or ord(ch) == 0x7F for ch in nonce):
        return ("err", None)
    body = page_body(body_bytes(inp), r)
    # A signer signs the path it sends, as the quickstart does (it never decodes it).
    path = page_path(target, dict(r, path="path" if r["path"] == "decoded" else r["path"]))
    sts = string_to_sign(m, path, str(inp["timestamp"]), nonce, body)
    out = {}
    if "body_pattern" in inp:
        out["string_to_sign_sha256"] = hashlib.sha256(sts).hexdigest()
    else:
        try:
            out["string_to_sign"] = sts.decode("utf-8")
        except UnicodeDecodeError:
            out["string_to_sign_base64"] = b64(sts)
    sig = signature(inp["secret"], sts)
    out["signature"] = sig
    values = {"X-Api-Key": inp["api_key"], "X-Timestamp": str(inp["timestamp"]), "X-Nonce": nonce,
              "Authorization": "HMAC-SHA256 " + sig}
    order = TABLE_ORDER if r["header_order"] == "table" else QUICKSTART_ORDER
    out["headers"] = [[n, values[n]] for n in order]
    return ("ok", out)


def page_verify(inp, r):
    """Every fault a page-following verifier finds (it answers one of them, in its own order)."""
    req = inp["request"]
    headers = [(n.lower(), v.strip(" \t")) for n, v in req["headers"]]
    faults = set()
    missing = {"x-api-key": "GA2001", "authorization": "GA2002", "x-timestamp": "GA2003", "x-nonce": "GA2004",
               "x-signature": "GA2002"}

    def get(name):
        vals = [v for n, v in headers if n == name]
        if len(vals) > 1:
            if r["dup"] == "reject":
                vals = []
            else:
                vals = vals[:1] if r["dup"] == "first" else vals[-1:]
        if not vals or (vals[0] == "" and r["empty_missing"]):
            return None
        return vals[0]

    api_key, auth, ts_text, nonce = get("x-api-key"), get("authorization"), get("x-timestamp"), get("x-nonce")
    for name, value in (("x-api-key", api_key), ("x-timestamp", ts_text), ("x-nonce", nonce)):
        if value is None:
            faults.add(missing[name])
    sig_text = None
    if auth is None:
        sig_text = get("x-signature") if r["alias"] else None
        if sig_text is None:
            faults.add("GA2002")
    else:
        parts = re.fullmatch(r"([^ ]+)( +)(.*)", auth)
        scheme_ok = parts is not None and (parts[1] == "HMAC-SHA256" or
                                           (r["scheme_ci"] and parts[1].lower() == "hmac-sha256"))
        if scheme_ok and (len(parts[2]) == 1 or r["spaces"]):
            sig_text = parts[3]
        else:
            faults.add("GA2012")
    rec = None
    if api_key is not None:
        rec = {k["api_key"]: k for k in inp["keys"]}.get(api_key)
        if rec is None:
            faults.add("GA2011")
        else:
            if not rec.get("enabled", True):
                faults.add("GA2021")
            rules = rec.get("allowed_ips", [])
            if rules and "client_ip" not in inp:
                if r["ip_unknown"] == "refuse":
                    faults.add("GA2022")
            elif rules:
                if r["ip"] == "exact":
                    listed = inp["client_ip"] in rules
                else:
                    ip = ipaddress.ip_address(inp["client_ip"])
                    if ip.version == 6 and ip.ipv4_mapped is not None:
                        ip = ip.ipv4_mapped
                    listed = any(ip.version == ipaddress.ip_network(x).version and ip in ipaddress.ip_network(x)
                                 for x in rules)
                if not listed:
                    faults.add("GA2022")
    if ts_text is not None:
        if not re.fullmatch(r"[0-9]+" if r["ts"] == "digits" else r"[+-]?[0-9]+", ts_text):
            faults.add(r["ts_bad"])
        else:
            window = WINDOW if r["window"] == "page" else inp.get("window_seconds", WINDOW)
            if abs(int(ts_text) - inp["now"]) > window:
                faults.add("GA2013")
    if rec is not None and sig_text is not None and ts_text is not None and nonce is not None:
        text = sig_text
        if r["pad_optional"]:
            text += "=" * (-len(text) % 4)
        try:
            raw = base64.b64decode(text, validate=True)
        except ValueError:
            raw = b""
        body = page_body(body_bytes(req), r)
        sts = string_to_sign(req["method"], page_path(req["target"], r), ts_text, nonce, body)
        if not hmac.compare_digest(hmac.new(rec["secret"].encode("utf-8"), sts, hashlib.sha256).digest(), raw):
            faults.add("GA2012")
    if rec is not None and nonce is not None:
        used = inp.get("state", {}).get("nonces", [])
        if any(u["nonce"] == nonce and (r["scope"] == "global" or u["api_key"] == api_key) for u in used):
            faults.add("GA2014")
    return ("err", faults) if faults else ("ok", {"api_key": api_key})


def page_error_response(inp, r):
    for code, message, _ in VENDOR_CODES:
        if code == inp["code"]:
            break
    else:
        if r["unknown_code"] == "refuse":
            return ("err", None)
        message = ""
    env = {"version": "2.0.0", "timestamp": inp["timestamp_ms"], "success": False, "code": inp["code"],
           "message": message, "data": None}
    return ("ok", {"status": r["status"], "body": json.dumps(env, separators=(",", ":"), ensure_ascii=False)})


def page_parse_error(inp, r):
    """The envelope page's six typed members; `strict` wants all of them and no other."""
    raw = base64.b64decode(inp["body_base64"]) if "body_base64" in inp else inp["body"].encode("utf-8")

    def pairs(items):
        names = [k for k, _ in items]
        if r["envelope"] == "strict" and len(set(names)) != len(names):
            raise ValueError("duplicate member")
        return dict(items)

    try:
        root = json.loads(raw.decode("utf-8"), object_pairs_hook=pairs)
    except (UnicodeDecodeError, ValueError):
        return ("err", None)
    members = {"version", "timestamp", "success", "code", "message", "data"}
    if not isinstance(root, dict) or root.get("success") is not False or not isinstance(root.get("code"), str):
        return ("err", None)
    if r["envelope"] == "strict" and set(root) != members:
        return ("err", None)
    msg, ver, ts = root.get("message"), root.get("version"), root.get("timestamp")
    if not (isinstance(msg, str) or (msg is None and r["envelope"] == "lenient")):
        return ("err", None)
    if not (isinstance(ver, str) or (ver is None and r["envelope"] == "lenient")):
        return ("err", None)
    if isinstance(ts, bool) or not (isinstance(ts, (int, float)) or (ts is None and r["envelope"] == "lenient")):
        return ("err", None)
    return ("ok", {"code": root["code"], "message": msg or "", "version": ver, "timestamp": ts,
                   "data": root.get("data")})


PAGE_MODELS = {"sign": page_sign, "verify": page_verify, "error-response": page_error_response,
               "parse-error": page_parse_error}


def stage_equal(want, got, how):
    """One output stage compared as vectors/README.md's grading rules say."""
    if how == "headers":
        if not isinstance(got, list):
            return False
        names = {n.lower() for n, _ in want}
        pick = lambda pairs, name: [v for n, v in pairs if n.lower() == name]  # noqa: E731
        return all(pick(want, n) == pick(got, n) for n in names)
    return want == got


def check_against_pages(case):
    """THE RULE for one case, under every reading (see PAGE_READINGS)."""
    exp = case["expect"]
    if exp["result"] == "acceptable" or case.get("withdrawn") or case.get("profile") == "hardened":
        # A hardened case pins a property beyond the pages: some page reading may differ.
        return
    if case["op"] == "scenario":
        for r in page_readings():
            got = page_scenario(case["input"], r)
            for want, step in zip(exp["output"]["steps"], got):
                where = f"{case['id']} under the page reading {r}"
                if want["result"] == "valid":
                    assert step == want, f"{where}: a step answers {step}; the case says {want}"
                else:
                    assert step["result"] == "invalid" and step["errors"] <= {want["error"]}, \
                        f"{where}: a step could answer {step}; the case says {want}"
        return
    for r in page_readings():
        kind, got = PAGE_MODELS[case["op"]](case["input"], r)
        where = f"{case['id']} under the page reading {r}"
        if exp["result"] == "valid":
            outputs = [exp["output"]] + [e["output"] for e in exp.get("equivalent", [])]
            compare = exp.get("compare", {})
            assert kind == "ok", f"{where}: refused ({got}); the case says valid"
            assert any(all(stage_equal(v, got.get(k), compare.get(k, "exact")) for k, v in o.items())
                       for o in outputs), \
                f"{where}: answers {got}; the case allows {outputs}"
        else:
            assert kind == "err", f"{where}: accepted; the case says invalid"
            if got is not None:
                allowed = {exp["error"], *exp.get("alternatives", [])}
                assert got and got <= allowed, f"{where}: could answer {sorted(got)}; the case allows {allowed}"


def non_decision(entry):
    return not entry.startswith("decision:")


def self_check(doc):
    ids = set()
    assert doc["numberOfTests"] == len(doc["cases"])
    for case in doc["cases"]:
        cid = case["id"]
        assert cid not in ids, cid
        ids.add(cid)
        assert cid.startswith(f"{SCHEME}/{case['op']}/"), cid
        for f in case["flags"]:
            assert f in doc["flags"], (cid, f)
        assert case["comment"].endswith(".") and "\n" not in case["comment"], cid
        assert case["basis"], cid
        for entry in case["basis"]:
            if entry.startswith("decision:"):
                assert entry[len("decision:"):] in doc["decisions"], (cid, entry)
        exp = case["expect"]
        if case.get("profile") == "hardened":
            names = [e[len("hardened:"):] for e in case["basis"] if e.startswith("hardened:")]
            assert names and all(n in doc["hardened"] for n in names), cid
            assert exp["result"] in ("valid", "invalid"), cid
        elif any(e.startswith("hardened:") for e in case["basis"]):
            raise AssertionError(f"{cid}: a hardened basis on a conformance case")
        if exp["result"] == "acceptable":
            assert any(doc["flags"][f]["bugType"] == "SPEC_AMBIGUITY" for f in case["flags"]), cid
        else:
            assert any(non_decision(e) for e in case["basis"]), f"{cid}: {exp['result']} rests on a decision alone"
        for eq in exp.get("equivalent", []):
            assert any(non_decision(e) for e in eq["basis"]), cid
        check_against_pages(case)
        # The generator's own reference-like checker must give what the case pins for the reference.
        try:
            got = ("ok", CHECKERS[case["op"]](case["input"]))
        except Fail as e:
            got = ("err", e.code)
        if exp["result"] == "valid" or exp.get("reference") == "valid":
            want = ("ok", exp["output"])
        else:
            want = ("err", exp["error"])
        if got != want:
            raise AssertionError(f"{cid}: generator checker gives {got!r}, case says {want!r}")


# ----------------------------------------------------------------------------
# The file
# ----------------------------------------------------------------------------

def flag(bug_type, description):
    return {"description": description, "bugType": bug_type}


FLAGS = {
    "VENDOR_EXAMPLE": flag("BASIC", "The vendor page's own example request (GET /api/v1/partner/constants/countries, "
                           "ts 1709337600, nonce 550e8400-e29b-41d4-a716-446655440000, empty body). The page publishes "
                           "the string to sign but no secret/signature pair, so the secret here is invented."),
    "EMPTY_BODY": flag("CANONICALIZATION", "An empty body leaves the string to sign ending in the \\n after NONCE, as "
                       "the page's example shows."),
    "QUERY": flag("SPEC_AMBIGUITY", "Acceptable: the request target has a query string. The page never says whether "
                  "PATH includes it (its examples have none); the reference's PATH stops before '?' (H1)."),
    "BINARY_BODY": flag("SPEC_AMBIGUITY", "Acceptable: the body is not UTF-8 (it travels as body_base64, the string "
                        "to sign as string_to_sign_base64). The reference signs the raw bytes (H2); the page's BODY "
                        "is text and never says how other bytes enter it."),
    "JSON_BODY": flag("CANONICALIZATION", "A JSON body formatted as the client sent it (spaces, member order) is "
                      "signed and verified as those bytes, never as a re-serialised body."),
    "BACKSLASH_BODY": flag("CANONICALIZATION", "A body holding JSON backslash escapes is signed as the bytes sent; "
                           "a signer that builds the string through a shell's `echo -e` (as the vendor's quickstart "
                           "does) signs other bytes."),
    "LINE_ENDINGS": flag("CANONICALIZATION", "CR and LF inside the body are signed as they are; nothing normalises "
                         "them."),
    "LARGE_BODY": flag("BASIC", "A 64 KiB body given as body_pattern repeated body_repeat times; a sign case pins "
                       "string_to_sign_sha256 (the lowercase hex SHA-256 of the string to sign) instead of the 64 KiB "
                       "text."),
    "PATH_VERBATIM": flag("CANONICALIZATION", "The signer signs the path it sends, as the quickstart does: no "
                          "percent-decoding, no normalisation, trailing slash kept."),
    "PATH_ENCODING": flag("SPEC_AMBIGUITY", "Acceptable: the client signed another spelling of the path than it "
                          "sent. The reference verifies the path as sent (H1); the page does not say whether a "
                          "verifier decodes it."),
    "SECRET_BYTES": flag("BASIC", "The HMAC key is the secret's bytes, however long (RFC 2104 hashes a key longer "
                         "than the block)."),
    "SECRET_ENCODING": flag("SPEC_AMBIGUITY", "Acceptable: a secret with non-ASCII characters. The reference takes "
                            "its UTF-8 bytes as the key (H-SECRET); the pages never say how a secret becomes bytes."),
    "SIGNER_INPUT": flag("MALFORMED_INPUT", "The signer refuses input that cannot be sent as an HTTP request."),
    "SIGNER_POLICY": flag("SPEC_AMBIGUITY", "Acceptable: the reference's signer refuses input it could sign (H-SIGN); "
                          "the page sets no such limit."),
    "WINDOW_EDGE": flag("FRESHNESS", "|now - X-Timestamp| <= 60 is accepted in both directions: the page's \"within "
                        "±60s\", and a timestamp 60 s old is not \"older than 60 seconds\"."),
    "WINDOW_SETTING": flag("SPEC_AMBIGUITY", "Acceptable: the case configures a window other than the page's ±60 s; "
                           "the page defines no such setting, so only the reference is held to it."),
    "MISSING_HEADER": flag("MALFORMED_INPUT", "One of the four required headers is absent or empty (GA2001-GA2004)."),
    "HEADER_FORM": flag("INTEROP", "Header names are case-insensitive, values lose surrounding whitespace, and order "
                        "does not matter (RFC 9110)."),
    "DUPLICATE_HEADER": flag("SPEC_AMBIGUITY", "Acceptable: a required header appears twice. The reference refuses "
                             "(H-HEADERS); RFC 9110 forbids the sender to do it but leaves the recipient free."),
    "IP_ALLOWLIST": flag("AUTH_BYPASS", "The key's IP whitelist (GA2022); the verify input's client_ip is the "
                         "connecting address."),
    "IP_RULES": flag("SPEC_AMBIGUITY", "Acceptable: what a whitelist entry may be (a CIDR block, IPv6, an IPv4-mapped "
                     "address) and what an unknown client address means are the reference's reading (H-IP); the page "
                     "only names the whitelist."),
    "TAMPER": flag("AUTH_BYPASS", "The request differs from what was signed, or was signed under a misreading: "
                   "GA2012."),
    "BY_DESIGN": flag("SPEC_AMBIGUITY", "The reference does not protect this part of the request; the case pins that "
                      "so nobody mistakes it for protection."),
    "SIGNATURE_ENCODING": flag("MALFORMED_INPUT", "The Authorization value is not `HMAC-SHA256 <Base64 of the "
                               "32-byte MAC>`."),
    "UNPADDED_BASE64": flag("SPEC_AMBIGUITY", "Acceptable: the signature without '=' padding. The reference refuses "
                            "(H3); RFC 4648 3.2 lets a specification omit padding, and lenient decoders accept it."),
    "SCHEME_CASE": flag("SPEC_AMBIGUITY", "Acceptable: the scheme token in another case. The reference matches "
                        "`HMAC-SHA256` exactly (H6, as the page writes it); RFC 9110 11.1 makes auth-scheme tokens "
                        "case-insensitive."),
    "AUTHORIZATION_SPACES": flag("SPEC_AMBIGUITY", "Acceptable: more than one space after the scheme token. The "
                                 "reference wants one (H6, as the page writes it); RFC 9110 11.4's credentials "
                                 "grammar allows 1*SP."),
    "SIGNATURE_ALIAS": flag("SPEC_AMBIGUITY", "Acceptable: the signature sent as X-Signature, the header GA2002's "
                            "text names. The reference reads only Authorization, as the header table documents, and "
                            "answers GA2002 (H6); a verifier that takes X-Signature as an alias also conforms."),
    "QUERY_SIGNED": flag("SPEC_AMBIGUITY", "Acceptable: the client put the query in PATH. The reference refuses with "
                         "GA2012 (H1: PATH is the path alone); the page never says whether PATH includes the query."),
    "REPLAY": flag("REPLAY", "The verifier's state already holds the nonce under the same API key."),
    "SCENARIO": flag("REPLAY", "Several requests against one verifier, its replay store kept from step to step: "
                     "what one request leaves behind decides the next."),
    "NONCE_RETENTION": flag("SPEC_AMBIGUITY", "Acceptable: a nonce reused in a fresh request long after its first "
                            "use. The reference forgets a nonce once its timestamp can no longer pass the window "
                            "(kept 2 x the window, H5); \"Each nonce may only be used once\" also reads as never "
                            "again."),
    "SIGNATURE_CASE": flag("AUTH_BYPASS", "The signature's Base64 with its letters' case flipped: other bytes "
                           "(RFC 4648's alphabet is case-sensitive), so the MAC does not verify."),
    "REPLAY_SCOPE": flag("SPEC_AMBIGUITY", "Acceptable: the nonce was used before under another API key. The "
                         "reference keeps nonces per key (H5); \"Each nonce may only be used once\" also reads as "
                         "once at all."),
    "MULTI_FAULT": flag("BASIC", "Several faults at once: `error` is what the reference answers (its order H5 is a "
                        "decision); `alternatives` lists every other code a verifier following the page could "
                        "answer, which grade as acceptable."),
    "MALFORMED_TIMESTAMP": flag("MALFORMED_INPUT", "X-Timestamp is not decimal Unix seconds, or not seconds."),
    "MALFORMED_NONCE": flag("SPEC_AMBIGUITY", "X-Nonce outside 1-128 visible ASCII: the reference answers GA2004 "
                            "(H-HEADERS); the page sets no charset or length, so a verifier without the rule conforms "
                            "too (the case is acceptable, or lists its code as an alternative)."),
    "ERROR_STATUS": flag("SPEC_AMBIGUITY", "Acceptable: the HTTP status and error body the reference answers for a "
                         "GA code (H7). No vendor page gives the status of a GA code."),
    "ENVELOPE": flag("MALFORMED_INPUT", "The vendor's JSON response envelope (version, timestamp, success, code, "
                     "message, data) read back from an error response."),
    "ENVELOPE_LENIENT": flag("SPEC_AMBIGUITY", "Acceptable: an envelope that misses members, adds or repeats one, or "
                             "holds a value the page's types allow but the reference refuses; the reference's reading "
                             "is H7."),
}

DECISIONS = {
    "H1": "PATH is the request target up to the first '?', verbatim (no percent-decoding, no normalisation) and "
    "without any mount prefix. Changing the query after signing leaves the signature valid (BY_DESIGN); a client "
    "that signed the query fails with GA2012. The page never says whether PATH holds the query, so every case that "
    "depends on it is acceptable (QUERY, QUERY_SIGNED, PATH_ENCODING).",
    "H2": "BODY is the raw bytes sent, whatever their encoding; an empty body leaves the trailing \\n after NONCE. "
    "Bodies that are not UTF-8 are acceptable (BINARY_BODY).",
    "H3": "The signature is standard Base64 (RFC 4648 section 4, '+/' alphabet) with padding of the 32-byte MAC; the "
    "URL-safe alphabet, hex, truncation or another length is GA2012; missing padding is GA2012 in the reference "
    "(acceptable: UNPADDED_BASE64). The MAC is compared in constant time.",
    "H4": "X-Timestamp is 1-18 ASCII digits of Unix seconds; |now - ts| <= window (60 s) is accepted, so +-60 passes "
    "and +-61 fails, future timestamps included; a malformed value is GA2013 (GA2003, and GA2012 from a verifier "
    "that checks the MAC first, are alternatives). Another window is a setting of the reference only "
    "(acceptable: WINDOW_SETTING).",
    "H5": "Checks in this order, the first failure answered: GA2001, GA2002, GA2003, GA2004 (missing), GA2011, "
    "GA2021, GA2022, GA2013, GA2012, GA2014. The order is the reference's: multi-fault cases list every code a "
    "page-following verifier could answer as alternatives. A nonce is recorded per API key (another key's nonce "
    "is acceptable: REPLAY_SCOPE), only after the signature verified, and kept at least 2 x the window.",
    "H6": "`Authorization: HMAC-SHA256 <sig>` exactly: the scheme token case-sensitive, one space (acceptable: "
    "SCHEME_CASE, AUTHORIZATION_SPACES). X-Signature is not read by the reference (acceptable: SIGNATURE_ALIAS).",
    "H7": "Errors answer 401 for GA200x and GA201x, 403 for GA2021 and GA2022, with the body "
    "{\"version\":\"2.0.0\",\"timestamp\":<ms>,\"success\":false,\"code\":...,\"message\":...,\"data\":null} "
    "(compact JSON, members in that order, the page's wording as message); no vendor page gives these statuses, so "
    "every error-response case is acceptable (ERROR_STATUS). Parsing: success must be false, code a non-empty "
    "string, message a string or null, version a string or null, timestamp an integer in the signed 64-bit range "
    "or null, data anything; unknown members are ignored; a duplicated member takes its last value (where the "
    "envelope page does not decide these, acceptable: ENVELOPE_LENIENT).",
    "H8": "The replay store is bounded; when full it refuses the request rather than forget a nonce still inside "
    "its window. Not expressible as a vector (it depends on the store's size); tested in the crate.",
    "H-HEADERS": "An empty, absent or duplicated X-Api-Key, Authorization, X-Timestamp or X-Nonce answers that "
    "header's GA200x code. A nonce must be 1-128 visible ASCII characters (so no separator can hide in it); "
    "otherwise GA2004. Header names match case-insensitively, values lose surrounding spaces and tabs. Duplicates "
    "and the nonce's charset and length are the reference's rules (acceptable: DUPLICATE_HEADER, MALFORMED_NONCE).",
    "H-IP": "A key with no allow-list is usable from any address; with one (addresses or CIDR blocks), only from a "
    "listed address; an IPv4-mapped IPv6 address counts as IPv4; an unknown client address is refused (GA2022). "
    "CIDR blocks, IPv6, mapped addresses and unknown addresses are acceptable (IP_RULES).",
    "H-SIGN": "The signer refuses a method that is not an HTTP token, a target not starting with '/' or holding "
    "spaces or control characters, a nonce that is not 1-128 visible ASCII, a negative timestamp, an empty secret "
    "and an API key that is not 1-256 visible ASCII. Refusals of input that could be sent are acceptable "
    "(SIGNER_POLICY).",
    "H-SECRET": "The HMAC key is the secret string's UTF-8 bytes (the quickstart's `openssl -hmac \"$API_SECRET\"` "
    "takes the string's bytes); a non-ASCII secret is acceptable (SECRET_ENCODING).",
}


# The hardened profile's properties (vectors/README.md, "Profiles"): id -> description, bugType, why.
HARDENED = {
    "NONCE_AFTER_SIGNATURE": {
        "description": "A nonce is recorded only once the request carrying it authenticated (key, timestamp and "
        "signature verified): a refused request leaves its nonce unused.",
        "bugType": "REPLAY",
        "why": "A verifier that records the nonce before checking the signature lets anyone who sees or guesses a "
        "client's nonce burn it with one forged request: the genuine request is then refused with GA2014, a denial "
        "of service the client cannot prevent. The page says only that reuse is rejected.",
    },
    "NONCE_LENGTH": {
        "description": "A nonce longer than 128 characters is refused (GA2004) before anything is stored.",
        "bugType": "MALFORMED_INPUT",
        "why": "The replay store keeps every nonce for the window; without a bound, each request can make it hold "
        "as much as the largest header the server takes, so memory grows with the attacker's header size instead "
        "of the request rate. The page sets no length.",
    },
}


def add_scenario_cases(c):
    """Several requests against one verifier and one replay store (op `scenario`)."""
    start = VENDOR_TS

    def req(ts, nonce, api_key=KEY, secret=SECRET):
        return request("GET", VENDOR_PATH, signed_headers(api_key, secret, "GET", VENDOR_PATH, ts, nonce, b""))

    def forged(ts, nonce):
        # The right key id, a signature made with a secret that is not the key's.
        return request("GET", VENDOR_PATH, signed_headers(KEY, SECRET2, "GET", VENDOR_PATH, ts, nonce, b""))

    def scenario(steps, keys=None):
        return {"keys": DIRECTORY if keys is None else keys, "start": start,
                "steps": [{"at": at, "request": r, "note": note} for at, r, note in steps]}

    def add(comment, flags, steps, expect, basis, hardened=None):
        inp = scenario(steps)
        out = check_scenario(inp)
        assert expect is None or expect == out, (comment, out)
        result = {"result": "valid", "output": out}
        if flags and any(FLAGS[f]["bugType"] == "SPEC_AMBIGUITY" for f in flags):
            result = acceptable_valid(out)
        c.add("scenario", comment, flags, inp, result, basis, hardened=hardened)

    ok = {"result": "valid", "api_key": KEY}
    add("A genuine request, then the same request again 5 s later: accepted once, then GA2014 (its nonce is used).",
        ["SCENARIO", "REPLAY"],
        [(0, req(start, VENDOR_NONCE), "genuine"), (5, req(start, VENDOR_NONCE), "the same request replayed")],
        {"steps": [ok, {"result": "invalid", "error": "GA2014"}]},
        [B_NONCE_ONCE, B_GA["GA2014"], B_WINDOW])
    add("A forged request (the right key, a wrong signature) with nonce N, then the client's genuine request with N: "
        "GA2012, then accepted, then its replay GA2014. A verifier that records N before checking the signature "
        "refuses the genuine request.", ["SCENARIO"],
        [(0, forged(start, VENDOR_NONCE), "forged, nonce N"), (1, req(start + 1, VENDOR_NONCE), "genuine, nonce N"),
         (2, req(start + 1, VENDOR_NONCE), "the genuine request replayed")],
        {"steps": [{"result": "invalid", "error": "GA2012"}, ok, {"result": "invalid", "error": "GA2014"}]},
        [B_GA["GA2012"], B_NONCE_ONCE, decision("H5")], hardened="NONCE_AFTER_SIGNATURE")
    add("A stale request with nonce N (GA2013), then a fresh genuine request with N: accepted; a request refused on "
        "its timestamp never authenticated, so it used no nonce.", ["SCENARIO"],
        [(0, req(start - 600, VENDOR_NONCE), "stale, nonce N"), (1, req(start + 1, VENDOR_NONCE), "fresh, nonce N")],
        {"steps": [{"result": "invalid", "error": "GA2013"}, ok]},
        [B_OLDER, B_NONCE_ONCE, decision("H5")], hardened="NONCE_AFTER_SIGNATURE")
    add("The same nonce under two API keys, each request genuine: the reference accepts both (nonces per key, H5).",
        ["SCENARIO", "REPLAY_SCOPE"],
        [(0, req(start, VENDOR_NONCE), "key 1, nonce N"),
         (1, req(start + 1, VENDOR_NONCE, api_key=KEY2, secret=SECRET2), "key 2, nonce N")],
        {"steps": [ok, {"result": "valid", "api_key": KEY2}]},
        [B_NONCE_ONCE, decision("H5")])
    add("A genuine request, its exact replay 300 s later (GA2013: stale), then a fresh request re-signed with the "
        "same nonce: the reference has forgotten the nonce (kept 2 x the window, H5) and accepts.",
        ["SCENARIO", "NONCE_RETENTION"],
        [(0, req(start, VENDOR_NONCE), "genuine"), (300, req(start, VENDOR_NONCE), "exact replay, stale"),
         (301, req(start + 301, VENDOR_NONCE), "fresh request, old nonce")],
        {"steps": [ok, {"result": "invalid", "error": "GA2013"}, ok]},
        [B_NONCE_ONCE, B_OLDER, decision("H5")])


def check_scenario(inp):
    """The generator's own verifier over every step, with a replay store kept across steps: a nonce is recorded
    once its request verified and kept 2 x the window."""
    window = inp.get("window_seconds", WINDOW)
    seen = []  # (api_key, nonce, keep_until)
    out = []
    last = 0
    for step in inp["steps"]:
        assert step["at"] >= last
        last = step["at"]
        now = inp["start"] + step["at"]
        state = {"nonces": [{"api_key": k, "nonce": n} for k, n, until in seen if now <= until]}
        one = {"request": step["request"], "now": now, "keys": inp["keys"], "state": state}
        for name in ("window_seconds", "client_ip"):
            if name in inp:
                one[name] = inp[name]
        try:
            got = check_verify(one)
        except Fail as e:
            out.append({"result": "invalid", "error": e.code})
            continue
        headers = {n.lower(): v.strip(" \t") for n, v in step["request"]["headers"]}
        seen.append((got["api_key"], headers["x-nonce"], now + 2 * window))
        out.append(dict({"result": "valid"}, **got))
    return {"steps": out}


def page_scenario(inp, r):
    """A page-following verifier over every step (recording a nonce when its request is accepted): the
    steps' answers, each `{"result": "valid", ...}` or `{"result": "invalid", "errors": {codes}}`."""
    used = []
    out = []
    for step in inp["steps"]:
        now = inp["start"] + step["at"]
        one = {"request": step["request"], "now": now, "keys": inp["keys"],
               "state": {"nonces": [{"api_key": k, "nonce": n} for k, n in used]}}
        for name in ("window_seconds", "client_ip"):
            if name in inp:
                one[name] = inp[name]
        kind, got = page_verify(one, r)
        if kind == "ok":
            headers = {n.lower(): v.strip(" \t") for n, v in step["request"]["headers"]}
            used.append((got["api_key"], headers["x-nonce"]))
            out.append(dict({"result": "valid"}, **got))
        else:
            out.append({"result": "invalid", "errors": got})
    return out


def build_all():
    assert_cross_checks()
    c = CaseList()
    add_sign_cases(c)
    add_verify_cases(c)
    add_error_response_cases(c)
    add_scenario_cases(c)
    add_parse_error_cases(c)
    used = []
    for case in c.cases:
        for f in case["flags"]:
            if f not in used:
                used.append(f)
    doc = {
        "scheme": SCHEME,
        "formatVersion": 3,
        "description": "The partner API's API key + HMAC-SHA256 authentication: signing (string to sign "
        "METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nBODY, Base64 HMAC-SHA256, the four headers), verifying a whole request "
        "against a key directory (secret, enabled flag, IP allow-list), a clock, a client address and a replay "
        "store with every GA20xx code and their precedence, and the vendor's JSON error envelope both ways.",
        "sources": [URL_AUTH, URL_QUICK, URL_ENDPOINTS, URL_ENVELOPE, URL_OVERVIEW, URL_RESPONSE_FORMAT,
                    URL_RFC2104, URL_RFC4231, URL_RFC4648, URL_RFC8259, URL_RFC9110, URL_RFC9112],
        "numberOfTests": len(c.cases),
        "flags": {f: FLAGS[f] for f in FLAGS if f in used},
        "decisions": DECISIONS,
        "hardened": HARDENED,
        "cases": c.cases,
    }
    self_check(doc)
    return {FILE_NAME: doc}


def render_doc(doc):
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the file on disk differs from what would be written")
    args = ap.parse_args(argv)
    docs = build_all()
    if args.check:
        stale = []
        for name, doc in docs.items():
            try:
                have = (VECTORS_DIR / name).read_bytes().decode("utf-8")
            except FileNotFoundError:
                have = None
            if have != render_doc(doc):
                stale.append(name)
        for name in stale:
            print(f"vectors/{name} differs from what generators/hmac_sha256.py would write", file=sys.stderr)
        return 1 if stale else 0
    for name, doc in docs.items():
        with open(VECTORS_DIR / name, "w", encoding="utf-8", newline="") as fh:
            fh.write(render_doc(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
