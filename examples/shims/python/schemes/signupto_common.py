"""Sign-Up.to PMAPI v1.2: what the Hash, Partner Hash and Token methods share.

Written from the vendor's Partner Hash page and the project's decisions S1-S8,
S-AUTH, S-PATH, S-ENVELOPE. The three scheme modules (signupto_hash,
signupto_partner_hash, signupto_token) build on the pieces here.
"""

import hashlib
import hmac
import json
import re

from ._util import MALFORMED_INPUT, Fail, Unsupported, is_int, need_object, utf8

# ---------------------------------------------------------------- error codes

DUPLICATE_HEADER = "DUPLICATE_HEADER"
MISSING_AUTHORIZATION = "MISSING_AUTHORIZATION"
MALFORMED_AUTHORIZATION = "MALFORMED_AUTHORIZATION"
WRONG_SCHEME = "WRONG_SCHEME"
MALFORMED_SIGNATURE = "MALFORMED_SIGNATURE"
MISSING_DATE = "MISSING_DATE"
MALFORMED_DATE = "MALFORMED_DATE"
MISSING_PID = "MISSING_PID"
MISSING_CID = "MISSING_CID"
MISSING_UID = "MISSING_UID"
MALFORMED_ID = "MALFORMED_ID"
UID_WITHOUT_CID = "UID_WITHOUT_CID"
MISSING_NONCE = "MISSING_NONCE"
MALFORMED_NONCE = "MALFORMED_NONCE"
UNKNOWN_CREDENTIALS = "UNKNOWN_CREDENTIALS"
DATE_OUT_OF_WINDOW = "DATE_OUT_OF_WINDOW"
SIGNATURE_MISMATCH = "SIGNATURE_MISMATCH"
NONCE_REPLAYED = "NONCE_REPLAYED"
MALFORMED_KEY = "MALFORMED_KEY"
MALFORMED_METHOD = "MALFORMED_METHOD"
MALFORMED_TARGET = "MALFORMED_TARGET"
MALFORMED_RESPONSE = "MALFORMED_RESPONSE"
MALFORMED_TOKEN = "MALFORMED_TOKEN"

DEFAULT_WINDOW_SECONDS = 900  # S6: no vendor figure exists; configurable per case

# ---------------------------------------------------------------- small shapes

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text):
    return text.translate(_ASCII_LOWER)


def trim_ows(text):
    """Strip HTTP optional whitespace (SP, HTAB) around a field value."""
    return text.strip(" \t")


# S5: 1 to 40 visible ASCII characters.
_NONCE_RE = re.compile(r"[\x21-\x7e]{1,40}")
# An id header value: 1 to 18 ASCII digits (fits a signed 64-bit integer).
_ID_RE = re.compile(r"[0-9]{1,18}")
MAX_ID = 10**18 - 1
# RFC 9110 §9.1 method = token; token = 1*tchar.
_METHOD_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# The 40-hex-digit signature of the Authorization header.
_SIGNATURE_RE = re.compile(r"[0-9a-fA-F]{40}")
# S-TOKEN-AUTH: exactly 96 characters of the standard Base64 alphabet.
_TOKEN_RE = re.compile(r"[A-Za-z0-9+/]{96}")


def nonce_ok(text):
    return _NONCE_RE.fullmatch(text) is not None


def token_ok(text):
    return _TOKEN_RE.fullmatch(text) is not None


def check_nonce(text):
    if not nonce_ok(text):
        raise Fail(MALFORMED_NONCE, "the nonce is not 1 to 40 visible ASCII characters")
    return text


def check_method(method):
    if not _METHOD_RE.fullmatch(method):
        raise Fail(MALFORMED_METHOD, "the method is not an HTTP token")
    return method


def check_target(target):
    """An origin-form request target: starts with '/', no whitespace or controls.

    Non-ASCII characters are allowed and signed as UTF-8 (S-PATH)."""
    if not target.startswith("/"):
        raise Fail(MALFORMED_TARGET, "the request target does not start with '/'")
    for ch in target:
        if ord(ch) <= 0x20 or ord(ch) == 0x7F:
            raise Fail(MALFORMED_TARGET, "the request target contains whitespace or a control character")
    utf8(target, MALFORMED_TARGET, "the request target")
    return target


def signed_path(target):
    """S1 / S-PATH: the target up to the first '?', verbatim."""
    return target.split("?", 1)[0]


# ---------------------------------------------------------------- IMF-fixdate (S6)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_IMF_FIXDATE_RE = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{2}) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([0-9]{4}) "
    r"([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT"
)


def _is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in_month(year, month):
    if month == 2:
        return 29 if _is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _days_from_civil(year, month, day):
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y = year - (1 if month <= 2 else 0)
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_imf_fixdate(text):
    """Unix seconds of an RFC 9110 IMF-fixdate, or None if ``text`` is not one.

    Day and month names are case-sensitive (RFC 9110 §5.6.7); the weekday name is
    not cross-checked against the date (S6); a leap second (":60") is allowed."""
    m = _IMF_FIXDATE_RE.fullmatch(text)
    if m is None:
        return None
    day = int(m.group(2))
    month = _MONTHS.index(m.group(3)) + 1
    year = int(m.group(4))
    hour, minute, second = int(m.group(5)), int(m.group(6)), int(m.group(7))
    if not 1 <= day <= _days_in_month(year, month):
        return None
    if hour > 23 or minute > 59 or second > 60:
        return None
    return _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second


def check_date(text):
    """Signers: the Date must be an IMF-fixdate (RFC 9110 §5.6.7: senders generate it)."""
    when = parse_imf_fixdate(text)
    if when is None:
        raise Fail(MALFORMED_DATE, "the date is not an IMF-fixdate (e.g. 'Sat, 09 Sep 1989 11:00:00 GMT')")
    return when


_RFC850_RE = re.compile(
    r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), ([0-9]{2})-"
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-([0-9]{2}) "
    r"([0-9]{2}:[0-9]{2}:[0-9]{2}) GMT"
)
_ASCTIME_RE = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([0-9]{2}| [0-9]) "
    r"([0-9]{2}:[0-9]{2}:[0-9]{2}) ([0-9]{4})"
)


def _civil_year(unix_seconds):
    """The UTC calendar year of a Unix time."""
    days = unix_seconds // 86400
    year = 1970 + days // 366
    while _days_from_civil(year + 1, 1, 1) <= days:
        year += 1
    while _days_from_civil(year, 1, 1) > days:
        year -= 1
    return year


def parse_http_date_any(text, now):
    """Verifiers: Unix seconds of any of the three HTTP-date forms (RFC 9110 §5.6.7:
    a recipient MUST accept all three), or None. The RFC 850 two-digit year is the
    year of ``now``'s century unless that lies more than 50 years ahead, then the
    century before."""
    when = parse_imf_fixdate(text)
    if when is not None:
        return when
    m = _RFC850_RE.fullmatch(text)
    if m is not None:
        this_year = _civil_year(now)
        year = this_year - this_year % 100 + int(m.group(4))
        if year > this_year + 50:
            year -= 100
        return parse_imf_fixdate(f"{m.group(1)[:3]}, {m.group(2)} {m.group(3)} {year:04d} {m.group(5)} GMT")
    m = _ASCTIME_RE.fullmatch(text)
    if m is not None:
        day = m.group(3).replace(" ", "0")
        return parse_imf_fixdate(f"{m.group(1)}, {day} {m.group(2)} {m.group(5)} {m.group(4)} GMT")
    return None


# ---------------------------------------------------------------- request headers

class Headers:
    """A request's header list: [name, value] pairs in order, duplicates kept."""

    def __init__(self, raw):
        if not isinstance(raw, list):
            raise Fail(MALFORMED_INPUT, "request.headers must be a list of [name, value] pairs")
        self.items = []
        for pair in raw:
            if (not isinstance(pair, list) or len(pair) != 2
                    or not isinstance(pair[0], str) or not isinstance(pair[1], str)):
                raise Fail(MALFORMED_INPUT, "each header must be a [name, value] pair of strings")
            self.items.append((ascii_lower(pair[0]), pair[1]))

    def reject_duplicates(self):
        """S8: Date, Authorization or any X-SuT-* header more than once."""
        seen = set()
        for name, _ in self.items:
            if name in ("date", "authorization") or name.startswith("x-sut-"):
                if name in seen:
                    raise Fail(DUPLICATE_HEADER, f"the {name} header appears more than once")
                seen.add(name)

    def get(self, name):
        """The OWS-trimmed value of the header ``name`` (lowercase), or None if absent."""
        for have, value in self.items:
            if have == name:
                return trim_ows(value)
        return None


def read_request(inp):
    """(method, target, Headers) of a verify input's ``request``."""
    request = need_object(inp.get("request"), "request")
    method = request.get("method")
    target = request.get("target")
    if not isinstance(method, str) or not isinstance(target, str):
        raise Fail(MALFORMED_INPUT, "request.method and request.target must be strings")
    return method, target, Headers(request.get("headers", []))


def read_clock(inp):
    """(now, window_seconds) of a verify input."""
    now = inp.get("now")
    if not is_int(now):
        raise Fail(MALFORMED_INPUT, "now must be an integer (Unix seconds)")
    window = inp.get("window_seconds")
    if window is None:
        window = DEFAULT_WINDOW_SECONDS
    if not is_int(window) or window < 0:
        raise Fail(MALFORMED_INPUT, "window_seconds must be a non-negative integer")
    return now, window


def read_state_nonces(inp, key_field):
    """The preloaded replay store: a set of (key id, nonce) pairs."""
    state = inp.get("state")
    if state is None:
        return set()
    state = need_object(state, "state")
    entries = state.get("nonces", [])
    if not isinstance(entries, list):
        raise Fail(MALFORMED_INPUT, "state.nonces must be a list")
    seen = set()
    for entry in entries:
        entry = need_object(entry, "a state.nonces entry")
        key_id, nonce = entry.get(key_field), entry.get("nonce")
        if key_id is None:
            continue  # an entry of another scheme's key id
        if not isinstance(nonce, str):
            raise Fail(MALFORMED_INPUT, "state.nonces[].nonce must be a string")
        seen.add((key_id, nonce))
    return seen


def check_window(now, when, window):
    """S6: accepted while |now - Date| <= window."""
    skew = now - when
    if abs(skew) > window:
        direction = "old" if skew > 0 else "in the future"
        raise Fail(DATE_OUT_OF_WINDOW, f"the Date is {abs(skew)} s {direction} (window {window} s)")


# ---------------------------------------------------------------- Authorization (S-AUTH)

_SCHEME_TOKENS = {"suthash": "SuTHash", "sutpartner": "SuTPartner", "suttoken": "SuTToken"}
# `signature="<value>"`: the parameter name is matched case-insensitively
# (RFC 9110 §11.2), the value is a non-empty quoted string without escapes.
_SIGNATURE_PARAM_RE = re.compile(r'[Ss][Ii][Gg][Nn][Aa][Tt][Uu][Rr][Ee]="([^"\\]+)"')


def parse_authorization(value):
    """(canonical scheme spelling, credentials) of an Authorization value.

    ``SuTHash signature="<v>"`` / ``SuTPartner signature="<v>"`` / ``SuTToken <t>``,
    exactly one space after the scheme token, which is case-insensitive. The
    credentials are not shape-checked here (MALFORMED_SIGNATURE / MALFORMED_TOKEN
    are the verifier's later checks)."""
    value = trim_ows(value)
    token, sep, rest = value.partition(" ")
    scheme = _SCHEME_TOKENS.get(ascii_lower(token)) if sep else None
    if scheme is None:
        raise Fail(MALFORMED_AUTHORIZATION, "not '<SuTHash|SuTPartner|SuTToken> <credentials>'")
    if scheme == "SuTToken":
        if not rest or " " in rest or "\t" in rest:
            raise Fail(MALFORMED_AUTHORIZATION, "not 'SuTToken <token>' with exactly one space")
        return scheme, rest
    m = _SIGNATURE_PARAM_RE.fullmatch(rest)
    if m is None:
        raise Fail(MALFORMED_AUTHORIZATION, f"not '{scheme} signature=\"<hex>\"'")
    return scheme, m.group(1)


def read_authorization(headers, expected_scheme):
    """Verify steps 2 and 3: the credentials of an Authorization of ``expected_scheme``."""
    value = headers.get("authorization")
    if value is None:
        raise Fail(MISSING_AUTHORIZATION, "no Authorization header")
    scheme, credentials = parse_authorization(value)
    if scheme != expected_scheme:
        raise Fail(WRONG_SCHEME, f"a {scheme} Authorization sent to a {expected_scheme} verifier")
    return credentials


def read_date(headers, now):
    """Verify step 5: (Date text, Unix seconds); any of the three HTTP-date forms."""
    text = headers.get("date")
    if text is None:
        raise Fail(MISSING_DATE, "no Date header")
    when = parse_http_date_any(text, now)
    if when is None:
        raise Fail(MALFORMED_DATE, "the Date is not an HTTP-date (IMF-fixdate, RFC 850 or asctime form)")
    return text, when


def read_nonce(headers):
    """Verify step 7."""
    text = headers.get("x-sut-nonce")
    if text is None:
        raise Fail(MISSING_NONCE, "no X-SuT-Nonce header")
    return check_nonce(text)


# ---------------------------------------------------------------- canonical string (S2)

def canonical_string(method, target, lines):
    """The canonical string without its key line: '<VERB> <path>' then 'Label: value'
    lines, joined by CR LF, no terminator after the last one."""
    out = [f"{method} {signed_path(target)}"]
    out.extend(f"{label}: {value}" for label, value in lines)
    return "\r\n".join(out)


def signature_bytes(canonical, key):
    """SHA-1 of the UTF-8 bytes of canonical + CR LF + key (no terminator after the key).

    "surrogatepass" only matters for a verified request whose target carries a lone
    surrogate escape (no signer can produce it, so it simply never matches)."""
    return hashlib.sha1((canonical + "\r\n" + key).encode("utf-8", "surrogatepass")).digest()


def signatures_equal(presented_hex, expected):
    """S4: decode the presented hex (any case) and compare bytes in constant time."""
    return hmac.compare_digest(bytes.fromhex(presented_hex), expected)


# ---------------------------------------------------------------- the two signed methods

class SignedMethod:
    """What differs between Hash and Partner Hash; the algorithms are shared below.

    ``id_fields`` are the identity ids in canonical order, each (input field,
    label); ``key_field`` names the key id of the key directory and replay store."""

    def __init__(self, auth_scheme, key_re, key_description, id_fields, key_field):
        self.auth_scheme = auth_scheme
        self.key_re = re.compile(key_re)
        self.key_description = key_description
        self.id_fields = id_fields
        self.key_field = key_field

    # Hooks: the rules on which ids must, may or must not be present.
    def sign_ids(self, ids):
        """Signing: ``ids`` maps each id field to an int or None (absent)."""
        raise NotImplementedError

    def verify_ids(self, present):
        """Verifying, before the shapes are checked: ``present`` maps each id
        field to its trimmed header value or None (absent)."""
        raise NotImplementedError

    def verify_id_relations(self, present):
        """Verifying, after the shapes are checked."""


def _sign_id(inp, field):
    value = inp.get(field)
    if value is None:
        return None
    # Ids above 2^53 travel as decimal strings in the vector files.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not is_int(value) or not 0 <= value <= MAX_ID:
        raise Fail(MALFORMED_ID, f"{field} must be an integer of 1 to 18 digits")
    return value


def sign_signed(inp, method_def):
    """`sign` of Hash / Partner Hash: canonical, signature, headers."""
    key = inp.get("key")
    if not isinstance(key, str) or not method_def.key_re.fullmatch(key):
        raise Fail(MALFORMED_KEY, f"the key is not {method_def.key_description}")
    nonce = inp.get("nonce")
    if not isinstance(nonce, str):
        raise Fail(MALFORMED_NONCE, "nonce must be a string")
    check_nonce(nonce)
    date = inp.get("date")
    if not isinstance(date, str):
        raise Fail(MALFORMED_DATE, "date must be a string")
    check_date(date)
    method = inp.get("method")
    if not isinstance(method, str):
        raise Fail(MALFORMED_METHOD, "method must be a string")
    check_method(method)
    target = inp.get("target")
    if not isinstance(target, str):
        raise Fail(MALFORMED_TARGET, "target must be a string")
    check_target(target)

    ids = {field: _sign_id(inp, field) for field, _ in method_def.id_fields}
    method_def.sign_ids(ids)

    lines = [("Date", date)]
    lines += [(label, str(ids[field])) for field, label in method_def.id_fields if ids[field] is not None]
    lines.append(("X-SuT-Nonce", nonce))
    canonical = canonical_string(method, target, lines)
    signature = signature_bytes(canonical, key).hex()
    headers = [[label, value] for label, value in lines]
    headers.append(["Authorization", f'{method_def.auth_scheme} signature="{signature}"'])
    return {"canonical": canonical, "signature": signature, "headers": headers}


def _read_key_directory(inp, key_field):
    entries = inp.get("keys", [])
    if not isinstance(entries, list):
        raise Fail(MALFORMED_INPUT, "keys must be a list")
    directory = []
    for entry in entries:
        entry = need_object(entry, "a keys entry")
        key_id, key = entry.get(key_field), entry.get("key")
        if not is_int(key_id) or not isinstance(key, str):
            raise Fail(MALFORMED_INPUT, f"each keys entry needs an integer {key_field} and a string key")
        directory.append((key_id, key))
    return directory


def verify_signed(inp, method_def):
    """`verify` of Hash / Partner Hash, in the documented check order."""
    method, target, headers = read_request(inp)
    now, window = read_clock(inp)
    directory = _read_key_directory(inp, method_def.key_field)
    replay_store = read_state_nonces(inp, method_def.key_field)

    # 1. duplicates
    headers.reject_duplicates()
    # 2-3. Authorization present, well formed, of this scheme
    presented = read_authorization(headers, method_def.auth_scheme)
    # 4. signature shape
    if not _SIGNATURE_RE.fullmatch(presented):
        raise Fail(MALFORMED_SIGNATURE, "the signature is not 40 hex digits")
    # 5. Date
    date_text, when = read_date(headers, now)
    # 6. identity headers: presence (scheme rules), then shape, then relations
    present = {field: headers.get("x-sut-" + field) for field, _ in method_def.id_fields}
    method_def.verify_ids(present)
    ids = {}
    for field, label in method_def.id_fields:
        text = present[field]
        if text is None:
            continue
        if not _ID_RE.fullmatch(text):
            raise Fail(MALFORMED_ID, f"{label} is not 1 to 18 ASCII digits")
        ids[field] = int(text)
    method_def.verify_id_relations(present)
    # 7. nonce
    nonce = read_nonce(headers)
    # 8. key lookup
    key_id = ids[method_def.key_field]
    key = next((k for kid, k in directory if kid == key_id), None)
    if key is None:
        raise Fail(UNKNOWN_CREDENTIALS, f"no key on file for {method_def.key_field.upper()} {key_id}")
    if not method_def.key_re.fullmatch(key):
        raise Fail(MALFORMED_KEY, f"the key on file is not {method_def.key_description}")
    # 9. freshness
    check_window(now, when, window)
    # 10. signature over the canonical string the server builds. The request line
    # is taken as received: verify has no MALFORMED_METHOD / MALFORMED_TARGET code,
    # and an odd method or target simply fails to match what the client signed.
    lines = [("Date", date_text)]
    lines += [(label, present[field]) for field, label in method_def.id_fields if present[field] is not None]
    lines.append(("X-SuT-Nonce", nonce))
    expected = signature_bytes(canonical_string(method, target, lines), key)
    if not signatures_equal(presented, expected):
        raise Fail(SIGNATURE_MISMATCH, "the signature is not SHA-1 of the canonical string")
    # 11. replay (recorded only after the signature verified)
    if (key_id, nonce) in replay_store:
        raise Fail(NONCE_REPLAYED, f"nonce already used for {method_def.key_field.upper()} {key_id}")
    return {"identity": ids}


# ---------------------------------------------------------------- parse-authorization

def op_parse_authorization(inp):
    value = inp.get("value")
    if not isinstance(value, str):
        raise Fail(MALFORMED_AUTHORIZATION, "value must be a string")
    scheme, credentials = parse_authorization(value)
    return {"scheme": scheme, "credentials": credentials}


# ---------------------------------------------------------------- response envelope (S-ENVELOPE)

def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse_envelope(body):
    """The PMAPI envelope {"status": "ok"|"error", "response": {...}} as a flat dict."""
    if not isinstance(body, str):
        raise Fail(MALFORMED_INPUT, "body must be a string")
    try:
        root = json.loads(body, parse_constant=_reject_constant)
    except RecursionError:
        raise Unsupported("JSON nested too deeply") from None
    except ValueError as e:
        raise Fail(MALFORMED_RESPONSE, f"the body is not JSON: {e}") from None
    if not isinstance(root, dict):
        raise Fail(MALFORMED_RESPONSE, "the body's root is not an object")
    status = root.get("status")
    response = root.get("response")
    if status not in ("ok", "error"):
        raise Fail(MALFORMED_RESPONSE, "status is neither \"ok\" nor \"error\"")
    if not isinstance(response, dict):
        raise Fail(MALFORMED_RESPONSE, "response is not an object")
    if status == "ok":
        if "data" not in response:
            raise Fail(MALFORMED_RESPONSE, "an ok response has no data")
        count = response.get("count")
        if count is not None and not is_int(count):
            raise Fail(MALFORMED_RESPONSE, "count is not an integer")
        return {"status": "ok", "data": response["data"], "count": count, "next": response.get("next")}
    code, message = response.get("code"), response.get("message")
    if not is_int(code):
        raise Fail(MALFORMED_RESPONSE, "an error response has no integer code")
    if not isinstance(message, str):
        raise Fail(MALFORMED_RESPONSE, "an error response has no message")
    info = response.get("additional_information")
    if info is not None and not isinstance(info, str):
        raise Fail(MALFORMED_RESPONSE, "additional_information is not a string")
    return {"status": "error", "code": code, "message": message,
            "subcode": response.get("subcode"), "additional_information": info}


def op_parse_response(inp):
    status = inp.get("status")
    if status is not None and not is_int(status):
        raise Fail(MALFORMED_INPUT, "status must be an integer")
    return parse_envelope(inp.get("body"))
