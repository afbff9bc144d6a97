"""Partner API with API key + HMAC-SHA256 (slug ``hmac-sha256``).

Written from the vendor's "Authentication Models" page and the project's decisions
H1-H8 (with H-HEADERS, H-IP, H-SIGN). Every request to ``/api/v1/partner/**``
carries ``X-Api-Key``, ``Authorization: HMAC-SHA256 <signature>``, ``X-Timestamp``
(Unix seconds, within ±60 s) and ``X-Nonce`` (single use)::

    stringToSign = METHOD + "\\n" + PATH + "\\n" + TIMESTAMP + "\\n" + NONCE + "\\n" + BODY
    signature    = Base64(HMAC-SHA256(apiSecret, stringToSign))
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import re

from ._util import MALFORMED_INPUT, Fail, is_int, need_object, read_body, b64_input, utf8

# ---------------------------------------------------------------- error codes

# The page's "Common Errors" table, with its wording (H7: 401 for GA200x/GA201x,
# 403 for GA2021/GA2022).
VENDOR_CODES = {
    "GA2001": (401, "Missing X-Api-Key"),
    "GA2002": (401, "Missing X-Signature"),
    "GA2003": (401, "Missing X-Timestamp"),
    "GA2004": (401, "Missing X-Nonce"),
    "GA2011": (401, "API key invalid or not found"),
    "GA2012": (401, "Signature verification failed"),
    "GA2013": (401, "Timestamp outside validity window"),
    "GA2014": (401, "Nonce already used"),
    "GA2021": (403, "API key disabled"),
    "GA2022": (403, "IP not in whitelist"),
}

# Signer-side refusals (H-SIGN) and the envelope ops' own codes.
MALFORMED_METHOD = "MALFORMED_METHOD"
MALFORMED_TARGET = "MALFORMED_TARGET"
MALFORMED_NONCE = "MALFORMED_NONCE"
MALFORMED_TIMESTAMP = "MALFORMED_TIMESTAMP"
MALFORMED_API_KEY = "MALFORMED_API_KEY"
EMPTY_SECRET = "EMPTY_SECRET"
UNKNOWN_CODE = "UNKNOWN_CODE"
MALFORMED_ERROR_RESPONSE = "MALFORMED_ERROR_RESPONSE"

DEFAULT_WINDOW_SECONDS = 60  # H4: "must be within ±60s of server time"
AUTH_PREFIX = "HMAC-SHA256 "  # H6: exactly this token, case-sensitive, one space

# ---------------------------------------------------------------- shapes

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# RFC 9110 §9.1 method = token.
_METHOD_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# H-HEADERS: a nonce is 1-128 visible ASCII characters (no separator can hide in it).
_NONCE_RE = re.compile(r"[\x21-\x7e]{1,128}")
# H-SIGN: an API key is 1-256 visible ASCII characters.
_API_KEY_RE = re.compile(r"[\x21-\x7e]{1,256}")
# H4: X-Timestamp is 1-18 ASCII digits.
_TIMESTAMP_RE = re.compile(r"[0-9]{1,18}")
MAX_TIMESTAMP = 10**18 - 1
# H3: the standard-alphabet, padded Base64 of exactly 32 bytes: 43 characters and one
# '='; the 43rd carries the last 4 bits and 2 pad bits that must be zero.
_SIGNATURE_RE = re.compile(r"[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _lower(text):
    return text.translate(_ASCII_LOWER)


def _trim_ows(text):
    return text.strip(" \t")


# ---------------------------------------------------------------- the string to sign

def signed_path(target):
    """H1: the request target up to the first '?', verbatim."""
    return target.split("?", 1)[0]


def string_to_sign(method, target, timestamp, nonce, body):
    """The bytes the MAC covers. ``body`` is the raw body bytes (H2: an empty body
    leaves the LF after NONCE as the last byte). The text parts are UTF-8;
    "surrogatepass" only matters for a received target carrying a lone surrogate
    escape, which no signer produces and so simply never matches."""
    head = f"{method}\n{signed_path(target)}\n{timestamp}\n{nonce}\n"
    return head.encode("utf-8", "surrogatepass") + body


def mac(secret_bytes, message):
    """The 32-byte HMAC-SHA256 keyed with the secret's UTF-8 bytes (SECRET_BYTES)."""
    return hmac.new(secret_bytes, message, hashlib.sha256).digest()


def _b64(data):
    return base64.b64encode(data).decode("ascii")


# ---------------------------------------------------------------- sign

def op_sign(inp):
    """H-SIGN checks in the order method, target, nonce, timestamp, secret, API key."""
    method = inp.get("method")
    if not isinstance(method, str) or not _METHOD_RE.fullmatch(method):
        raise Fail(MALFORMED_METHOD, "method must be an HTTP token (RFC 9110 §9.1), e.g. GET")
    target = inp.get("target")
    if not isinstance(target, str) or not target.startswith("/"):
        raise Fail(MALFORMED_TARGET, "target must be an origin-form request target starting with '/'")
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target):
        raise Fail(MALFORMED_TARGET, "target must not contain spaces or control characters")
    utf8(target, MALFORMED_TARGET, "target")
    nonce = inp.get("nonce")
    if not isinstance(nonce, str) or not _NONCE_RE.fullmatch(nonce):
        raise Fail(MALFORMED_NONCE, "nonce must be 1 to 128 visible ASCII characters (a UUID is recommended)")
    timestamp = inp.get("timestamp")
    if not is_int(timestamp) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise Fail(MALFORMED_TIMESTAMP, "timestamp must be Unix seconds, an integer from 0 to 10^18-1")
    secret = inp.get("secret")
    if not isinstance(secret, str):
        raise Fail(MALFORMED_INPUT, "secret must be a string")
    if secret == "":
        raise Fail(EMPTY_SECRET, "the API secret is empty")
    secret_bytes = utf8(secret, MALFORMED_INPUT, "secret")
    api_key = inp.get("api_key")
    if not isinstance(api_key, str) or not _API_KEY_RE.fullmatch(api_key):
        raise Fail(MALFORMED_API_KEY, "api_key must be 1 to 256 visible ASCII characters")
    body = read_body(inp)

    message = string_to_sign(method, target, str(timestamp), nonce, body)
    signature = _b64(mac(secret_bytes, message))
    out = {}
    # vectors/README.md: the string to sign as text, or as Base64 when it is not UTF-8;
    # a body given as a repeated pattern pins only its SHA-256 (given in every case).
    if inp.get("body_pattern") is None:
        try:
            out["string_to_sign"] = message.decode("utf-8")
        except UnicodeDecodeError:
            out["string_to_sign_base64"] = _b64(message)
    out["string_to_sign_sha256"] = hashlib.sha256(message).hexdigest()
    out["signature"] = signature
    out["headers"] = [
        ["X-Api-Key", api_key],
        ["X-Timestamp", str(timestamp)],
        ["X-Nonce", nonce],
        ["Authorization", AUTH_PREFIX + signature],
    ]
    return out


# ---------------------------------------------------------------- verify: the world

class _Key:
    def __init__(self, entry):
        entry = need_object(entry, "a keys entry")
        api_key, secret = entry.get("api_key"), entry.get("secret")
        if not isinstance(api_key, str) or not isinstance(secret, str):
            raise Fail(MALFORMED_INPUT, "each keys entry needs a string api_key and a string secret")
        enabled = entry.get("enabled", True)
        if enabled is None:
            enabled = True
        if not isinstance(enabled, bool):
            raise Fail(MALFORMED_INPUT, "keys[].enabled must be a boolean")
        allowed = entry.get("allowed_ips")
        networks = None
        if allowed is not None:
            if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
                raise Fail(MALFORMED_INPUT, "keys[].allowed_ips must be a list of strings")
            networks = [_network(a) for a in allowed]
        self.api_key = api_key
        self.secret = utf8(secret, MALFORMED_INPUT, "keys[].secret")
        self.enabled = enabled
        self.networks = networks  # None: no allow-list, usable from anywhere


def _unmap(address):
    """H-IP: an IPv4-mapped IPv6 address counts as its IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _network(text):
    """An allow-list entry: an address or a CIDR block, IPv4 or IPv6."""
    try:
        if "/" not in text:
            address = _unmap(ipaddress.ip_address(text))
            return ipaddress.ip_network(address)
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise Fail(MALFORMED_INPUT, f"allowed_ips entry {text!r} is not an address or a CIDR block") from None
    if isinstance(network, ipaddress.IPv6Network) and network.prefixlen >= 96:
        mapped = network.network_address.ipv4_mapped
        if mapped is not None:
            return ipaddress.ip_network(f"{mapped}/{network.prefixlen - 96}", strict=False)
    return network


def _client_allowed(key, client_ip):
    if key.networks is None:
        return True
    if client_ip is None:
        return False  # H-IP: an unknown client address is refused (fail closed)
    try:
        address = _unmap(ipaddress.ip_address(client_ip))
    except ValueError:
        return False  # not an address: cannot be on the list
    return any(address.version == net.version and address in net for net in key.networks)


def _read_world(inp):
    request = need_object(inp.get("request"), "request")
    method, target = request.get("method"), request.get("target")
    if not isinstance(method, str) or not isinstance(target, str):
        raise Fail(MALFORMED_INPUT, "request.method and request.target must be strings")
    raw_headers = request.get("headers", [])
    if not isinstance(raw_headers, list):
        raise Fail(MALFORMED_INPUT, "request.headers must be a list of [name, value] pairs")
    headers = []
    for pair in raw_headers:
        if (not isinstance(pair, list) or len(pair) != 2
                or not isinstance(pair[0], str) or not isinstance(pair[1], str)):
            raise Fail(MALFORMED_INPUT, "each header must be a [name, value] pair of strings")
        headers.append((_lower(pair[0]), pair[1]))
    body = read_body(request, "request")
    now = inp.get("now")
    if not is_int(now):
        raise Fail(MALFORMED_INPUT, "now must be an integer (Unix seconds)")
    window = inp.get("window_seconds")
    if window is None:
        window = DEFAULT_WINDOW_SECONDS
    if not is_int(window) or window < 0:
        raise Fail(MALFORMED_INPUT, "window_seconds must be a non-negative integer")
    keys = inp.get("keys", [])
    if not isinstance(keys, list):
        raise Fail(MALFORMED_INPUT, "keys must be a list")
    directory = [_Key(entry) for entry in keys]
    client_ip = inp.get("client_ip")
    if client_ip is not None and not isinstance(client_ip, str):
        raise Fail(MALFORMED_INPUT, "client_ip must be a string")
    seen = set()
    state = inp.get("state")
    if state is not None:
        entries = need_object(state, "state").get("nonces", [])
        if not isinstance(entries, list):
            raise Fail(MALFORMED_INPUT, "state.nonces must be a list")
        for entry in entries:
            entry = need_object(entry, "a state.nonces entry")
            if not isinstance(entry.get("api_key"), str) or not isinstance(entry.get("nonce"), str):
                raise Fail(MALFORMED_INPUT, "state.nonces[] needs a string api_key and a string nonce")
            seen.add((entry["api_key"], entry["nonce"]))
    return method, target, headers, body, now, window, directory, client_ip, seen


def _required(headers, name, code):
    """H-HEADERS: the one OWS-trimmed value of ``name``; absent, empty or
    duplicated answers the header's GA200x code."""
    values = [_trim_ows(value) for have, value in headers if have == name]
    if not values or values[0] == "":
        raise Fail(code, f"{VENDOR_CODES[code][1]} (no non-empty {name} header)")
    if len(values) > 1:
        raise Fail(code, f"the {name} header appears {len(values)} times")
    return values[0]


# ---------------------------------------------------------------- verify

def op_verify(inp):
    """H5 order: GA2001, GA2002, GA2003, GA2004, GA2011, GA2021, GA2022, GA2013,
    GA2012, GA2014; the first failure is the answer."""
    method, target, headers, body, now, window, directory, client_ip, seen = _read_world(inp)

    api_key = _required(headers, "x-api-key", "GA2001")
    authorization = _required(headers, "authorization", "GA2002")
    timestamp_text = _required(headers, "x-timestamp", "GA2003")
    nonce = _required(headers, "x-nonce", "GA2004")
    if not _NONCE_RE.fullmatch(nonce):
        raise Fail("GA2004", "X-Nonce is not 1 to 128 visible ASCII characters")

    key = next((k for k in directory if k.api_key == api_key), None)
    if key is None:
        raise Fail("GA2011", "API key invalid or not found")
    if not key.enabled:
        raise Fail("GA2021", "API key disabled")
    if not _client_allowed(key, client_ip):
        raise Fail("GA2022", f"client address {client_ip!r} is not on the key's allow-list")

    # H4: 1-18 digits of Unix seconds; anything else is outside any window.
    if not _TIMESTAMP_RE.fullmatch(timestamp_text):
        raise Fail("GA2013", "X-Timestamp is not decimal Unix seconds")
    skew = now - int(timestamp_text)
    if abs(skew) > window:
        direction = "old" if skew > 0 else "in the future"
        raise Fail("GA2013", f"X-Timestamp is {abs(skew)} s {direction} (window ±{window} s)")

    # H3/H6: exactly 'HMAC-SHA256 ' and the padded standard Base64 of 32 bytes.
    if not authorization.startswith(AUTH_PREFIX):
        raise Fail("GA2012", "Authorization is not 'HMAC-SHA256 <signature>'")
    presented = authorization[len(AUTH_PREFIX):]
    if not _SIGNATURE_RE.fullmatch(presented):
        raise Fail("GA2012", "the signature is not the padded standard Base64 of 32 bytes")
    # The method and target are signed as received, the timestamp as its header text.
    expected = mac(key.secret, string_to_sign(method, target, timestamp_text, nonce, body))
    if not hmac.compare_digest(base64.b64decode(presented), expected):
        raise Fail("GA2012", "Signature verification failed")

    # H5: the nonce is checked (and would be recorded) only after the signature verified.
    if (api_key, nonce) in seen:
        raise Fail("GA2014", "Nonce already used")
    return {"api_key": api_key}


# ---------------------------------------------------------------- the error envelope (H7)

def op_error_response(inp):
    code = inp.get("code")
    if not isinstance(code, str):
        raise Fail(MALFORMED_INPUT, "code must be a string")
    if code not in VENDOR_CODES:
        raise Fail(UNKNOWN_CODE, f"{code!r} is not one of the page's GA20xx codes")
    timestamp = inp.get("timestamp_ms")
    if not is_int(timestamp):
        raise Fail(MALFORMED_INPUT, "timestamp_ms must be an integer (Unix milliseconds)")
    status, message = VENDOR_CODES[code]
    body = {"version": "2.0.0", "timestamp": timestamp, "success": False,
            "code": code, "message": message, "data": None}
    return {"status": status, "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False)}


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def op_parse_error(inp):
    if inp.get("body_base64") is not None:
        raw = b64_input(inp["body_base64"], "body_base64")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Fail(MALFORMED_ERROR_RESPONSE, "the body is not UTF-8") from None
    else:
        text = inp.get("body")
        if not isinstance(text, str):
            raise Fail(MALFORMED_INPUT, "body must be a string")
    try:
        root = json.loads(text, parse_constant=_reject_constant)  # duplicates: last wins
    except RecursionError:
        raise Fail(MALFORMED_ERROR_RESPONSE, "the body nests too deeply") from None
    except ValueError as exc:
        raise Fail(MALFORMED_ERROR_RESPONSE, f"the body is not JSON: {exc}") from None
    if not isinstance(root, dict):
        raise Fail(MALFORMED_ERROR_RESPONSE, "the body is not a JSON object")
    if root.get("success") is not False:
        raise Fail(MALFORMED_ERROR_RESPONSE, "success is not the boolean false")
    code = root.get("code")
    if not isinstance(code, str) or code == "":
        raise Fail(MALFORMED_ERROR_RESPONSE, "code is not a non-empty string")
    message = root.get("message")
    if message is None:
        message = ""
    elif not isinstance(message, str):
        raise Fail(MALFORMED_ERROR_RESPONSE, "message is not a string")
    version = root.get("version")
    if version is not None and not isinstance(version, str):
        raise Fail(MALFORMED_ERROR_RESPONSE, "version is not a string")
    timestamp = root.get("timestamp")
    if timestamp is not None and (not is_int(timestamp) or not INT64_MIN <= timestamp <= INT64_MAX):
        raise Fail(MALFORMED_ERROR_RESPONSE, "timestamp is not a 64-bit integer")
    return {"code": code, "message": message, "version": version,
            "timestamp": timestamp, "data": root.get("data")}


def op_scenario(inp):
    """Several requests against one verifier; a nonce recorded once its request verified."""
    from ._scenario import request_header, run_scenario
    return run_scenario(
        inp, op_verify, ("keys", "window_seconds", "client_ip"),
        lambda one, out: {"api_key": out["api_key"], "nonce": request_header(one, "x-nonce")},
        DEFAULT_WINDOW_SECONDS)


SCHEMES = {
    "hmac-sha256": {
        "sign": op_sign,
        "verify": op_verify,
        "scenario": op_scenario,
        "error-response": op_error_response,
        "parse-error": op_parse_error,
    },
}
