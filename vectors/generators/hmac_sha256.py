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

Before writing, the program asserts the vendor's published string to sign byte for
byte, checks HMAC-SHA256 against RFC 4231 test case 2, and runs a small verifier and
parser of its own over every case, so a generator bug fails loudly instead of landing
in a vector.

Standard library only (Python 3.11).
"""

import argparse
import base64
import hashlib
import hmac
import ipaddress
import json
import sys
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

URL_SPEC = "shared/specs/hmac-sha256-partner-api.txt (the vendor's 'Authentication Models' page)"
URL_RFC2104 = "https://www.rfc-editor.org/rfc/rfc2104"
URL_RFC4231 = "https://www.rfc-editor.org/rfc/rfc4231"
URL_RFC4648 = "https://www.rfc-editor.org/rfc/rfc4648"
URL_RFC9110 = "https://www.rfc-editor.org/rfc/rfc9110"

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
PRECEDENCE = ["GA2001", "GA2002", "GA2003", "GA2004", "GA2011", "GA2021", "GA2022", "GA2013", "GA2012", "GA2014"]
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


def valid(output):
    return {"result": "valid", "output": output}


def invalid(error, alternatives=None):
    e = {"result": "invalid", "error": error}
    if alternatives:
        e["alternatives"] = list(alternatives)
    return e


def acceptable_invalid(error):
    return {"result": "acceptable", "reference": "invalid", "error": error}


class CaseList:
    def __init__(self):
        self.cases = []
        self.counters = {}

    def add(self, op, comment, flags, inp, expect, withdrawn=False):
        n = self.counters.get(op, 0) + 1
        self.counters[op] = n
        case = {"id": f"{SCHEME}/{op}/{n:03d}", "op": op, "comment": comment, "flags": list(flags)}
        if withdrawn:
            case["withdrawn"] = True
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


def add_sign_cases(c):
    def ok(comment, flags, inp):
        c.add("sign", comment, flags, inp, valid(sign_output(inp)))

    ok(
        "The vendor's published example: GET /api/v1/partner/constants/countries, ts 1709337600, the example "
        "nonce, empty body; the string to sign ends in the \\n after the nonce (H2).",
        ["VENDOR_EXAMPLE", "EMPTY_BODY"],
        sign_input("GET", VENDOR_PATH, VENDOR_TS, VENDOR_NONCE),
    )
    ok("POST with a JSON body: the body bytes follow the last \\n as sent.", [],
       sign_input("POST", ORDERS, VENDOR_TS, NONCE2, ORDER_BODY.encode()))
    ok("PUT with a JSON body.", [],
       sign_input("PUT", ORDERS + "/42", VENDOR_TS + 1, NONCE3, b'{"quantity":3}'))
    ok("DELETE without a body leaves the trailing \\n (H2).", ["EMPTY_BODY"],
       sign_input("DELETE", ORDERS + "/42", VENDOR_TS, NONCE2))
    ok("The query string is not part of PATH (H1).", ["QUERY"],
       sign_input("GET", ORDERS + "?page=2&size=50", VENDOR_TS, NONCE2))
    ok("An empty query ('?' alone) is not part of PATH either (H1).", ["QUERY"],
       sign_input("GET", ORDERS + "?", VENDOR_TS, NONCE2))
    ok("Root path with a query: PATH is '/'.", ["QUERY"],
       sign_input("GET", "/?probe=1", VENDOR_TS, NONCE2))
    ok("A body that is not UTF-8 is signed as its raw bytes (H2); the string to sign travels as Base64.",
       ["BINARY_BODY"], sign_input("POST", ORDERS + "/upload", VENDOR_TS, NONCE2, BINARY_BODY))
    ok("A body with CR LF and LF inside is signed byte for byte, nothing normalised (H2).", ["LINE_ENDINGS"],
       sign_input("POST", ORDERS, VENDOR_TS, NONCE2, b'{\r\n  "sku": "A-100",\n  "quantity": 2\r\n}\n'))
    ok("A UTF-8 body with non-ASCII characters: its UTF-8 bytes are signed.", [],
       sign_input("POST", ORDERS, VENDOR_TS, NONCE2, '{"note":"café ☕ 寿司"}'.encode("utf-8")))
    ok("A 64 KiB body (the 16-byte pattern 0123456789abcdef x 4096): the string to sign is pinned by its "
       "SHA-256.", ["LARGE_BODY"],
       sign_input("POST", ORDERS + "/bulk", VENDOR_TS, NONCE2, large=True))
    ok("A 1 KiB body of one repeated byte.", [],
       sign_input("POST", ORDERS + "/bulk", VENDOR_TS, NONCE3, b"x" * 1024))
    ok("The method is signed as given (methods are case-sensitive, RFC 9110 9.1).", [],
       sign_input("PATCH", ORDERS + "/42", VENDOR_TS, NONCE2, b'{"status":"cancelled"}'))
    ok("Percent-encoding in the path is signed verbatim, never decoded.", ["PATH_VERBATIM"],
       sign_input("GET", "/api/v1/partner/search/caf%C3%A9%20bar", VENDOR_TS, NONCE2))
    ok("A trailing slash is kept.", ["PATH_VERBATIM"],
       sign_input("GET", ORDERS + "/", VENDOR_TS, NONCE2))
    ok("A nonce that is not a UUID is signed as given (the page only recommends UUIDs).", [],
       sign_input("GET", VENDOR_PATH, VENDOR_TS, "n-0001_custom.nonce~"))
    ok("Timestamp 0 is decimal '0'.", [],
       sign_input("GET", VENDOR_PATH, 0, VENDOR_NONCE))
    ok("A secret with non-ASCII characters: its UTF-8 bytes are the HMAC key.", ["SECRET_BYTES"],
       sign_input("GET", VENDOR_PATH, VENDOR_TS, VENDOR_NONCE, secret=SECRET_UTF8))
    ok("A 100-byte secret: longer than the SHA-256 block, HMAC hashes it first (RFC 2104).", ["SECRET_BYTES"],
       sign_input("GET", VENDOR_PATH, VENDOR_TS, VENDOR_NONCE, secret=SECRET_LONG))
    ok("Another API key and secret.", [],
       sign_input("POST", ORDERS, VENDOR_TS + 3600, NONCE3, ORDER_BODY.encode(), api_key=KEY2, secret=SECRET2))
    ok("A body that is only a newline.", [],
       sign_input("POST", ORDERS, VENDOR_TS, NONCE2, b"\n"))

    def err(comment, inp, code):
        c.add("sign", comment, ["SIGNER_INPUT"], inp, invalid(code))

    err("A nonce with a space is refused: it must be 1-128 visible ASCII (H-HEADERS).",
        sign_input("GET", VENDOR_PATH, VENDOR_TS, "a nonce"), "MALFORMED_NONCE")
    err("A nonce with a line feed would make the string to sign ambiguous: refused.",
        sign_input("GET", VENDOR_PATH, VENDOR_TS, "abc\ndef"), "MALFORMED_NONCE")
    err("An empty nonce is refused.", sign_input("GET", VENDOR_PATH, VENDOR_TS, ""), "MALFORMED_NONCE")
    err("A 129-character nonce is refused.", sign_input("GET", VENDOR_PATH, VENDOR_TS, "n" * 129), "MALFORMED_NONCE")
    err("A method with a space is not an HTTP token.", sign_input("GE T", VENDOR_PATH, VENDOR_TS, VENDOR_NONCE),
        "MALFORMED_METHOD")
    err("A target that does not start with '/' is refused.",
        sign_input("GET", "api/v1/partner/orders", VENDOR_TS, VENDOR_NONCE), "MALFORMED_TARGET")
    err("A target with a line feed is refused.",
        sign_input("GET", "/api/v1/partner\n/orders", VENDOR_TS, VENDOR_NONCE), "MALFORMED_TARGET")
    err("A negative timestamp cannot be written as decimal Unix seconds.",
        sign_input("GET", VENDOR_PATH, -1, VENDOR_NONCE), "MALFORMED_TIMESTAMP")
    err("An empty secret is refused.", sign_input("GET", VENDOR_PATH, VENDOR_TS, VENDOR_NONCE, secret=""),
        "EMPTY_SECRET")
    err("An empty API key is refused.", sign_input("GET", VENDOR_PATH, VENDOR_TS, VENDOR_NONCE, api_key=""),
        "MALFORMED_API_KEY")
    # A 129-character nonce above pins the upper bound; 128 is still fine:
    ok("A 128-character nonce is the longest accepted.", [],
       sign_input("GET", VENDOR_PATH, VENDOR_TS, "n" * 128))


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

    def add(comment, flags, inp, expect):
        c.add("verify", comment, flags, inp, expect)

    base = good()
    add("The vendor's example request, correctly signed, at the server time it names.", ["VENDOR_EXAMPLE"],
        verify_input(request("GET", VENDOR_PATH, base), now), ok_out)
    h = good("POST", ORDERS, body=ORDER_BODY.encode(), nonce=NONCE2)
    add("POST with a JSON body, correctly signed.", [],
        verify_input(request("POST", ORDERS, h, ORDER_BODY.encode()), now), ok_out)

    # Window edges (H4): ts - now in {-61, -60, -59, +59, +60, +61}.
    for skew in (-59, -60, -61, 59, 60, 61):
        inside = abs(skew) <= WINDOW
        when = "in the past" if skew < 0 else "in the future"
        add(f"X-Timestamp {abs(skew)} s {when}: " + ("inside the inclusive ±60 s window (H4)." if inside
                                                      else "outside the ±60 s window (H4)."),
            ["WINDOW_EDGE"], verify_input(request("GET", VENDOR_PATH, base), now - skew),
            ok_out if inside else invalid("GA2013"))

    # Missing headers, one at a time (GA2001-GA2004).
    for name, code in (("X-Api-Key", "GA2001"), ("Authorization", "GA2002"), ("X-Timestamp", "GA2003"),
                       ("X-Nonce", "GA2004")):
        add(f"No {name} header: {code}.", ["MISSING_HEADER"],
            verify_input(request("GET", VENDOR_PATH, drop_header(base, name)), now), invalid(code))
    for name, code in (("X-Api-Key", "GA2001"), ("Authorization", "GA2002"), ("X-Timestamp", "GA2003"),
                       ("X-Nonce", "GA2004")):
        add(f"An empty {name} value counts as missing: {code} (H-HEADERS).", ["MISSING_HEADER"],
            verify_input(request("GET", VENDOR_PATH, replace_header(base, name, "")), now), invalid(code))

    add("Header names are case-insensitive (RFC 9110 5.1): lowercase names verify.", ["HEADER_FORM"],
        verify_input(request("GET", VENDOR_PATH, [[n.lower(), v] for n, v in base]), now), ok_out)
    add("Header values lose surrounding spaces and tabs (RFC 9110 optional whitespace).", ["HEADER_FORM"],
        verify_input(request("GET", VENDOR_PATH, [[n, " " + v + "\t"] for n, v in base]), now), ok_out)
    add("Headers in another order verify the same.", ["HEADER_FORM"],
        verify_input(request("GET", VENDOR_PATH, list(reversed(base))), now), ok_out)
    add("A duplicated X-Nonce with two values is refused as unusable: GA2004 (H-HEADERS).", ["DUPLICATE_HEADER"],
        verify_input(request("GET", VENDOR_PATH, base + [["X-Nonce", NONCE2]]), now),
        invalid("GA2004", ["GA2012"]))
    add("A duplicated Authorization is refused as unusable: GA2002 (H-HEADERS).", ["DUPLICATE_HEADER"],
        verify_input(request("GET", VENDOR_PATH, base + [["Authorization", base[3][1]]]), now),
        invalid("GA2002", ["GA2012"]))

    # Key directory: GA2011, GA2021, GA2022.
    h = good(api_key="pk_live_unknown0000", secret=SECRET)
    add("An API key the directory does not hold: GA2011.", [], verify_input(request("GET", VENDOR_PATH, h), now),
        invalid("GA2011"))
    h = good(api_key=KEY.upper(), secret=SECRET)
    add("API keys match exactly: the right key in upper case is unknown, GA2011.", [],
        verify_input(request("GET", VENDOR_PATH, h), now), invalid("GA2011"))
    h = good(api_key=KEY_OFF, secret=SECRET_OFF)
    add("A disabled key, otherwise correctly signed: GA2021 (HTTP 403).", [],
        verify_input(request("GET", VENDOR_PATH, h), now), invalid("GA2021"))
    h = good(api_key=KEY_IP, secret=SECRET_IP)
    ip_ok = valid({"api_key": KEY_IP})
    add("An IP-restricted key called from inside its /24 block.", ["IP_ALLOWLIST"],
        verify_input(request("GET", VENDOR_PATH, h), now, client_ip="203.0.113.77"), ip_ok)
    add("An IP-restricted key called from its single listed address.", ["IP_ALLOWLIST"],
        verify_input(request("GET", VENDOR_PATH, h), now, client_ip="198.51.100.7"), ip_ok)
    add("An IP-restricted key called from inside its IPv6 /48.", ["IP_ALLOWLIST"],
        verify_input(request("GET", VENDOR_PATH, h), now, client_ip="2001:db8:10:ffff::1"), ip_ok)
    add("An IPv4-mapped IPv6 client address counts as its IPv4 address.", ["IP_ALLOWLIST"],
        verify_input(request("GET", VENDOR_PATH, h), now, client_ip="::ffff:203.0.113.5"), ip_ok)
    add("An IP-restricted key called from outside its list: GA2022 (HTTP 403).", ["IP_ALLOWLIST"],
        verify_input(request("GET", VENDOR_PATH, h), now, client_ip="198.51.100.8"), invalid("GA2022"))
    add("An IP-restricted key with the client address unknown is refused, fail closed (H-IP).", ["IP_ALLOWLIST"],
        verify_input(request("GET", VENDOR_PATH, h), now), invalid("GA2022"))
    add("A key without an allow-list may be used from any address (H-IP).", ["IP_ALLOWLIST"],
        verify_input(request("GET", VENDOR_PATH, base), now, client_ip="192.0.2.200"), ok_out)

    # Tampering: GA2012.
    h = good(secret=SECRET2)
    add("Signed with another key's secret: GA2012.", ["TAMPER"], verify_input(request("GET", VENDOR_PATH, h), now),
        invalid("GA2012"))
    h = good("POST", ORDERS, body=ORDER_BODY.encode(), nonce=NONCE2)
    add("The body changed after signing: GA2012.", ["TAMPER"],
        verify_input(request("POST", ORDERS, h, b'{"sku":"A-100","quantity":20}'), now), invalid("GA2012"))
    add("The path changed after signing: GA2012.", ["TAMPER"],
        verify_input(request("POST", ORDERS + "/admin", h, ORDER_BODY.encode()), now), invalid("GA2012"))
    add("The method changed after signing: GA2012.", ["TAMPER"],
        verify_input(request("PUT", ORDERS, h, ORDER_BODY.encode()), now), invalid("GA2012"))
    add("A body added to a request signed without one: GA2012 (the empty body is signed too).", ["TAMPER"],
        verify_input(request("GET", VENDOR_PATH, base, b"x"), now), invalid("GA2012"))
    add("X-Timestamp changed after signing (still inside the window): GA2012.", ["TAMPER"],
        verify_input(request("GET", VENDOR_PATH, replace_header(base, "X-Timestamp", str(VENDOR_TS + 1))), now),
        invalid("GA2012"))
    add("X-Nonce changed after signing: GA2012.", ["TAMPER"],
        verify_input(request("GET", VENDOR_PATH, replace_header(base, "X-Nonce", NONCE3)), now),
        invalid("GA2012"))
    add("The method sent in lower case when the client signed it in upper case: GA2012.", ["TAMPER"],
        verify_input(request("get", VENDOR_PATH, base), now), invalid("GA2012"))
    h = good(target="/api/v1/partner/search/café", sign_target="/api/v1/partner/search/café")
    add("Signed over the decoded path but sent percent-encoded: GA2012 (the path is signed verbatim).",
        ["PATH_VERBATIM"], verify_input(request("GET", "/api/v1/partner/search/caf%C3%A9", h), now),
        invalid("GA2012"))
    add("The query changed after signing: still valid, the query is not signed (H1). Do not mistake it for "
        "protection.", ["BY_DESIGN", "QUERY"],
        verify_input(request("GET", VENDOR_PATH + "?region=EU", good(target=VENDOR_PATH + "?region=US")), now),
        ok_out)

    # Signature encodings (H3, H6).
    nonce_b, hb = find_nonce_with_b64_specials()
    sig = hb[3][1].split(" ", 1)[1]
    add("A correct signature whose Base64 holds '+' and '/', sent in standard Base64.", ["SIGNATURE_ENCODING"],
        verify_input(request("GET", VENDOR_PATH, hb), now), ok_out)
    urlsafe = sig.replace("+", "-").replace("/", "_")
    add("The same signature in the URL-safe alphabet: GA2012 (H3).", ["SIGNATURE_ENCODING"],
        verify_input(request("GET", VENDOR_PATH, replace_header(hb, "Authorization", "HMAC-SHA256 " + urlsafe)), now),
        invalid("GA2012"))
    add("The signature without its '=' padding: the reference refuses with GA2012 (H3); RFC 4648 3.2 lets a "
        "profile drop padding.", ["UNPADDED_BASE64"],
        verify_input(request("GET", VENDOR_PATH, replace_header(hb, "Authorization", "HMAC-SHA256 " + sig.rstrip("="))),
                     now), acceptable_invalid("GA2012"))
    add("The scheme token in lower case: the reference refuses with GA2012 (H6); RFC 9110 11.1 makes scheme "
        "tokens case-insensitive.", ["SCHEME_CASE"],
        verify_input(request("GET", VENDOR_PATH, replace_header(base, "Authorization",
                                                                "hmac-sha256 " + base[3][1].split(" ", 1)[1])), now),
        acceptable_invalid("GA2012"))
    add("Two spaces after the scheme token: GA2012 (H6).", ["SIGNATURE_ENCODING"],
        verify_input(request("GET", VENDOR_PATH, replace_header(base, "Authorization",
                                                                "HMAC-SHA256  " + base[3][1].split(" ", 1)[1])), now),
        invalid("GA2012"))
    add("The bare signature without the scheme token: GA2012 (H6).", ["SIGNATURE_ENCODING"],
        verify_input(request("GET", VENDOR_PATH, replace_header(base, "Authorization", base[3][1].split(" ", 1)[1])),
                     now), invalid("GA2012"))
    mac_hex = base64.b64decode(base[3][1].split(" ", 1)[1]).hex()
    add("The right MAC in hex instead of Base64: GA2012 (H3).", ["SIGNATURE_ENCODING"],
        verify_input(request("GET", VENDOR_PATH, replace_header(base, "Authorization", "HMAC-SHA256 " + mac_hex)), now),
        invalid("GA2012"))
    trunc = b64(base64.b64decode(base[3][1].split(" ", 1)[1])[:16])
    add("The MAC truncated to 16 bytes: GA2012 (the full 32 bytes are compared).", ["SIGNATURE_ENCODING"],
        verify_input(request("GET", VENDOR_PATH, replace_header(base, "Authorization", "HMAC-SHA256 " + trunc)), now),
        invalid("GA2012"))
    xs = drop_header(base, "Authorization") + [["X-Signature", base[3][1].split(" ", 1)[1]]]
    add("The signature in X-Signature (the header GA2002's text names) instead of Authorization: the reference "
        "reads only Authorization and answers GA2002 (H6).", ["SIGNATURE_ALIAS"],
        verify_input(request("GET", VENDOR_PATH, xs), now), acceptable_invalid("GA2002"))
    h = good(target=ORDERS + "?page=2", sign_target=ORDERS + "?page=2")
    h = replace_header(h, "Authorization", "HMAC-SHA256 " + signature(
        SECRET, string_to_sign("GET", ORDERS + "?page=2", str(VENDOR_TS), VENDOR_NONCE, b"")))
    add("A client that signed the query as part of PATH: the reference refuses with GA2012 (H1); the page's PATH "
        "does not say.", ["QUERY_SIGNED"],
        verify_input(request("GET", ORDERS + "?page=2", h), now), acceptable_invalid("GA2012"))
    hexbody = hashlib.sha256(ORDER_BODY.encode()).hexdigest().encode()
    h = good("POST", ORDERS, body=ORDER_BODY.encode(), sign_body=hexbody)
    add("A client that signed SHA-256-hex of the body (a sibling document's scheme) instead of the raw body: "
        "GA2012 (H2).", ["TAMPER"],
        verify_input(request("POST", ORDERS, h, ORDER_BODY.encode()), now), invalid("GA2012"))

    # Bodies.
    h = good("POST", ORDERS + "/upload", body=BINARY_BODY, nonce=NONCE2)
    add("A body that is not UTF-8, signed as raw bytes (H2).", ["BINARY_BODY"],
        verify_input(request("POST", ORDERS + "/upload", h, BINARY_BODY), now), ok_out)
    large = (LARGE_PATTERN * LARGE_REPEAT).encode()
    h = good("POST", ORDERS + "/bulk", body=large, nonce=NONCE2)
    add("A 64 KiB body, correctly signed.", ["LARGE_BODY"],
        verify_input(request("POST", ORDERS + "/bulk", h, large=True), now), ok_out)
    add("The 64 KiB body with the signature of another body: GA2012.", ["LARGE_BODY", "TAMPER"],
        verify_input(request("POST", ORDERS + "/bulk", good("POST", ORDERS + "/bulk", body=large[:-1],
                                                            nonce=NONCE2), large=True), now), invalid("GA2012"))

    # Replay (GA2014).
    add("The nonce was already used with this API key inside the window: GA2014.", ["REPLAY"],
        verify_input(request("GET", VENDOR_PATH, base), now, state=[(KEY, VENDOR_NONCE)]), invalid("GA2014"))
    add("The same nonce used before with another API key: accepted, nonces are per key (H5).", ["REPLAY"],
        verify_input(request("GET", VENDOR_PATH, base), now, state=[(KEY2, VENDOR_NONCE)]), ok_out)
    add("A replayed nonce with a wrong signature: GA2012, because a nonce is checked only after the signature "
        "(H5).", ["REPLAY", "MULTI_FAULT"],
        verify_input(request("GET", VENDOR_PATH, good(secret=SECRET2)), now, state=[(KEY, VENDOR_NONCE)]),
        invalid("GA2012", ["GA2014"]))
    add("A replayed nonce outside the window: GA2013 comes first (H5).", ["REPLAY", "MULTI_FAULT"],
        verify_input(request("GET", VENDOR_PATH, base), now + 61, state=[(KEY, VENDOR_NONCE)]),
        invalid("GA2013", ["GA2014"]))

    # Malformed values.
    for value, comment in (
        ("1709337600.5", "a fractional timestamp"),
        ("-1709337600", "a signed timestamp"),
        ("+1709337600", "a timestamp with a plus sign"),
        ("2024-03-02T00:00:00Z", "an ISO 8601 date"),
    ):
        h = replace_header(base, "X-Timestamp", value)
        add(f"X-Timestamp is {comment}: GA2013 (H4; GA2003 defensible).", ["MALFORMED_TIMESTAMP"],
            verify_input(request("GET", VENDOR_PATH, h), now), invalid("GA2013", ["GA2003"]))
    h = good(ts=VENDOR_TS * 1000)
    add("Milliseconds instead of seconds, correctly signed: far outside the window, GA2013.", ["MALFORMED_TIMESTAMP"],
        verify_input(request("GET", VENDOR_PATH, h), now), invalid("GA2013"))
    h = replace_header(base, "X-Nonce", "two words")
    add("A nonce with a space is not usable: GA2004 (H-HEADERS).", ["MALFORMED_NONCE"],
        verify_input(request("GET", VENDOR_PATH, h), now), invalid("GA2004", ["GA2012"]))
    h = good(nonce="n" * 129)
    add("A 129-character nonce is not usable: GA2004 (H-HEADERS).", ["MALFORMED_NONCE"],
        verify_input(request("GET", VENDOR_PATH, h), now), invalid("GA2004"))

    # Multi-fault precedence (H5).
    def multi(comment, headers, expect, client_ip=None, at=now, method="GET", target=VENDOR_PATH, body=b""):
        add(comment + " (H5).", ["MULTI_FAULT"], verify_input(request(method, target, headers, body), at,
                                                               client_ip=client_ip), expect)

    multi("No X-Api-Key and no Authorization: GA2001 first",
          drop_header(drop_header(base, "X-Api-Key"), "Authorization"), invalid("GA2001", ["GA2002"]))
    multi("No Authorization and no X-Nonce: GA2002 first",
          drop_header(drop_header(base, "Authorization"), "X-Nonce"), invalid("GA2002", ["GA2004"]))
    multi("No X-Timestamp and a wrong signature: GA2003 first",
          drop_header(good(secret=SECRET2), "X-Timestamp"), invalid("GA2003", ["GA2012"]))
    multi("No X-Nonce and an unknown API key: GA2004 first",
          drop_header(good(api_key="pk_live_unknown0000"), "X-Nonce"), invalid("GA2004", ["GA2011"]))
    multi("An unknown API key and a stale timestamp: GA2011 first",
          good(api_key="pk_live_unknown0000"), invalid("GA2011", ["GA2013"]), at=now + 3600)
    multi("A disabled key and a wrong signature: GA2021 first",
          good(api_key=KEY_OFF, secret=SECRET), invalid("GA2021", ["GA2012"]))
    multi("A disabled key with a stale timestamp: GA2021 first",
          good(api_key=KEY_OFF, secret=SECRET_OFF), invalid("GA2021", ["GA2013"]), at=now - 120)
    multi("A client IP outside the allow-list and a stale timestamp: GA2022 first",
          good(api_key=KEY_IP, secret=SECRET_IP), invalid("GA2022", ["GA2013"]), client_ip="192.0.2.1",
          at=now + 600)
    multi("A client IP outside the allow-list and a wrong signature: GA2022 first",
          good(api_key=KEY_IP, secret=SECRET), invalid("GA2022", ["GA2012"]), client_ip="192.0.2.1")
    multi("A stale timestamp and a wrong signature: GA2013 first",
          good(secret=SECRET2), invalid("GA2013", ["GA2012"]), at=now + 61)
    multi("A malformed timestamp and a URL-safe signature: GA2013 first",
          replace_header(replace_header(hb, "X-Timestamp", "soon"), "Authorization", "HMAC-SHA256 " + urlsafe),
          invalid("GA2013", ["GA2003", "GA2012"]))
    multi("Every fault at once (no X-Api-Key, no X-Nonce, stale, wrong signature): GA2001 first",
          drop_header(drop_header(good(secret=SECRET2), "X-Api-Key"), "X-Nonce"),
          invalid("GA2001", ["GA2004", "GA2013", "GA2012"]), at=now + 3600)

    # Configuration.
    add("A verifier configured with a ±300 s window accepts a 200 s skew.", ["WINDOW_EDGE"],
        verify_input(request("GET", VENDOR_PATH, base), now + 200, window=300), ok_out)
    h = good(secret=SECRET_UTF8, api_key=KEY2)
    add("A secret with non-ASCII characters: its UTF-8 bytes are the key.", ["SECRET_BYTES"],
        verify_input(request("GET", VENDOR_PATH, h), now, keys=[key_entry(KEY2, SECRET_UTF8)]), valid({"api_key": KEY2}))


def add_error_response_cases(c):
    ts_ms = VENDOR_TS * 1000 + 123
    for code, message, status in VENDOR_CODES:
        body = json.dumps({"version": "2.0.0", "timestamp": ts_ms, "success": False, "code": code,
                           "message": message, "data": None}, separators=(",", ":"), ensure_ascii=False)
        c.add("error-response", f"{code}: HTTP {status} with the vendor's envelope and wording (H7).", ["ENVELOPE"],
              {"code": code, "timestamp_ms": ts_ms}, valid({"status": status, "body": body}))
    c.add("error-response", "A code the vendor does not list is refused.", ["ENVELOPE"],
          {"code": "GA2999", "timestamp_ms": ts_ms}, invalid("UNKNOWN_CODE"))
    c.add("error-response", "Codes are case-sensitive: 'ga2012' is not a vendor code.", ["ENVELOPE"],
          {"code": "ga2012", "timestamp_ms": ts_ms}, invalid("UNKNOWN_CODE"))


def add_parse_error_cases(c):
    def ok(comment, body, code, message, version, timestamp, data=None):
        c.add("parse-error", comment, ["ENVELOPE"], {"body": body},
              valid({"code": code, "message": message, "version": version, "timestamp": timestamp, "data": data}))

    def bad(comment, inp):
        c.add("parse-error", comment, ["ENVELOPE"], inp, invalid("MALFORMED_ERROR_RESPONSE"))

    ok("The vendor's documented envelope.",
       '{"version":"2.0.0","timestamp":1709337600123,"success":false,"code":"GA2012",'
       '"message":"Signature verification failed","data":null}',
       "GA2012", "Signature verification failed", "2.0.0", 1709337600123)
    ok("Pretty-printed, members in another order, with unknown members ignored.",
       '{\n  "code": "GA2013",\n  "success": false,\n  "traceId": "abc",\n  "message": "Timestamp outside validity '
       'window",\n  "data": null,\n  "timestamp": 1709337600000,\n  "version": "2.0.0"\n}',
       "GA2013", "Timestamp outside validity window", "2.0.0", 1709337600000)
    ok("A code the vendor does not list is kept as it is (forward compatible).",
       '{"success":false,"code":"GA2999","message":"Something new"}', "GA2999", "Something new", None, None)
    ok("Absent version, timestamp, message and data read as null / empty.",
       '{"success":false,"code":"GA2001"}', "GA2001", "", None, None)
    ok("A null message reads as empty.", '{"success":false,"code":"GA2014","message":null}', "GA2014", "", None, None)
    ok("data carries any JSON value.",
       '{"success":false,"code":"GA2022","message":"IP not in whitelist","data":{"ip":"192.0.2.1","allowed":[]}}',
       "GA2022", "IP not in whitelist", None, None, {"ip": "192.0.2.1", "allowed": []})
    ok("A negative timestamp is still an integer.", '{"success":false,"code":"GA2013","timestamp":-5}', "GA2013", "",
       None, -5)
    ok("A duplicated member takes its last value.", '{"success":false,"code":"GA2011","code":"GA2012"}', "GA2012",
       "", None, None)
    ok("Non-ASCII text in message (JSON escapes decoded).",
       '{"success":false,"code":"GA2012","message":"Signatur ung\\u00fcltig \u2013 bitte pr\u00fcfen"}',
       "GA2012", "Signatur ungültig – bitte prüfen", None, None)
    bad("success true is not an error envelope.", {"body": '{"success":true,"code":"GA2012","message":"x"}'})
    bad("No success member.", {"body": '{"code":"GA2012","message":"x"}'})
    bad("success as the string \"false\" is not the boolean.", {"body": '{"success":"false","code":"GA2012"}'})
    bad("No code member.", {"body": '{"success":false,"message":"x"}'})
    bad("An empty code.", {"body": '{"success":false,"code":""}'})
    bad("code as a number.", {"body": '{"success":false,"code":2012}'})
    bad("message as a number.", {"body": '{"success":false,"code":"GA2012","message":401}'})
    bad("version as a number.", {"body": '{"success":false,"code":"GA2012","version":2}'})
    bad("A fractional timestamp.", {"body": '{"success":false,"code":"GA2012","timestamp":1709337600.5}'})
    bad("A timestamp beyond the 64-bit signed range.",
        {"body": '{"success":false,"code":"GA2012","timestamp":9223372036854775808}'})
    bad("A timestamp as a boolean.", {"body": '{"success":false,"code":"GA2012","timestamp":true}'})
    bad("A timestamp as a string.", {"body": '{"success":false,"code":"GA2012","timestamp":"1709337600000"}'})
    bad("A JSON array is not an envelope.", {"body": '[{"success":false,"code":"GA2012"}]'})
    bad("Not JSON at all (an HTML error page).", {"body": "<html><body>401 Unauthorized</body></html>"})
    bad("An empty body.", {"body": ""})
    bad("Bytes that are not UTF-8.", {"body_base64": b64(b'{"success":false,"code":"GA20\xff12"}')})
    bad("Trailing garbage after the object.", {"body": '{"success":false,"code":"GA2012"} x'})


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
            "parse-error": check_parse_error}

ACCEPTABLE_FLAGS = {"QUERY_SIGNED", "UNPADDED_BASE64", "SCHEME_CASE", "SIGNATURE_ALIAS"}


def self_check(doc):
    ids = set()
    for case in doc["cases"]:
        cid = case["id"]
        assert cid not in ids, cid
        ids.add(cid)
        assert cid.startswith(f"{SCHEME}/{case['op']}/"), cid
        for f in case["flags"]:
            assert f in doc["flags"], (cid, f)
        assert case["comment"].endswith(".") and "\n" not in case["comment"], cid
        exp = case["expect"]
        if exp["result"] == "acceptable":
            assert any(f in ACCEPTABLE_FLAGS for f in case["flags"]), cid
        for alt in exp.get("alternatives", []):
            # An alternative is a code the request really also deserves: later in H5 order.
            assert PRECEDENCE.index(alt) > PRECEDENCE.index(exp["error"]) or alt == "GA2003", (cid, alt)
        try:
            got = ("ok", CHECKERS[case["op"]](case["input"]))
        except Fail as e:
            got = ("err", e.code)
        if exp["result"] == "valid":
            want = ("ok", exp["output"])
        else:
            want = ("err", exp["error"])
        if got != want:
            raise AssertionError(f"{cid}: generator checker gives {got!r}, case says {want!r}")


# ----------------------------------------------------------------------------
# The file
# ----------------------------------------------------------------------------

FLAGS = {
    "VENDOR_EXAMPLE": "The vendor page's own example request (GET /api/v1/partner/constants/countries, ts 1709337600, "
    "nonce 550e8400-e29b-41d4-a716-446655440000, empty body). The page publishes the string to sign but no "
    "secret/signature pair, so the secret here is invented.",
    "EMPTY_BODY": "An empty body leaves the string to sign ending in the \\n after NONCE (H2).",
    "QUERY": "The request target has a query string; PATH stops before '?' (H1).",
    "BINARY_BODY": "The body is not UTF-8: it travels as body_base64 and the string to sign as string_to_sign_base64.",
    "LINE_ENDINGS": "CR and LF inside the body are signed as they are; nothing normalises them.",
    "LARGE_BODY": "A 64 KiB body given as body_pattern repeated body_repeat times; a sign case pins "
    "string_to_sign_sha256 (the lowercase hex SHA-256 of the string to sign) instead of the 64 KiB text.",
    "PATH_VERBATIM": "The path is signed as sent: no percent-decoding, no normalisation, trailing slash kept.",
    "SECRET_BYTES": "The HMAC key is the secret string's UTF-8 bytes (as the vendor's quickstart does).",
    "SIGNER_INPUT": "The signer refuses input that cannot produce an unambiguous, sendable request.",
    "WINDOW_EDGE": "|now - X-Timestamp| <= window is accepted, in both directions; the edge is inclusive (H4).",
    "MISSING_HEADER": "One of the four required headers is absent or empty (GA2001-GA2004).",
    "HEADER_FORM": "Header names are case-insensitive and values lose optional whitespace (RFC 9110).",
    "DUPLICATE_HEADER": "A required header appears twice: the verifier cannot tell which was meant (H-HEADERS).",
    "IP_ALLOWLIST": "The key's IP whitelist (GA2022); the verify input's client_ip is the connecting address.",
    "TAMPER": "The request differs from what was signed, or was signed under a misreading: GA2012.",
    "BY_DESIGN": "The scheme does not protect this part of the request; the case pins that so nobody mistakes it "
    "for protection.",
    "SIGNATURE_ENCODING": "The Authorization value is not exactly `HMAC-SHA256 <standard padded Base64 of 32 bytes>` "
    "(H3, H6).",
    "UNPADDED_BASE64": "Acceptable: the signature without '=' padding. The reference refuses (H3: standard Base64 "
    "with padding); RFC 4648 3.2 lets a specification omit padding, and lenient decoders accept it.",
    "SCHEME_CASE": "Acceptable: the scheme token in another case. The reference matches `HMAC-SHA256` exactly (H6, "
    "as the page writes it); RFC 9110 11.1 makes auth-scheme tokens case-insensitive.",
    "SIGNATURE_ALIAS": "Acceptable: the signature sent as X-Signature, the header GA2002's text names. The reference "
    "reads only Authorization, as the header table documents, and answers GA2002 (H6); a verifier that takes "
    "X-Signature as an alias also conforms.",
    "QUERY_SIGNED": "Acceptable: the client put the query in PATH. The reference refuses with GA2012 (H1: PATH is "
    "the path alone); the page never says whether PATH includes the query.",
    "REPLAY": "The verifier's state already holds nonces; nonces are per API key (H5).",
    "MULTI_FAULT": "Several faults at once: `error` is the first in H5 order; `alternatives` lists the other codes "
    "the request also deserves, which grade as acceptable.",
    "MALFORMED_TIMESTAMP": "X-Timestamp is not decimal Unix seconds: GA2013, with GA2003 as the alternative (H4).",
    "MALFORMED_NONCE": "X-Nonce is present but not 1-128 visible ASCII characters: counted as missing, GA2004 "
    "(H-HEADERS).",
    "ENVELOPE": "The vendor's JSON error envelope and the HTTP status of each code (H7).",
}

DECISIONS = {
    "H1": "PATH is the request target up to the first '?', verbatim (no percent-decoding, no normalisation) and "
    "without any mount prefix. Changing the query after signing leaves the signature valid (BY_DESIGN); a client "
    "that signed the query fails with GA2012 (acceptable: QUERY_SIGNED).",
    "H2": "BODY is the raw bytes sent, whatever their encoding; an empty body leaves the trailing \\n after NONCE.",
    "H3": "The signature is standard Base64 (RFC 4648 section 4, '+/' alphabet) with padding of the 32-byte MAC; the "
    "URL-safe alphabet, hex, truncation or another length is GA2012; missing padding is GA2012 in the reference "
    "(acceptable: UNPADDED_BASE64). The MAC is compared in constant time.",
    "H4": "X-Timestamp is 1-18 ASCII digits of Unix seconds; |now - ts| <= window (60 s) is accepted, so +-60 passes "
    "and +-61 fails, future timestamps included; a malformed value is GA2013 (GA2003 an alternative).",
    "H5": "Checks in this order, the first failure answered: GA2001, GA2002, GA2003, GA2004 (missing), GA2011, "
    "GA2021, GA2022, GA2013, GA2012, GA2014. A nonce is recorded per API key, only after the signature verified, "
    "and kept at least 2 x the window. Multi-fault cases list the other codes as alternatives.",
    "H6": "`Authorization: HMAC-SHA256 <sig>` exactly: the scheme token case-sensitive, one space. X-Signature is not "
    "read by the reference (acceptable: SIGNATURE_ALIAS).",
    "H7": "Errors answer 401 for GA200x and GA201x, 403 for GA2021 and GA2022, with the body "
    "{\"version\":\"2.0.0\",\"timestamp\":<ms>,\"success\":false,\"code\":...,\"message\":...,\"data\":null} "
    "(compact JSON, members in that order, the page's wording as message). Parsing: success must be false, code a "
    "non-empty string, message a string or null, version a string or null, timestamp an integer in the signed "
    "64-bit range or null, data anything; unknown members are ignored; a duplicated member takes its last value.",
    "H8": "The replay store is bounded; when full it refuses the request rather than forget a nonce still inside "
    "its window. Not expressible as a vector (it depends on the store's size); tested in the crate.",
    "H-HEADERS": "An empty, absent or duplicated X-Api-Key, Authorization, X-Timestamp or X-Nonce answers that "
    "header's GA200x code. A nonce must be 1-128 visible ASCII characters (so no separator can hide in it); "
    "otherwise GA2004. Header names match case-insensitively, values lose surrounding spaces and tabs.",
    "H-IP": "A key with no allow-list is usable from any address; with one (addresses or CIDR blocks), only from a "
    "listed address; an IPv4-mapped IPv6 address counts as IPv4; an unknown client address is refused (GA2022).",
    "H-SIGN": "The signer refuses a method that is not an HTTP token, a target not starting with '/' or holding "
    "spaces or control characters, a nonce that is not 1-128 visible ASCII, a negative timestamp, an empty secret "
    "and an API key that is not 1-256 visible ASCII.",
}


def build_all():
    assert_cross_checks()
    c = CaseList()
    add_sign_cases(c)
    add_verify_cases(c)
    add_error_response_cases(c)
    add_parse_error_cases(c)
    used = []
    for case in c.cases:
        for f in case["flags"]:
            if f not in used:
                used.append(f)
    doc = {
        "scheme": SCHEME,
        "formatVersion": 1,
        "description": "The partner API's API key + HMAC-SHA256 authentication: signing (string to sign "
        "METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nBODY, Base64 HMAC-SHA256, the four headers), verifying a whole request "
        "against a key directory (secret, enabled flag, IP allow-list), a clock, a client address and a replay "
        "store with every GA20xx code and their precedence, and the vendor's JSON error envelope both ways.",
        "sources": [URL_SPEC, URL_RFC2104, URL_RFC4231, URL_RFC4648, URL_RFC9110],
        "flags": {f: FLAGS[f] for f in FLAGS if f in used},
        "decisions": DECISIONS,
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
