#!/usr/bin/env python3
"""Build the Sign-Up.to vector files from the vendor's pages.

Writes vectors/signupto-hash.json, vectors/signupto-partner-hash.json and
vectors/signupto-token.json. Every canonical string, SHA-1 signature, header list
and every signature carried inside a `verify` request is computed here, from the
rules of the vendor's Hash / Partner Hash / Token pages and the decisions recorded
in each file. Nothing here is taken from the Rust reference.

    python3 vectors/generators/signupto.py           # rewrite the three files
    python3 vectors/generators/signupto.py --check   # exit 1 if a file on disk differs

Case ids are `<scheme>/<op>/<nnn>`, numbered per op in the order the cases are
listed below. Ids are stable forever: add a new case at the END of its op's list,
never insert, reorder or delete (a retired case stays, with `withdrawn=True`).

Every case gets a `basis` (format 2) from the table VERDICTS, matched on its comment:
quotes of the public pages or RFC sections that decide the verdict, plus the decisions
it leans on. Where only a decision decides, the row names a flag that turns the case
`acceptable` (expect.reference keeps pinning the reference) or adds the codes a verifier
following the page could answer as alternatives. The self-check refuses a valid/invalid
case without a basis that is not a decision, and a row that matches no case.

Before writing, the program asserts its signatures for the self-computed examples
(Hash over the client example values, Partner Hash over the vendor page's example
request in its three header-omission shapes), and runs a small independent checker
of its own over every case, so a generator bug fails loudly instead of landing in
a vector.

Standard library only (Python 3.11).
"""

import argparse
import base64
import calendar
import hashlib
import json
import sys
import time
from pathlib import Path

VECTORS_DIR = Path(__file__).resolve().parent.parent

CRLF = "\r\n"
LF = "\n"

# ----------------------------------------------------------------------------
# Test data
# ----------------------------------------------------------------------------

DATE = "Sat, 09 Sep 1989 11:00:00 GMT"
NONCE = "0123456789abcdef0123456789abcdef01234567"
# 40 visible ASCII characters, punctuation included (S5 allows 0x21-0x7E).
NONCE_40_PUNCT = "!#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHI"
NONCE_41 = NONCE + "8"
NONCE_UUID = "9b2f6a3e-4c1d-4e8a-9f7b-2d5c8e1a6b30"
NONCE_OTHER = "f00dfacef00dfacef00dfacef00dfacef00dface"

# Partner Hash (vendor page example request; key invented, 40 x [a-zA-Z]).
P_PID = 4567
P_CID = 12345
P_UID = 678
P_KEY = "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ"
P_PID2 = 4568
P_KEY2 = "ZYXWVUTSRQzyxwvutsrqZYXWVUTSRQzyxwvutsrq"
P_METHOD = "POST"
P_TARGET = "/v1/account"
P_BODY = '{"name":"Example Ltd"}'

# Hash (ids and key of the vendor's PHP example client).
H_CID = 7654321
H_UID = 23456789
H_KEY = "2b2d77e014a30792d5048e262e306783"
H_CID2 = 1234567
H_KEY2 = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
H_METHOD = "GET"
H_TARGET = "/v1/list"

SCHEME_HASH = "signupto-hash"
SCHEME_PARTNER = "signupto-partner-hash"
SCHEME_TOKEN = "signupto-token"

URL_HASH = "https://dev.sign-up.to/documentation/reference/latest/authorisation/hash/"
URL_PARTNER = "https://dev.sign-up.to/documentation/reference/latest/authorisation/partner-hash/"
URL_TOKEN = "https://dev.sign-up.to/documentation/reference/latest/authorisation/token/"
URL_RESPONSE = "https://dev.sign-up.to/documentation/reference/latest/making-requests/response-format/"
URL_RFC9110 = "https://www.rfc-editor.org/rfc/rfc9110"
URL_RFC9112 = "https://www.rfc-editor.org/rfc/rfc9112"
URL_RFC3986 = "https://www.rfc-editor.org/rfc/rfc3986"
URL_RFC8259 = "https://www.rfc-editor.org/rfc/rfc8259"
URL_RFC4648 = "https://www.rfc-editor.org/rfc/rfc4648"

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DIGITS = "0123456789"
HEX_LOWER = "0123456789abcdef"
HEX_ANY = "0123456789abcdefABCDEF"
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
B64_ALPHABET = LETTERS + DIGITS + "+/"
TCHAR = "!#$%&'*+-.^_`|~" + DIGITS + LETTERS


# ----------------------------------------------------------------------------
# Primitives
# ----------------------------------------------------------------------------


def sha1_hex(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def parse_imf_fixdate(value):
    """Unix seconds of an RFC 9110 IMF-fixdate, or None if `value` is not one.

    `Sun, 06 Nov 1994 08:49:37 GMT`: fixed width, case-sensitive names, GMT only.
    The weekday must be one of the seven names but is not cross-checked against
    the date (S6).
    """
    if len(value) != 29:
        return None
    if value[3:5] != ", " or value[7] != " " or value[11] != " " or value[16] != " ":
        return None
    if value[19] != ":" or value[22] != ":" or value[25:] != " GMT":
        return None
    if value[0:3] not in WEEKDAYS or value[8:11] not in MONTHS:
        return None
    fields = [value[5:7], value[12:16], value[17:19], value[20:22], value[23:25]]
    if not all(f and all(c in DIGITS for c in f) for f in fields):
        return None
    day, year, hour, minute, second = (int(f) for f in fields)
    month = MONTHS.index(value[8:11]) + 1
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    return calendar.timegm((year, month, day, hour, minute, second))


FULL_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _clock(hms):
    if len(hms) != 8 or hms[2] != ":" or hms[5] != ":":
        return None
    parts = [hms[0:2], hms[3:5], hms[6:8]]
    if not all(all(c in DIGITS for c in f) for f in parts):
        return None
    h, m, sec = (int(f) for f in parts)
    if h > 23 or m > 59 or sec > 59:
        return None
    return h, m, sec


def _timegm(year, month, day, hms):
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return calendar.timegm((year, month, day) + hms)


def parse_http_date(value, now):
    """Unix seconds of any of the three HTTP-date forms of RFC 9110 §5.6.7, or None.

    IMF-fixdate; rfc850-date `Sunday, 06-Nov-94 08:49:37 GMT`, whose two-digit year is
    the most recent year in the past (relative to `now`) with those last two digits
    unless that is more than 50 years away from a future reading; asctime-date
    `Sun Nov  6 08:49:37 1994`. Weekday names are not cross-checked (S6).
    """
    t = parse_imf_fixdate(value)
    if t is not None:
        return t
    # rfc850-date = day-name-l "," SP date2 SP time-of-day SP GMT ; date2 = DD-Mon-YY
    if "," in value:
        day_name, rest = value.split(",", 1)
        if day_name not in FULL_WEEKDAYS or len(rest) != 23 or rest[0] != " ":
            return None
        date2, tod, zone = rest[1:10], rest[11:19], rest[19:]
        if rest[10] != " " or zone != " GMT" or date2[2] != "-" or date2[6] != "-":
            return None
        dd, mon, yy = date2[0:2], date2[3:6], date2[7:9]
        if mon not in MONTHS or not all(c in DIGITS for c in dd + yy):
            return None
        hms = _clock(tod)
        if hms is None:
            return None
        now_year = time.gmtime(now).tm_year
        year = now_year - now_year % 100 + int(yy)
        if year > now_year + 50:
            year -= 100
        return _timegm(year, MONTHS.index(mon) + 1, int(dd), hms)
    # asctime-date = day-name SP date3 SP time-of-day SP year ; date3 = Mon SP ( 2DIGIT / ( SP DIGIT ))
    if len(value) != 24 or value[3] != " " or value[7] != " " or value[10] != " " or value[19] != " ":
        return None
    if value[0:3] not in WEEKDAYS or value[4:7] not in MONTHS:
        return None
    dd = value[8:10]
    if not (all(c in DIGITS for c in dd) or (dd[0] == " " and dd[1] in DIGITS)):
        return None
    year = value[20:24]
    if not all(c in DIGITS for c in year):
        return None
    hms = _clock(value[11:19])
    if hms is None:
        return None
    return _timegm(int(year), MONTHS.index(value[4:7]) + 1, int(dd.strip()), hms)


T0 = parse_imf_fixdate(DATE)
assert T0 == 621342000, T0
NOW = T0 + 60


def make_token(label):
    """A deterministic 96-character token over [A-Za-z0-9+/] (72 bytes, Base64)."""
    raw = hashlib.sha512(label.encode()).digest() + hashlib.sha384(label.encode()).digest()[:8]
    tok = base64.b64encode(raw).decode("ascii")
    assert len(tok) == 96 and all(c in B64_ALPHABET for c in tok), tok
    return tok


# ----------------------------------------------------------------------------
# The canonical string (Hash / Partner Hash pages)
# ----------------------------------------------------------------------------


def path_of(target):
    """The signed path: the target up to the first `?`, verbatim (S1, S-PATH)."""
    return target.split("?", 1)[0]


def id_fields(pid=None, cid=None, uid=None):
    """The identity lines in page order; absent ids are omitted entirely (S3)."""
    fields = []
    if pid is not None:
        fields.append(("X-SuT-PID", str(pid)))
    if cid is not None:
        fields.append(("X-SuT-CID", str(cid)))
    if uid is not None:
        fields.append(("X-SuT-UID", str(uid)))
    return fields


def canonical_fields(date, nonce, pid=None, cid=None, uid=None):
    return [("Date", date)] + id_fields(pid, cid, uid) + [("X-SuT-Nonce", nonce)]


def render(first_line, fields, nl=CRLF, colon=": "):
    """The canonical string WITHOUT the key line (what the server echoes)."""
    return nl.join([first_line] + [f"{label}{colon}{value}" for label, value in fields])


def signature_over(canonical, key, nl=CRLF, trailer=""):
    """SHA-1 of canonical + line break + key; the key line has no terminator."""
    return sha1_hex(canonical + nl + key + trailer)


def sign_hash_like(method, target, date, nonce, key, pid=None, cid=None, uid=None):
    """The correct signer: (canonical, signature)."""
    canonical = render(f"{method} {path_of(target)}", canonical_fields(date, nonce, pid, cid, uid))
    return canonical, signature_over(canonical, key)


def auth_value(scheme_token, sig):
    return f'{scheme_token} signature="{sig}"'


def signer_headers(scheme_token, date, nonce, sig, pid=None, cid=None, uid=None):
    headers = [["Date", date]]
    headers += [[label, value] for label, value in id_fields(pid, cid, uid)]
    headers.append(["X-SuT-Nonce", nonce])
    headers.append(["Authorization", auth_value(scheme_token, sig)])
    return headers


# ----------------------------------------------------------------------------
# Cross-check examples (research notes §2.8, computed independently of this file)
# ----------------------------------------------------------------------------


def assert_cross_checks():
    checks = [
        ("Hash example", sign_hash_like("GET", "/v1/list", DATE, NONCE, H_KEY, cid=H_CID, uid=H_UID)[1],
         "2c5a5886f00792f09f945d7a6df46e3622bbb678"),
        ("Partner PID+CID+UID", sign_hash_like(P_METHOD, P_TARGET, DATE, NONCE, P_KEY, P_PID, P_CID, P_UID)[1],
         "4de7985100ef28d709f16db6ee05c5d87c200354"),
        ("Partner PID+CID", sign_hash_like(P_METHOD, P_TARGET, DATE, NONCE, P_KEY, P_PID, P_CID)[1],
         "ebff188a30b905d91aacb593f9f2ee4632fdb65c"),
        ("Partner PID only", sign_hash_like(P_METHOD, P_TARGET, DATE, NONCE, P_KEY, P_PID)[1],
         "bb06b477868a127f1042b8f94a9449e4b1188ad0"),
    ]
    # The literal string of the Hash example, byte for byte.
    literal = ("GET /v1/list\r\nDate: Sat, 09 Sep 1989 11:00:00 GMT\r\nX-SuT-CID: 7654321\r\n"
               "X-SuT-UID: 23456789\r\nX-SuT-Nonce: 0123456789abcdef0123456789abcdef01234567\r\n"
               "2b2d77e014a30792d5048e262e306783")
    checks.append(("Hash example, literal string", sha1_hex(literal), "2c5a5886f00792f09f945d7a6df46e3622bbb678"))
    for name, got, want in checks:
        if got != want:
            raise AssertionError(f"cross-check {name}: computed {got}, expected {want}")


# ----------------------------------------------------------------------------
# Flags and decisions
# ----------------------------------------------------------------------------

# Flag name -> (description, bugType).
FLAGS = {
    "CROSS_CHECK": ("The request of a worked example whose signature the generator asserts against an independently computed value before writing anything.", "BASIC"),
    "HEADER_OMISSION": ("Optional identity headers (X-SuT-CID, X-SuT-UID) are left out entirely, header and canonical line, when absent; the page says each header must be fully omitted.", "CANONICALIZATION"),
    "SPEC_MUST": ("A 'must' sentence of the vendor page: valid cases pin the rule, invalid ones carry a signature computed under the misreading a careless implementation would make.", "CANONICALIZATION"),
    "WIRE_FORM": ("The same request in another legal wire form (header order, header-name case, surrounding whitespace, extra unsigned headers); none of these change the canonical string.", "INTEROP"),
    "BY_DESIGN": ("The scheme does not protect this part of the request (query string, body); the case pins that tampering with it leaves the signature valid, so nobody mistakes it for protection.", "BASIC"),
    "METHOD_CASE": ("The request verb as sent: RFC 9110 §9.1 makes methods case-sensitive, so the canonical first line keeps a lowercase verb unchanged.", "CANONICALIZATION"),
    "TAMPER": ("A signed part of the request changed after signing; the verifier must notice.", "AUTH_BYPASS"),
    "REPLAY": ("Nonce bookkeeping: a nonce reused under the same key id is refused, and only after the signature verified (S5).", "REPLAY"),
    "WINDOW_EDGE": ("The freshness window boundary of the reference (S6): |now - Date| equal to the window is accepted, one second more is refused, in the past and in the future.", "FRESHNESS"),
    "MULTI_FAULT": ("A request with several faults; the expected code is the first in the reference's check order and every code a verifier following the page could answer is listed as an alternative.", "BASIC"),
    "NON_ASCII": ("Non-ASCII characters, signed as UTF-8 bytes (S-PATH).", "CANONICALIZATION"),
    "KEY_SHAPE": ("The API key's documented shape.", "MALFORMED_INPUT"),
    "NONCE_SHAPE": ("The nonce's shape: the page's 'up to 40 characters'; the reference's 1 to 40 visible ASCII characters (S5).", "MALFORMED_INPUT"),
    "DATE_FORMAT": ("The Date header's shape: an HTTP-date (RFC 9110 §5.6.7); signers emit IMF-fixdate, verifiers accept the three forms (S6).", "MALFORMED_INPUT"),
    "ID_FORMAT": ("The shape of X-SuT-PID / X-SuT-CID / X-SuT-UID values: the pages type them as int; the reference takes 1 to 18 ASCII digits.", "MALFORMED_INPUT"),
    "REQUEST_SHAPE": ("The method and request target handed to the signer.", "MALFORMED_INPUT"),
    "MISSING_HEADER": ("A required header is absent from the request.", "AUTH_BYPASS"),
    "DUPLICATES": ("A security-relevant header appears more than once (S8).", "MALFORMED_INPUT"),
    "AUTH_SYNTAX": ("The syntax of the Authorization header value (S-AUTH).", "MALFORMED_INPUT"),
    "HEX_CASE": ("Acceptable: the page never says whether an uppercase hex signature is accepted; signers emit lowercase and the reference compares decoded bytes, so it accepts (S4).", "SPEC_AMBIGUITY"),
    "SCHEME_TOKEN_CASE": ("Acceptable: the page spells the scheme token in one case only; RFC 9110 §11.1 makes auth-scheme tokens case-insensitive, and the reference accepts a lowercase one (S-AUTH).", "SPEC_AMBIGUITY"),
    "UNQUOTED_SIGNATURE": ("Acceptable: `signature=<hex>` without quotes is a legal RFC 9110 auth-param but no client sends it and the page always quotes it; the reference refuses it (S-AUTH).", "SPEC_AMBIGUITY"),
    "WEEKDAY_MISMATCH": ("Acceptable: the weekday name disagrees with the date; RFC 9110 does not ask recipients to cross-check it and the reference does not (S6).", "SPEC_AMBIGUITY"),
    "TOKEN_HEADERS": ("Acceptable: the Token page's example request carries Date and no X-SuT-Nonce, and no page says whether either is mandatory with SuTToken (the official PHP and Node clients send both, a third-party Python client neither); the reference sends and requires both (S-TOKEN).", "SPEC_AMBIGUITY"),
    "TOKEN_SHAPE": ("The token's documented shape: a 96-character base64-encoded string (the reference: exactly 96 characters of [A-Za-z0-9+/]).", "MALFORMED_INPUT"),
    "TOKEN_EXPIRY": ("Token lifetime: tokens expire; the reference takes a token as valid while now < expiry (S-TOKEN).", "FRESHNESS"),
    "SCENARIO": ("Several requests against one verifier whose replay store lives from step to step: what one request leaves behind decides the next.", "REPLAY"),
    "EMPTY_ID_LINE": ("An X-SuT-CID or X-SuT-UID header sent with an empty value while the signature omits its line: the reference refuses it (MALFORMED_ID, S3); a verifier that reads the empty header as absent accepts a request no client should send.", "AUTH_BYPASS"),
    "TOKEN_ALPHABET": ("A token holding both `+` and `/`, the two characters where standard and URL-safe Base64 differ.", "INTEROP"),
    "REAL_RESPONSE": ("A response body captured from the real server (quoted in third-party client documentation).", "INTEROP"),
    "ENVELOPE": ("The shape of the PMAPI response envelope {status, response}.", "MALFORMED_INPUT"),
    # Acceptable because only a decision of ours decides (issue 12).
    "WINDOW_UNDEFINED": ("Acceptable: no page defines a Date window or says whether the Date is checked at all; the reference accepts |now - Date| <= window_seconds (900 by default) and refuses beyond (S6).", "SPEC_AMBIGUITY"),
    "DATE_NOT_HTTP_DATE": ("Acceptable: the Date is not an HTTP-date, but no page says a verifier checks the Date beyond the signature covering it; the reference needs it parsed for its window and refuses it (S6).", "SPEC_AMBIGUITY"),
    "NONCE_CHARSET": ("Acceptable: the page says only 'a randomly generated string of up to 40 characters', with no character set and no minimum; the reference takes 1 to 40 visible ASCII characters (S5).", "SPEC_AMBIGUITY"),
    "REPLAY_SCOPE": ("Acceptable: the page says the nonce 'uniquely identifies the request in order to prevent replay attacks' without saying whether uniqueness is per key id or across all; the reference remembers nonces per key id, so a nonce seen only under another one is accepted (S5).", "SPEC_AMBIGUITY"),
    "AUTH_WHITESPACE": ("Acceptable: RFC 9110 §11.4 allows 1*SP between the auth-scheme and its parameters and §11.2 optional whitespace around `=` and a list of auth-params, while the page shows exactly one form; the reference takes that one form only and refuses the others with MALFORMED_AUTHORIZATION (S-AUTH).", "SPEC_AMBIGUITY"),
    "DUPLICATE_POLICY": ("Acceptable: RFC 9110 §5.3 forbids senders to repeat these fields but does not say what a recipient does; the pages are silent; the reference refuses any repetition (S8).", "SPEC_AMBIGUITY"),
    "ID_RANGE": ("Acceptable: the pages type ids as int without a range or a textual form; the reference takes 1 to 18 ASCII digits (up to 999999999999999999), no sign.", "SPEC_AMBIGUITY"),
    "PATH_ENCODING": ("Acceptable: a request target carries no raw non-ASCII on the wire (RFC 3986 §2.1 percent-encodes it) and the page does not say how such a path is signed; the reference signs its UTF-8 bytes (S-PATH).", "SPEC_AMBIGUITY"),
    "ENVELOPE_UNDOCUMENTED": ("Acceptable: the envelope rules come from the vendor's client code and a response captured from the server, not from a page quoted here; the reference's reading is S-ENVELOPE / S-TOKEN-REQUEST.", "SPEC_AMBIGUITY"),
    "EXPIRY_EDGE": ("Acceptable: the Token page says tokens expire but not whether a token is still valid at the instant of its expiry; the reference takes now < expiry (S-TOKEN).", "SPEC_AMBIGUITY"),
    "EMPTY_SIGNATURE": ("Acceptable: `signature=\"\"` is well-formed RFC 9110 syntax whose value is not the page's 40-character hex string; whether parsing the header or checking the signature refuses it is ours to choose, and the reference refuses it while parsing (S-AUTH).", "SPEC_AMBIGUITY"),
}

ACCEPTABLE_FLAGS = {f for f, (d, _) in FLAGS.items() if d.startswith("Acceptable: ")}

# The sentence appended to the comment of a case a VERDICTS row turns acceptable.
ACCEPTABLE_NOTES = {
    "WINDOW_UNDEFINED": "No page defines a Date window.",
    "DATE_NOT_HTTP_DATE": "No page says the Date is checked beyond the signature covering it.",
    "REPLAY_SCOPE": "The page does not say whether a nonce is unique per key id or across all.",
    "AUTH_WHITESPACE": "RFC 9110 §11.2 / §11.4 allow this form; the page shows only `<Scheme> signature=\"<hex>\"`.",
    "ID_RANGE": "The pages type ids as int, with no range.",
    "DUPLICATE_POLICY": "RFC 9110 §5.3 does not say what a recipient does with such a repeated field.",
    "PATH_ENCODING": "The page does not say how a non-ASCII path is signed.",
    "ENVELOPE_UNDOCUMENTED": "No page quoted here shows this shape.",
    "EXPIRY_EDGE": "The page does not say whether a token is valid at the instant of its expiry.",
    "EMPTY_SIGNATURE": "Refusing it while parsing rather than when checking the signature is our choice.",
    "TOKEN_HEADERS": "The Token page's example carries no X-SuT-Nonce.",
}

# ----------------------------------------------------------------------------
# What the verdicts rest on (issue 12): quotes of the public pages, RFC sections.
# A `valid`/`invalid` case needs at least one entry that is not a decision and
# really decides it; where only a decision decides, the case is `acceptable`.
# ----------------------------------------------------------------------------


def page(url, quote):
    return f'page:{url} "{quote}"'


# The Partner Hash page (project copy: shared/specs/signupto-partner-hash-v1.2.txt).
PH = {
    "CRLF": page(URL_PARTNER, "In accordance with the HTTP specification, lines must be terminated by \\r\\n (DOS-style) line breaks."),
    "FIRST_LINE": page(URL_PARTNER, "The first line contains the request verb and API path; any query string (e.g. ?id=123) must not be included."),
    "COLON": page(URL_PARTNER, "Header names (e.g. X-SuT-CID) must be separated from their values by a colon and a single space character (ASCII code 32)"),
    "ORDER": page(URL_PARTNER, "The order of the headers in the canonical string must match the order shown."),
    "NO_OTHER": page(URL_PARTNER, "No other headers may be included in the string."),
    "KEY_LINE": page(URL_PARTNER, "Note that the line containing the API key does not have a terminating line break."),
    "SHA1": page(URL_PARTNER, "The signature is the SHA-1 digest of a canonical string containing certain request parameters."),
    "IN_AUTH": page(URL_PARTNER, "The signature is then supplied with the request, in the Authorization header."),
    "SIG_HEX": page(URL_PARTNER, "The Authorization header contains the request signature, a 40-character hex string generated using parameters from the request."),
    "AUTH_EXAMPLE": page(URL_PARTNER, 'Authorization: SuTPartner signature="0123456789abcdef0123456789abcdef01234567"'),
    "LABELS": page(URL_PARTNER, "X-SuT-Nonce: %random_string%"),
    "DATE_LINE": page(URL_PARTNER, "Date: Sat, 09 Sep 1989 11:00:00 GMT"),
    "OMIT": page(URL_PARTNER, "Each header must be fully omitted from the request headers and the 40 char hex string if they aren't required"),
    "UID_NEEDS_CID": page(URL_PARTNER, "If you do not supply the X-SuT-CID header you must not include a X-SuT-UID header."),
    "USER_OF_COMPANY": page(URL_PARTNER, "The user must belong to the corresponding company."),
    "ADMIN_IMPLIED": page(URL_PARTNER, "When authentication data includes a company ID but not a user ID, the system treats the request as if the user ID of the company"),
    "PID": page(URL_PARTNER, "int The ID of the authenticating partner."),
    "KEY": page(URL_PARTNER, "A 40-character string consisting of the characters [a-zA-Z]."),
    "NONCE": page(URL_PARTNER, "The X-SuT-Nonce header contains a randomly generated string of up to 40 characters."),
    "REPLAY": page(URL_PARTNER, "uniquely identifies the request in order to prevent replay attacks"),
    "OTHER_NEED_UID": page(URL_PARTNER, "other auth methods require a specific user ID"),
}

# The Hash page: only what the project's research notes show it says (schemes.md §2).
HP = {
    "IDS": page(URL_HASH, "A 32-character hex string is required in conjunction with a company ID and user ID."),
    "SHA1": page(URL_HASH, "An SHA-1 digest is created from these credentials and provided as the signature."),
    "KEY": page(URL_HASH, "A 32-character hex string, composed of the characters 0-9 and a-f"),
    "CID_INT": page(URL_HASH, "int The ID of the authenticating Sign-Up.to account."),
}

# The Token page (schemes.md §2.5).
TP = {
    "SHAPE": page(URL_TOKEN, "A token is a 96-character base64-encoded string, issued by a PMAPI server, that represents a particular user."),
    "EXPIRE": page(URL_TOKEN, "Tokens expire after a set period of time, they are self-limiting."),
    "HEADER": page(URL_TOKEN, "PMAPI tokens are passed to the remote server in the Authorization header."),
    "EXAMPLE": page(URL_TOKEN, "Authorization: SuTToken ERdpnHQJlZUjP81QpvxXp ...etc"),
}

R_DATE = "rfc9110#5.6.7"     # HTTP-date: senders generate IMF-fixdate; recipients accept all three forms
R_FIELDS = "rfc9110#5.1"     # field names are case-insensitive
R_ORDER = "rfc9110#5.3"      # order of differently named fields is not significant; repeated fields
R_VALUE = "rfc9110#5.5"      # a field value excludes leading and trailing whitespace
R_SCHEME = "rfc9110#11.1"    # auth-scheme is a case-insensitive token
R_PARAMS = "rfc9110#11.2"    # auth-param = token BWS "=" BWS ( token / quoted-string )
R_CREDS = "rfc9110#11.4"     # credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
R_QSTRING = "rfc9110#5.6.4"  # quoted-string
R_METHOD = "rfc9110#9.1"     # method = token
R_TARGET = "rfc9112#3.2.1"   # origin-form = absolute-path [ "?" query ]
R_QUERY = "rfc3986#3.4"      # the query begins at the first "?"
R_JSON = "rfc8259#2"         # JSON text grammar
R_B64 = "rfc4648#4"          # the base64 alphabet


class Rule:
    """The verdict of the cases whose comment contains `match` (see VERDICTS)."""

    def __init__(self, match, basis, acceptable=None, alternatives=(), schemes=None, ops=None, note=None):
        self.match = match
        self.raw_basis = list(basis)
        self.acceptable = acceptable
        self.alternatives = list(alternatives)
        self.schemes = schemes
        self.ops = ops
        self.note = note
        self.used = 0

    def basis(self, scheme):
        return list(self.raw_basis)


def V(match, *basis, acc=None, alt=(), schemes=None, ops=None, note=None):
    return Rule(match, basis, acceptable=acc, alternatives=alt, schemes=schemes, ops=ops, note=note)


HASHLIKE = {"signupto-hash", "signupto-partner-hash"}
HASH_ONLY = {"signupto-hash"}
PARTNER_ONLY = {"signupto-partner-hash"}
TOKEN_ONLY = {"signupto-token"}

# The canonical-string rules: the Partner Hash page states them; the Hash method's
# canonical string is the same without the PID line (the research notes' client code,
# and the real server's echo of a Hash canonical string).
CANON = [PH["SHA1"], PH["CRLF"], PH["COLON"], PH["ORDER"], PH["KEY_LINE"]]


# The verdict table: every case's comment matches exactly one row (first match wins
# among the rows whose schemes/ops fit). `acc` names the flag that makes the case
# `acceptable`; `alt` adds the codes a verifier following the page could answer.
VERDICTS = [
    # ---------------------------------------------------------------- sign (Hash, Partner Hash)
    V("The vendor page's example request with PID, CID and UID", *CANON, PH["LABELS"], ops={"sign"}),
    V("PID and CID without UID: the X-SuT-UID header", PH["OMIT"], PH["ADMIN_IMPLIED"], *CANON, ops={"sign"}),
    V("PID only, as for POST /v1/account", PH["OMIT"], *CANON, ops={"sign"}),
    V("A UID without a CID is refused", PH["UID_NEEDS_CID"], PH["USER_OF_COMPANY"], "decision:S3", ops={"sign"}),
    V("The Hash example (GET /v1/list", HP["SHA1"], HP["IDS"], *CANON, "decision:S2"),
    V("A Hash signer without a CID refuses", HP["IDS"], "decision:S-HASH-IDS"),
    V("A Hash signer without a UID refuses", HP["IDS"], PH["OTHER_NEED_UID"], "decision:S-HASH-IDS"),
    V("A resource id in the path is part of the signed path", PH["FIRST_LINE"], *CANON),
    V("The query string is stripped from the signed path", PH["FIRST_LINE"], "decision:S1"),
    V("The signed path ends at the first `?`", PH["FIRST_LINE"], R_QUERY, "decision:S1"),
    V("An empty query (a bare `?`) is stripped", PH["FIRST_LINE"], R_QUERY, "decision:S1"),
    V("A trailing slash is signed as sent", PH["FIRST_LINE"], "decision:S-PATH"),
    V("A non-ASCII path is signed as its UTF-8 bytes", "rfc3986#2.1", "decision:S-PATH", acc="PATH_ENCODING"),
    V("A percent-encoded path is signed verbatim", PH["FIRST_LINE"], "rfc3986#2.1", "decision:S-PATH"),
    V("A nonce of exactly 40 visible ASCII characters", PH["NONCE"], "decision:S5"),
    V("A one-character nonce is accepted", PH["NONCE"], "decision:S5"),
    V("A 36-character UUID nonce", PH["NONCE"], "decision:S5"),
    V("An empty nonce is refused", PH["NONCE"], "decision:S5", acc="NONCE_CHARSET",
      note="The page gives no minimum length."),
    V("A 41-character nonce is refused", PH["NONCE"], "decision:S5", schemes=HASHLIKE),
    V("A nonce containing a space is refused", PH["NONCE"], "decision:S5", acc="NONCE_CHARSET",
      note="The page gives no character set."),
    # A token signer that sends no Date (the Token page requires none) never reads one.
    V("An ISO 8601 date is refused (S6).", R_DATE, "decision:S6", acc="TOKEN_HEADERS", schemes=TOKEN_ONLY,
      ops={"sign"}, note="The Token page requires no Date, so a signer that sends none never reads it."),
    V("An ISO 8601 date is refused", R_DATE, "decision:S6", ops={"sign"}),
    V("The obsolete RFC 850 date form is refused, because signers", R_DATE, "decision:S6", ops={"sign"}),
    V("A 32-hex company key given to the Partner Hash signer", PH["KEY"], "decision:S7"),
    V("A 40-character partner key containing a digit", PH["KEY"], "decision:S7"),
    V("A 39-letter partner key", PH["KEY"], "decision:S7"),
    V("A 41-letter partner key", PH["KEY"], "decision:S7"),
    V("An uppercase-hex company key is refused", HP["KEY"], "decision:S7"),
    V("A 31-character company key", HP["KEY"], "decision:S7"),
    V("A 40-letter partner key given to the Hash signer", HP["KEY"], "decision:S7"),
    V("An empty method is refused", R_METHOD, PH["FIRST_LINE"]),
    V("A target that does not start with `/`", R_TARGET, PH["FIRST_LINE"]),
    V("A target containing CR LF is refused", R_TARGET, PH["CRLF"]),
    V("Ids of 18 digits, the longest accepted", "decision:S3", acc="ID_RANGE"),
    V("A GET on a partner endpoint with PID and CID", PH["FIRST_LINE"], PH["OMIT"], *CANON),
    # ---------------------------------------------------------------- verify (Hash, Partner Hash)
    V("A correctly signed request with PID, CID and UID", *CANON, PH["LABELS"]),
    V("A correctly signed request with PID and CID and no X-SuT-UID", PH["OMIT"], PH["ADMIN_IMPLIED"], *CANON),
    V("A correctly signed request with only X-SuT-PID", PH["OMIT"], *CANON),
    V("A correctly signed Hash request is accepted", HP["SHA1"], HP["IDS"], *CANON),
    V("headers in another order on the wire", R_ORDER, PH["ORDER"]),
    V("Header names in lowercase on the wire", R_FIELDS, PH["LABELS"]),
    V("Header names in uppercase on the wire", R_FIELDS, PH["LABELS"]),
    V("Unsigned extra headers (Host, Accept)", PH["NO_OTHER"]),
    V("Header values surrounded by spaces and tabs", R_VALUE),
    V("A request with a query string signed over the path alone", PH["FIRST_LINE"], "decision:S1"),
    V("A non-ASCII path signed over its UTF-8 bytes", "rfc3986#2.1", "decision:S-PATH", acc="PATH_ENCODING"),
    V("A signature over LF-joined lines", PH["CRLF"], "decision:S2"),
    V("CR LF after the key is refused", PH["KEY_LINE"], "decision:S2"),
    V("A signature whose first line includes the query string", PH["FIRST_LINE"], "decision:S1"),
    V("A signature over `Date:value` lines", PH["COLON"], "decision:S2"),
    V("two spaces after the colon", PH["COLON"], "decision:S2"),
    V("A signature over the header lines in another order", PH["ORDER"], "decision:S2"),
    V("A signature with the Date line after the identity lines", PH["ORDER"], "decision:S2"),
    V("includes a Host line", PH["NO_OTHER"], "decision:S2"),
    V("A signature over the wire spelling X-SUT-", PH["LABELS"], PH["ORDER"], "decision:S2"),
    V("A request to a path with a trailing slash signed over the path without it", PH["FIRST_LINE"], "decision:S-PATH"),
    V("A percent-encoded path signed over its decoded form", PH["FIRST_LINE"], "decision:S-PATH"),
    V("A signature over a string that also carries the body", PH["NO_OTHER"], PH["KEY_LINE"], PH["ORDER"], "decision:S1"),
    V("A PID-only request signed over an empty `X-SuT-CID: ` line", PH["OMIT"], "decision:S3"),
    V("An empty X-SuT-CID header, signed over an empty line, is refused because an id is 1 to 18 digits and an absent",
      PH["OMIT"], "decision:S3"),
    V("A request with X-SuT-UID but no X-SuT-CID is refused", PH["UID_NEEDS_CID"], PH["USER_OF_COMPANY"], "decision:S3"),
    V("An empty X-SuT-CID header, signed over an empty line", HP["IDS"], "decision:S3", alt=["UNKNOWN_CREDENTIALS"]),
    V("A Hash request with X-SuT-UID but no X-SuT-CID", HP["IDS"], "decision:S-HASH-IDS", alt=["UNKNOWN_CREDENTIALS"]),
    V("An uppercase-hex signature is acceptable", PH["SIG_HEX"], "decision:S4"),
    V("A lowercase scheme token", R_SCHEME, "decision:S-AUTH"),
    V("An unquoted `signature=<hex>` is acceptable", R_PARAMS, "decision:S-AUTH"),
    V("An unquoted signature is acceptable", R_PARAMS, "decision:S-AUTH"),
    V("A well-formed SuTPartner header sent to the Hash verifier", PH["AUTH_EXAMPLE"], R_SCHEME, "decision:S-AUTH",
      alt=["MALFORMED_AUTHORIZATION", "SIGNATURE_MISMATCH"]),
    V("A well-formed SuTHash header sent to the Partner Hash verifier", PH["AUTH_EXAMPLE"], R_SCHEME, "decision:S-AUTH",
      alt=["MALFORMED_AUTHORIZATION", "SIGNATURE_MISMATCH"]),
    V("A well-formed SuTToken header sent to the", TP["EXAMPLE"], R_SCHEME, "decision:S-AUTH",
      alt=["MALFORMED_AUTHORIZATION"]),
    V("An Authorization header of a non-Sign-Up.to scheme (Basic)", PH["AUTH_EXAMPLE"], R_SCHEME, "decision:S-AUTH",
      alt=["WRONG_SCHEME"]),
    V("Two spaces between the scheme token and `signature=`", R_CREDS, "decision:S-AUTH", acc="AUTH_WHITESPACE"),
    V("A 39-digit hex signature is refused", PH["SIG_HEX"], alt=["SIGNATURE_MISMATCH"]),
    V("A 40-character signature containing a non-hex digit", PH["SIG_HEX"], alt=["SIGNATURE_MISMATCH"]),
    V("A request without an Authorization header is refused", PH["IN_AUTH"], schemes=HASHLIKE),
    V("A request without a Date header is refused", PH["DATE_LINE"], PH["ORDER"], alt=["SIGNATURE_MISMATCH"]),
    V("A Partner Hash request without X-SuT-PID", PH["PID"], PH["ORDER"], alt=["SIGNATURE_MISMATCH", "UNKNOWN_CREDENTIALS"]),
    V("A Hash request without X-SuT-CID (but with UID)", HP["IDS"], "decision:S-HASH-IDS", alt=["UNKNOWN_CREDENTIALS"]),
    V("A Hash request without X-SuT-UID", HP["IDS"], PH["OTHER_NEED_UID"], "decision:S-HASH-IDS", alt=["SIGNATURE_MISMATCH"]),
    V("A request without X-SuT-Nonce is refused", PH["LABELS"], PH["ORDER"], alt=["SIGNATURE_MISMATCH"]),
    V("An empty X-SuT-Nonce value is refused", PH["NONCE"], "decision:S5", acc="NONCE_CHARSET",
      note="The page gives no minimum length."),
    V("A nonce with an inner space is refused", PH["NONCE"], "decision:S5", acc="NONCE_CHARSET",
      note="The page gives no character set."),
    V("A nonce with a non-ASCII character is refused", PH["NONCE"], "decision:S5", acc="NONCE_CHARSET",
      note="The page gives no character set."),
    V("A non-decimal X-SuT-PID is refused", PH["PID"], "decision:S3", alt=["UNKNOWN_CREDENTIALS", "SIGNATURE_MISMATCH"]),
    V("A non-decimal X-SuT-CID is refused", HP["CID_INT"], HP["IDS"], "decision:S3", alt=["UNKNOWN_CREDENTIALS", "SIGNATURE_MISMATCH"]),
    V("A 19-digit X-SuT-", "decision:S3", acc="ID_RANGE", note="The pages give ids no range."),
    V("An X-SuT-UID with a minus sign", "decision:S3", acc="ID_RANGE", note="The pages do not say whether an int id may carry a sign."),
    V("An X-SuT-CID with a plus sign", "decision:S3", acc="ID_RANGE", note="The pages do not say whether an int id may carry a sign."),
    V("A nonce already seen under the same", PH["REPLAY"], "decision:S5"),
    V("The same nonce seen only under another", PH["REPLAY"], "decision:S5", acc="REPLAY_SCOPE"),
    V("A replayed nonce with a wrong signature fails on the signature", PH["SHA1"], "decision:S5"),
    V("Other nonces already seen under the same", PH["REPLAY"], "decision:S5"),
    V("seconds in the past is accepted", "decision:S6", acc="WINDOW_UNDEFINED"),
    V("seconds in the future is accepted", "decision:S6", acc="WINDOW_UNDEFINED"),
    V("A Date 901 seconds in the past is refused", "decision:S6", acc="WINDOW_UNDEFINED"),
    V("A Date 901 seconds in the future is refused", "decision:S6", acc="WINDOW_UNDEFINED"),
    V("With window_seconds 60", "decision:S6", acc="WINDOW_UNDEFINED"),
    V("The obsolete RFC 850 Date form is accepted", R_DATE, "decision:S6"),
    V("The obsolete asctime Date form is accepted", R_DATE, "decision:S6"),
    V("An ISO 8601 Date is refused", R_DATE, "decision:S6", acc="DATE_NOT_HTTP_DATE"),
    V("A Date with a numeric zone instead of GMT", R_DATE, "decision:S6", acc="DATE_NOT_HTTP_DATE"),
    V("A Date with a one-digit day", R_DATE, "decision:S6", acc="DATE_NOT_HTTP_DATE"),
    V("A Date whose weekday name disagrees", R_DATE, "decision:S6"),
    V("Two X-SuT-Nonce headers are refused", R_ORDER, "decision:S8", acc="DUPLICATE_POLICY"),
    V("Two Authorization headers are refused", R_ORDER, "decision:S8", acc="DUPLICATE_POLICY"),
    V("The same Date header sent twice", R_ORDER, "decision:S8", acc="DUPLICATE_POLICY"),
    V("on the same request are one header sent twice", R_ORDER, R_FIELDS, "decision:S8", acc="DUPLICATE_POLICY"),
    V("A request signed with another well-formed key", PH["SHA1"], HP["SHA1"]),
    V("A request from a PID the key directory does not know", PH["PID"], PH["SHA1"], alt=["SIGNATURE_MISMATCH"]),
    V("A request from a CID the key directory does not know", HP["IDS"], HP["SHA1"], alt=["SIGNATURE_MISMATCH"]),
    V("A request whose body was changed after signing", PH["NO_OTHER"], *CANON, "decision:S1"),
    V("A request whose query string was changed after signing", PH["FIRST_LINE"], "decision:S1"),
    V("A request whose path was changed after signing", PH["FIRST_LINE"], PH["SHA1"]),
    V("A request whose method was changed after signing", PH["FIRST_LINE"], PH["SHA1"]),
    V("A request whose X-SuT-UID was changed after signing", PH["LABELS"], PH["ORDER"], PH["SHA1"]),
    V("Removing X-SuT-UID from a signed request", PH["OMIT"], PH["SHA1"]),
    V("Adding an X-SuT-CID header to a signed PID-only request", PH["OMIT"], PH["SHA1"]),
    V("A request whose Date was changed after signing", PH["DATE_LINE"], PH["SHA1"]),
    V("A request without a nonce and with a stale Date", PH["LABELS"], "decision:S6", alt=["SIGNATURE_MISMATCH"]),
    V("An unknown key id with a stale Date", PH["SHA1"], "decision:S6", alt=["SIGNATURE_MISMATCH"]),
    V("A wrong signature with a stale Date", PH["SHA1"], "decision:S6"),
    V("Two malformed Authorization headers", R_ORDER, R_CREDS, "decision:S8"),
    V("An empty quoted signature is refused as a malformed header", PH["SIG_HEX"], "decision:S-AUTH",
      alt=["SIGNATURE_MISMATCH"]),
    # ---------------------------------------------------------------- kill cases (issue 18)
    V("An empty X-SuT-UID header, the signature omitting its line", HP["IDS"], PH["OMIT"], "decision:S3",
      alt=["MISSING_UID", "SIGNATURE_MISMATCH"], schemes=HASH_ONLY),
    V("An empty X-SuT-CID header, the signature omitting its line", HP["IDS"], PH["OMIT"], "decision:S3",
      alt=["MISSING_CID", "SIGNATURE_MISMATCH"], schemes=HASH_ONLY),
    V("An empty X-SuT-UID header, the signature omitting its line", PH["OMIT"], "decision:S3", schemes=PARTNER_ONLY),
    V("An empty X-SuT-CID header, the signature omitting its line", PH["OMIT"], "decision:S3", schemes=PARTNER_ONLY),
    V("A lowercase method is signed as sent", PH["FIRST_LINE"], R_METHOD, ops={"sign"}),
    V("A request with a lowercase method, signed over the verb as sent", PH["FIRST_LINE"], R_METHOD, *CANON,
      ops={"verify"}),
    V("The genuine signature with only its last hex digit changed", PH["SHA1"], PH["SIG_HEX"]),
    V("X-SuT-UID left out and the signature made over the lines sent", HP["IDS"], PH["OTHER_NEED_UID"],
      "decision:S-HASH-IDS", schemes=HASH_ONLY),
    # ---------------------------------------------------------------- scenario
    V("A genuine request, then the same request again", PH["REPLAY"], "decision:S5", ops={"scenario"}, schemes=HASHLIKE),
    V("A forged request (the right key id, a wrong signature) with nonce N", PH["REPLAY"], PH["SHA1"], "decision:S5",
      ops={"scenario"}),
    V("The same nonce under two key ids", PH["REPLAY"], "decision:S5", acc="REPLAY_SCOPE", ops={"scenario"}),
    V("A genuine request, its exact replay", PH["REPLAY"], "decision:S5", "decision:S6", acc="WINDOW_UNDEFINED",
      ops={"scenario"}, note="No page defines a Date window or how long a nonce is remembered."),
    V("A token used, then used again after its expiry", TP["EXPIRE"], "decision:S-TOKEN", ops={"scenario"}),
    V("An unknown token with nonce N, then the genuine token with N", TP["SHAPE"], "decision:S5", ops={"scenario"}),
    V("A token request, then the same request again", TP["EXAMPLE"], "decision:S5", "decision:S-TOKEN",
      acc="TOKEN_HEADERS", ops={"scenario"}),
    V("A token holding both `+` and `/` is accepted", TP["SHAPE"], R_B64, "decision:S-TOKEN-AUTH"),
    V("The genuine token with the case of its letters flipped", TP["SHAPE"], R_B64),
    # ---------------------------------------------------------------- parse-authorization
    V("A SuTHash value with a quoted 40-hex signature", HP["SHA1"], PH["SIG_HEX"], R_CREDS, R_PARAMS),
    V("A SuTPartner value with a quoted 40-hex signature", PH["AUTH_EXAMPLE"], PH["SIG_HEX"]),
    V("A SuTToken value carries the token itself", TP["EXAMPLE"], TP["SHAPE"]),
    V("A signature without its closing quote", R_QSTRING, R_PARAMS),
    V("Two spaces after the scheme token are refused", R_CREDS, "decision:S-AUTH", acc="AUTH_WHITESPACE"),
    V("Spaces around `=` are refused", R_PARAMS, "decision:S-AUTH", acc="AUTH_WHITESPACE"),
    V("An empty quoted signature is refused (S-AUTH)", PH["SIG_HEX"], "decision:S-AUTH", acc="EMPTY_SIGNATURE"),
    V("A quoted value without the `signature=` parameter name", R_CREDS, PH["AUTH_EXAMPLE"]),
    V("A scheme that is not a Sign-Up.to one", R_SCHEME, PH["AUTH_EXAMPLE"], TP["EXAMPLE"]),
    V("A second parameter after the signature", R_CREDS, "decision:S-AUTH", acc="AUTH_WHITESPACE"),
    V("An empty header value is refused", R_CREDS),
    # ---------------------------------------------------------------- parse-response
    V("An ok envelope with a data array", "decision:S-ENVELOPE", acc="ENVELOPE_UNDOCUMENTED"),
    V("An ok envelope with a single object as data", "decision:S-ENVELOPE", acc="ENVELOPE_UNDOCUMENTED"),
    V("The real server's 401 for a bad signature", "decision:S-ENVELOPE", acc="ENVELOPE_UNDOCUMENTED"),
    V("A 404 error envelope", "decision:S-ENVELOPE", acc="ENVELOPE_UNDOCUMENTED"),
    V("A 409 error envelope", "decision:S-ENVELOPE", acc="ENVELOPE_UNDOCUMENTED"),
    V("A body that is not JSON is refused", R_JSON, "decision:S-ENVELOPE"),
    V("A JSON body whose root is an array", "decision:S-ENVELOPE", acc="ENVELOPE_UNDOCUMENTED"),
    V("An envelope whose status is neither ok nor error", "decision:S-ENVELOPE", acc="ENVELOPE_UNDOCUMENTED"),
    V("A truncated JSON body is refused", R_JSON, "decision:S-ENVELOPE"),
    # ---------------------------------------------------------------- token
    V("The token request is an unauthenticated POST /v1/token", "decision:S-TOKEN-REQUEST", acc="ENVELOPE_UNDOCUMENTED"),
    V("Quote and backslash in the password", "rfc8259#7", "decision:S-TOKEN-REQUEST", acc="ENVELOPE_UNDOCUMENTED"),
    V("An ok envelope carrying a 96-character token", TP["SHAPE"], "decision:S-TOKEN-REQUEST", acc="ENVELOPE_UNDOCUMENTED"),
    V("A 95-character token is refused, because a token is exactly 96", TP["SHAPE"], "decision:S-TOKEN-AUTH"),
    V("A token using the URL-safe `-` is refused", TP["SHAPE"], R_B64, "decision:S-TOKEN-AUTH"),
    V("An error envelope with code 401", "decision:S-TOKEN-REQUEST", acc="ENVELOPE_UNDOCUMENTED"),
    V("An ok envelope without data.token", TP["SHAPE"], "decision:S-ENVELOPE"),
    V("A token request adds Date, X-SuT-Nonce", TP["EXAMPLE"], "decision:S-TOKEN", acc="TOKEN_HEADERS"),
    V("A 95-character token is refused (S-TOKEN-AUTH)", TP["SHAPE"], "decision:S-TOKEN-AUTH", ops={"sign"}),
    V("A 97-character token is refused", TP["SHAPE"], "decision:S-TOKEN-AUTH"),
    V("A token containing `-` is refused", TP["SHAPE"], R_B64, "decision:S-TOKEN-AUTH"),
    V("A 41-character nonce is refused (S5)", "decision:S5", acc="TOKEN_HEADERS", schemes=TOKEN_ONLY),
    V("The query string plays no part", TP["EXAMPLE"], "decision:S-TOKEN", acc="TOKEN_HEADERS"),
    V("A known, unexpired token with a fresh Date and nonce", TP["HEADER"], TP["EXAMPLE"]),
    V("One second before its expiry", TP["EXPIRE"], "decision:S-TOKEN"),
    V("One second after its expiry", TP["EXPIRE"], "decision:S-TOKEN"),
    V("The Token signer's Authorization header is", TP["HEADER"], TP["EXAMPLE"]),
    V("At exactly its expiry the token is refused", TP["EXPIRE"], "decision:S-TOKEN", acc="EXPIRY_EDGE"),
    V("A well-formed token the verifier never issued", TP["SHAPE"]),
    V("A request carrying only `Authorization: SuTToken`", TP["EXAMPLE"], "decision:S-TOKEN"),
    V("A request with Date but without X-SuT-Nonce", TP["EXAMPLE"], "decision:S-TOKEN"),
    V("A nonce already seen with the same token", "decision:S5", acc="TOKEN_HEADERS"),
    V("The same nonce seen only with another token", "decision:S5", acc="TOKEN_HEADERS"),
    V("A 95-character token is refused (S-TOKEN-AUTH)", TP["SHAPE"], "decision:S-TOKEN-AUTH", alt=["UNKNOWN_TOKEN"],
      ops={"verify"}),
    V("A SuTHash header sent to the Token verifier", TP["EXAMPLE"], R_SCHEME, alt=["MALFORMED_AUTHORIZATION"]),
    V("past its expiry", TP["EXPIRE"], "decision:S6", "decision:S-TOKEN", alt=["TOKEN_EXPIRED"]),
    V("A request without an Authorization header is refused", TP["HEADER"], schemes=TOKEN_ONLY),
    V("Two Authorization headers with different tokens", R_ORDER, "decision:S8", acc="DUPLICATE_POLICY"),
    V("Two spaces after SuTToken", R_CREDS, "decision:S-TOKEN-AUTH", acc="AUTH_WHITESPACE"),
    V("An expired token presented with a stale Date", TP["EXPIRE"], "decision:S6", "decision:S-TOKEN"),
]


def verdict_rule(scheme, op, comment):
    for rule in VERDICTS:
        if rule.schemes is not None and scheme not in rule.schemes:
            continue
        if rule.ops is not None and op not in rule.ops:
            continue
        if rule.match in comment:
            rule.used += 1
            return rule
    raise AssertionError(f"{scheme} {op}: no verdict rule matches {comment!r}")


def as_acceptable(expect):
    """The same reference behaviour, graded `acceptable` (alternatives dropped)."""
    if expect["result"] == "acceptable":
        return expect
    if expect["result"] == "valid":
        return {"result": "acceptable", "reference": "valid", "output": expect["output"]}
    return {"result": "acceptable", "reference": "invalid", "error": expect["error"]}


D = {
    "S1": "The query string is never part of the canonical path (the page: any query string 'must not be included'), and the body is not signed at all; tampering with either leaves the signature valid, and the vectors pin that so nobody mistakes it for protection.",
    "S2": "Canonical lines are joined with CR LF, the final key line has no terminator, header labels are always the literal spellings Date, X-SuT-PID, X-SuT-CID, X-SuT-UID and X-SuT-Nonce whatever case the wire used, label and value are separated by a colon and exactly one space, and the order is fixed: Date, PID, CID, UID, Nonce, with no other header lines.",
    "S3": "An absent CID or UID is omitted entirely, header and canonical line, and never written as an empty line; a UID without a CID is refused with UID_WITHOUT_CID by signer and verifier alike, and an X-SuT-CID or X-SuT-UID header that is present but empty is MALFORMED_ID, never read as absent.",
    "S4": "Signers emit the signature as 40 lowercase hex digits; verifiers decode the presented hex and compare bytes in constant time, so an uppercase-hex signature is `acceptable` and the reference accepts it.",
    "S5": "A nonce is 1 to 40 visible ASCII characters (0x21 to 0x7E); a nonce already seen under the same key id (CID for Hash, PID for Partner Hash, the token for Token) inside the window is refused with NONCE_REPLAYED, and a nonce is recorded only after the signature verified, so a replayed nonce with a bad signature fails with SIGNATURE_MISMATCH.",
    "S6": "Signers emit the Date as an RFC 9110 IMF-fixdate and refuse any other form (RFC 9110 §5.6.7: a sender MUST generate IMF-fixdate); verifiers accept all three HTTP-date forms, IMF-fixdate, the obsolete RFC 850 form (its two-digit year read as §5.6.7 says, relative to the verifier's clock) and asctime (RFC 9110 §5.6.7: a recipient MUST accept all three), the signature covering the Date text as sent; anything else is MALFORMED_DATE; the Date is accepted when |now - Date| <= window_seconds, 900 by default and configurable (no page defines a window, so the window cases are `acceptable`); the weekday name is not cross-checked against the date, which is `acceptable`.",
    "S7": "A company key (Hash) is exactly 32 characters of [0-9a-f] and a partner key (Partner Hash) exactly 40 characters of [a-zA-Z]; a signer given any other shape refuses with MALFORMED_KEY.",
    "S8": "A request carrying Date, Authorization or any X-SuT-* header more than once (names compared case-insensitively) is refused with DUPLICATE_HEADER, because an ambiguous request is an attack surface.",
    "S-AUTH": "The Authorization value is exactly `<Scheme> signature=\"<40 hex>\"` with one space after the scheme token and nothing else; the scheme token is compared case-insensitively as RFC 9110 §11.1 says, so a lowercase token is `acceptable` and the reference accepts it; an unquoted `signature=<hex>` is legal RFC 9110 syntax but no client sends it, so it is `acceptable` and the reference rejects it with MALFORMED_AUTHORIZATION; an empty `signature=\"\"` is MALFORMED_AUTHORIZATION, while a well-formed header whose quoted value is not 40 hex digits is MALFORMED_SIGNATURE, checked after the scheme; a scheme other than the three Sign-Up.to ones is MALFORMED_AUTHORIZATION, and another Sign-Up.to scheme is WRONG_SCHEME.",
    "S-HASH-IDS": "The Hash method requires both X-SuT-CID and X-SuT-UID (the Partner Hash page: 'other auth methods require a specific user ID'); a missing one is MISSING_CID or MISSING_UID, when signing and when verifying.",
    "S-PATH": "The signed path is the request target up to the first `?`, taken verbatim: no percent-decoding, no normalisation, no trailing-slash stripping, and non-ASCII characters are signed as their UTF-8 bytes.",
    "S-HTTPS": "The page's 'all PMAPI requests must be made over SSL (HTTPS)' is a transport rule that a request-level vector cannot express; it is out of scope for these files.",
    "S-TOKEN": "Token requests carry Date and X-SuT-Nonce beside `Authorization: SuTToken <token>` as the official clients send them; a request with only Authorization is `acceptable` and the reference rejects it with MISSING_DATE; a token is valid while now < expiry, so at exactly its expiry it is TOKEN_EXPIRED.",
    "S-TOKEN-AUTH": "The Authorization value for the Token method is exactly `SuTToken <token>` with one space; the scheme token is compared case-insensitively (RFC 9110 §11.1) and the token must be exactly 96 characters of [A-Za-z0-9+/], anything else being MALFORMED_TOKEN.",
    "S-TOKEN-ORDER": "The Token verifier checks in the order of the hash schemes with the token in place of the signature: DUPLICATE_HEADER, MISSING_AUTHORIZATION / MALFORMED_AUTHORIZATION, WRONG_SCHEME, MALFORMED_TOKEN, MISSING_DATE / MALFORMED_DATE, MISSING_NONCE / MALFORMED_NONCE, UNKNOWN_TOKEN, DATE_OUT_OF_WINDOW, TOKEN_EXPIRED, NONCE_REPLAYED.",
    "S-ENVELOPE": "A response body is parsed as the PMAPI envelope {\"status\": \"ok\"|\"error\", \"response\": {...}}; a body that is not JSON, whose root is not an object, or whose status is neither \"ok\" nor \"error\" is MALFORMED_RESPONSE; absent count, next, subcode or additional_information members read as null and unknown members (such as resource_id on a 409) are ignored.",
    "S-TOKEN-REQUEST": "The token request is `POST /v1/token` with `Content-Type: application/json` and the compact JSON body {\"username\":...,\"password\":...} in that member order with no whitespace; a successful answer carries data.token and data.expiry (Unix seconds, as the official C# client types it), and an \"error\" envelope is TOKEN_REFUSED.",
}

# The hardened profile's properties (vectors/README.md, "Profiles"): id -> description, bugType, why.
HARDENED_ALL = {
    "NONCE_AFTER_SIGNATURE": {
        "description": "A nonce is recorded only once the request carrying it authenticated (signature or token verified): a refused request leaves its nonce unused.",
        "bugType": "REPLAY",
        "why": "A verifier that records the nonce first lets anyone who sees or guesses a client's nonce burn it with one forged request: the genuine request is then refused as a replay, a denial of service the client cannot prevent. The page says only that the nonce prevents replay attacks.",
    },
    "EMPTY_ID_LINE": {
        "description": "An X-SuT-CID or X-SuT-UID header that is present but empty is refused (MALFORMED_ID), never read as absent.",
        "bugType": "AUTH_BYPASS",
        "why": "The page says an id header a client does not need is fully omitted, header and line, but not what a verifier does with an empty one. A verifier that reads it as absent authenticates a request whose headers say something other than what was signed, and a proxy or application that reads the header itself may see a different identity than the verifier checked.",
    },
}
HARDENED = HARDENED_ALL
HARDENED_BY_SCHEME = {
    SCHEME_HASH: ["NONCE_AFTER_SIGNATURE"],
    SCHEME_PARTNER: ["NONCE_AFTER_SIGNATURE", "EMPTY_ID_LINE"],
    SCHEME_TOKEN: ["NONCE_AFTER_SIGNATURE"],
}

HASH_DECISIONS = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S-AUTH", "S-HASH-IDS", "S-PATH", "S-HTTPS", "S-ENVELOPE"]
PARTNER_DECISIONS = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S-AUTH", "S-HASH-IDS", "S-PATH", "S-HTTPS"]
TOKEN_DECISIONS = ["S5", "S6", "S8", "S-TOKEN", "S-TOKEN-AUTH", "S-TOKEN-ORDER", "S-TOKEN-REQUEST", "S-ENVELOPE", "S-HTTPS"]


# ----------------------------------------------------------------------------
# Case construction
# ----------------------------------------------------------------------------


def valid(output):
    e = {"result": "valid", "output": output}
    # Header fields are graded as fields (RFC 9110 §5.3: the order of differently named
    # fields carries no meaning; names are case-insensitive), a JSON body as JSON.
    compare = {}
    if "headers" in output:
        compare["headers"] = "headers"
    if isinstance(output.get("body"), str) and output["body"].startswith("{"):
        compare["body"] = "json"
    if compare:
        e["compare"] = compare
    return e


def invalid(error, alternatives=None):
    e = {"result": "invalid", "error": error}
    if alternatives:
        e["alternatives"] = list(alternatives)
    return e


def acceptable_valid(output):
    return {"result": "acceptable", "reference": "valid", "output": output}


def acceptable_invalid(error):
    return {"result": "acceptable", "reference": "invalid", "error": error}


class CaseList:
    def __init__(self, scheme):
        self.scheme = scheme
        self.cases = []
        self.counters = {}

    def add(self, op, comment, flags, inp, expect, withdrawn=False, hardened=None):
        n = self.counters.get(op, 0) + 1
        self.counters[op] = n
        rule = verdict_rule(self.scheme, op, comment)
        flags = list(flags)
        if hardened is not None:
            # A property of HARDENED, must-pass only under the hardened profile (vectors/README.md, "Profiles").
            assert hardened in HARDENED and rule.acceptable is None, (op, comment)
            assert expect["result"] in ("valid", "invalid"), (op, comment)
        if rule.acceptable:
            if rule.acceptable not in flags:
                flags.append(rule.acceptable)
            expect = as_acceptable(expect)
            note = rule.note or ACCEPTABLE_NOTES.get(rule.acceptable)
            if note:
                comment = f"{comment} {note}"
        elif rule.alternatives:
            assert expect["result"] == "invalid", (op, comment)
            alts = list(expect.get("alternatives", []))
            alts += [a for a in rule.alternatives if a not in alts and a != expect["error"]]
            expect = dict(expect, alternatives=alts)
        basis = rule.basis(self.scheme)
        if hardened is not None:
            basis = [f"hardened:{hardened}"] + basis
        case = {"id": f"{self.scheme}/{op}/{n:03d}", "op": op, "comment": comment, "flags": flags,
                "basis": basis}
        if withdrawn:
            case["withdrawn"] = True
        if hardened is not None:
            case["profile"] = "hardened"
        case["input"] = inp
        case["expect"] = expect
        self.cases.append(case)


def request(method, target, headers, body=""):
    return {"method": method, "target": target, "headers": [list(h) for h in headers], "body": body}


def verify_input(req, keys, now=NOW, state=None, window=None):
    inp = {"request": req, "now": now}
    if window is not None:
        inp["window_seconds"] = window
    inp["keys"] = keys
    if state is not None:
        inp["state"] = state
    return inp


def replace_header(headers, name, value):
    out = []
    for n, v in headers:
        out.append([n, value] if n == name else [n, v])
    return out


def drop_header(headers, name):
    return [[n, v] for n, v in headers if n != name]


def rename_headers(headers, fn):
    return [[fn(n), v] for n, v in headers]


def header_value(headers, name):
    for n, v in headers:
        if n == name:
            return v
    raise KeyError(name)


def sign_output(scheme_token, method, target, date, nonce, key, pid=None, cid=None, uid=None):
    canonical, sig = sign_hash_like(method, target, date, nonce, key, pid, cid, uid)
    return {
        "canonical": canonical,
        "signature": sig,
        "headers": signer_headers(scheme_token, date, nonce, sig, pid, cid, uid),
    }


# ----------------------------------------------------------------------------
# Hash and Partner Hash: shared builders
# ----------------------------------------------------------------------------


class Profile:
    """What differs between the Hash and Partner Hash cases."""

    def __init__(self, partner):
        self.partner = partner
        if partner:
            self.scheme = SCHEME_PARTNER
            self.token = "SuTPartner"
            self.other_token = "SuTHash"
            self.key = P_KEY
            self.key2 = P_KEY2
            self.method = P_METHOD
            self.target = P_TARGET
            self.body = P_BODY
            self.ids = {"pid": P_PID, "cid": P_CID, "uid": P_UID}
            self.keyid = "pid"
            self.keys = [{"pid": P_PID, "key": P_KEY}, {"pid": P_PID2, "key": P_KEY2}]
            self.other_keyid_value = P_PID2
        else:
            self.scheme = SCHEME_HASH
            self.token = "SuTHash"
            self.other_token = "SuTPartner"
            self.key = H_KEY
            self.key2 = H_KEY2
            self.method = H_METHOD
            self.target = H_TARGET
            self.body = ""
            self.ids = {"pid": None, "cid": H_CID, "uid": H_UID}
            self.keyid = "cid"
            self.keys = [{"cid": H_CID, "key": H_KEY}, {"cid": H_CID2, "key": H_KEY2}]
            self.other_keyid_value = H_CID2

    def identity(self, pid=None, cid=None, uid=None):
        out = {}
        if pid is not None:
            out["pid"] = pid
        if cid is not None:
            out["cid"] = cid
        if uid is not None:
            out["uid"] = uid
        return {"identity": out}

    def default_identity(self):
        return self.identity(**self.ids)

    def sign_input(self, method=None, target=None, date=DATE, nonce=NONCE, key=None, **ids):
        if not ids:
            ids = dict(self.ids)
        inp = {"method": self.method if method is None else method,
               "target": self.target if target is None else target,
               "date": date}
        for name in ("pid", "cid", "uid"):
            if ids.get(name) is not None:
                inp[name] = ids[name]
        inp["nonce"] = nonce
        inp["key"] = self.key if key is None else key
        return inp

    def sign_output(self, inp):
        return sign_output(self.token, inp["method"], inp["target"], inp["date"], inp["nonce"], inp["key"],
                           inp.get("pid"), inp.get("cid"), inp.get("uid"))

    def good_request(self, method=None, target=None, date=DATE, nonce=NONCE, key=None, body=None,
                     token=None, **ids):
        """A correctly signed request: (request, signature)."""
        if not ids:
            ids = dict(self.ids)
        method = self.method if method is None else method
        target = self.target if target is None else target
        key = self.key if key is None else key
        _, sig = sign_hash_like(method, target, date, nonce, key, ids.get("pid"), ids.get("cid"), ids.get("uid"))
        headers = signer_headers(self.token if token is None else token, date, nonce, sig,
                                 ids.get("pid"), ids.get("cid"), ids.get("uid"))
        return request(method, target, headers, self.body if body is None else body), sig

    def misread_request(self, canonical, nl=CRLF, trailer="", headers=None, method=None, target=None):
        """A request whose signature was computed over `canonical` (a misreading)."""
        sig = signature_over(canonical, self.key, nl=nl, trailer=trailer)
        if headers is None:
            headers = signer_headers(self.token, DATE, NONCE, sig, self.ids["pid"], self.ids["cid"], self.ids["uid"])
        else:
            headers = replace_header(headers, "Authorization", auth_value(self.token, sig))
        return request(self.method if method is None else method, self.target if target is None else target,
                       headers, self.body)

    def fields(self, date=DATE, nonce=NONCE):
        return canonical_fields(date, nonce, self.ids["pid"], self.ids["cid"], self.ids["uid"])

    def first_line(self, target=None):
        return f"{self.method} {path_of(self.target if target is None else target)}"


def build_hash_like_cases(p):
    """sign + verify cases common in shape to both schemes, in a fixed order."""
    c = CaseList(p.scheme)
    S = "sign"
    V = "verify"
    name = "Partner Hash" if p.partner else "Hash"
    keyid_label = "PID" if p.partner else "CID"

    # ------------------------------------------------------------------ sign
    if p.partner:
        inp = p.sign_input(pid=P_PID, cid=P_CID, uid=P_UID)
        c.add(S, "The vendor page's example request with PID, CID and UID, signed with a 40-letter partner key.",
              ["CROSS_CHECK"], inp, valid(p.sign_output(inp)))
        inp = p.sign_input(pid=P_PID, cid=P_CID)
        c.add(S, "PID and CID without UID: the X-SuT-UID header and canonical line are fully omitted, never written empty.",
              ["CROSS_CHECK", "HEADER_OMISSION"], inp, valid(p.sign_output(inp)))
        inp = p.sign_input(pid=P_PID)
        c.add(S, "PID only, as for POST /v1/account: neither an X-SuT-CID nor an X-SuT-UID line appears.",
              ["CROSS_CHECK", "HEADER_OMISSION"], inp, valid(p.sign_output(inp)))
        inp = p.sign_input(pid=P_PID, uid=P_UID)
        c.add(S, "A UID without a CID is refused, because the page says 'if you do not supply the X-SuT-CID header you must not include a X-SuT-UID header' (S3).",
              ["SPEC_MUST", "HEADER_OMISSION"], inp, invalid("UID_WITHOUT_CID"))
    else:
        inp = p.sign_input()
        c.add(S, "The Hash example (GET /v1/list with the example client's CID, UID and company key) signed over the five-line canonical string.",
              ["CROSS_CHECK"], inp, valid(p.sign_output(inp)))
        inp = p.sign_input(uid=H_UID)
        c.add(S, "A Hash signer without a CID refuses, because the Hash method requires a company id (S-HASH-IDS).",
              [], inp, invalid("MISSING_CID"))
        inp = p.sign_input(cid=H_CID)
        c.add(S, "A Hash signer without a UID refuses, because only Partner Hash may leave the user id out (S-HASH-IDS).",
              [], inp, invalid("MISSING_UID"))
        inp = p.sign_input(method="DELETE", target="/v1/list/123")
        c.add(S, "A resource id in the path is part of the signed path and the verb is signed as given.",
              [], inp, valid(p.sign_output(inp)))

    inp = p.sign_input(target=p.target + "?id=123")
    c.add(S, "The query string is stripped from the signed path, because the page says any query string 'must not be included' (S1).",
          ["SPEC_MUST"], inp, valid(p.sign_output(inp)))
    inp = p.sign_input(target=p.target + "/55?next=/v1/x?y=1")
    c.add(S, "The signed path ends at the first `?`, even when the query itself contains `?` and `/` (S1).",
          ["SPEC_MUST"], inp, valid(p.sign_output(inp)))
    inp = p.sign_input(target=p.target + "?")
    c.add(S, "An empty query (a bare `?`) is stripped like any other (S1).",
          ["SPEC_MUST"], inp, valid(p.sign_output(inp)))
    inp = p.sign_input(target=p.target + "/")
    c.add(S, "A trailing slash is signed as sent and not stripped (S-PATH).",
          [], inp, valid(p.sign_output(inp)))
    inp = p.sign_input(target=p.target + "/café")
    c.add(S, "A non-ASCII path is signed as its UTF-8 bytes (S-PATH).",
          ["NON_ASCII"], inp, valid(p.sign_output(inp)))
    inp = p.sign_input(target=p.target + "/caf%C3%A9")
    c.add(S, "A percent-encoded path is signed verbatim, without decoding (S-PATH).",
          [], inp, valid(p.sign_output(inp)))
    inp = p.sign_input(nonce=NONCE_40_PUNCT)
    c.add(S, "A nonce of exactly 40 visible ASCII characters, punctuation included, is accepted (S5).",
          ["NONCE_SHAPE"], inp, valid(p.sign_output(inp)))
    inp = p.sign_input(nonce="z")
    c.add(S, "A one-character nonce is accepted, because the page only gives an upper bound (S5).",
          ["NONCE_SHAPE"], inp, valid(p.sign_output(inp)))
    inp = p.sign_input(nonce=NONCE_UUID)
    c.add(S, "A 36-character UUID nonce with hyphens, as one client library sends, is accepted (S5).",
          ["NONCE_SHAPE"], inp, valid(p.sign_output(inp)))
    inp = p.sign_input(nonce="")
    c.add(S, "An empty nonce is refused, because a nonce is 1 to 40 visible ASCII characters (S5).",
          ["NONCE_SHAPE"], inp, invalid("MALFORMED_NONCE"))
    inp = p.sign_input(nonce=NONCE_41)
    c.add(S, "A 41-character nonce is refused, because the page says the nonce is 'a randomly generated string of up to 40 characters' (S5).",
          ["NONCE_SHAPE", "SPEC_MUST"], inp, invalid("MALFORMED_NONCE"))
    inp = p.sign_input(nonce="0123456789 abcdef")
    c.add(S, "A nonce containing a space is refused, because a nonce is visible ASCII only (S5).",
          ["NONCE_SHAPE"], inp, invalid("MALFORMED_NONCE"))
    inp = p.sign_input(date="1989-09-09T11:00:00Z")
    c.add(S, "An ISO 8601 date is refused, because the Date header must be an IMF-fixdate (S6).",
          ["DATE_FORMAT"], inp, invalid("MALFORMED_DATE"))
    inp = p.sign_input(date="Saturday, 09-Sep-89 11:00:00 GMT")
    c.add(S, "The obsolete RFC 850 date form is refused, because signers must emit an IMF-fixdate (S6).",
          ["DATE_FORMAT"], inp, invalid("MALFORMED_DATE"))
    if p.partner:
        inp = p.sign_input(key=H_KEY)
        c.add(S, "A 32-hex company key given to the Partner Hash signer is refused, because the partner key is 'a 40-character string consisting of the characters [a-zA-Z]' (S7).",
              ["KEY_SHAPE"], inp, invalid("MALFORMED_KEY"))
        inp = p.sign_input(key=P_KEY[:39] + "7")
        c.add(S, "A 40-character partner key containing a digit is refused, because the page allows only [a-zA-Z] (S7).",
              ["KEY_SHAPE"], inp, invalid("MALFORMED_KEY"))
        inp = p.sign_input(key=P_KEY[:39])
        c.add(S, "A 39-letter partner key is refused, because the key is exactly 40 characters (S7).",
              ["KEY_SHAPE"], inp, invalid("MALFORMED_KEY"))
        inp = p.sign_input(key=P_KEY + "K")
        c.add(S, "A 41-letter partner key is refused, because the key is exactly 40 characters (S7).",
              ["KEY_SHAPE"], inp, invalid("MALFORMED_KEY"))
    else:
        inp = p.sign_input(key=H_KEY.upper())
        c.add(S, "An uppercase-hex company key is refused, because the company key is 32 characters of 0-9 and a-f (S7).",
              ["KEY_SHAPE"], inp, invalid("MALFORMED_KEY"))
        inp = p.sign_input(key=H_KEY[:31])
        c.add(S, "A 31-character company key is refused, because the key is exactly 32 hex characters (S7).",
              ["KEY_SHAPE"], inp, invalid("MALFORMED_KEY"))
        inp = p.sign_input(key=P_KEY)
        c.add(S, "A 40-letter partner key given to the Hash signer is refused, because Hash takes a 32-hex company key (S7).",
              ["KEY_SHAPE"], inp, invalid("MALFORMED_KEY"))
    inp = p.sign_input(method="")
    c.add(S, "An empty method is refused, because the first canonical line needs the request verb.",
          ["REQUEST_SHAPE"], inp, invalid("MALFORMED_METHOD"))
    inp = p.sign_input(target=p.target[1:])
    c.add(S, "A target that does not start with `/` is refused, because the signer signs an origin-form path.",
          ["REQUEST_SHAPE"], inp, invalid("MALFORMED_TARGET"))
    inp = p.sign_input(target=p.target + "\r\nX-SuT-CID: 1")
    c.add(S, "A target containing CR LF is refused, because it would inject a line into the canonical string.",
          ["REQUEST_SHAPE"], inp, invalid("MALFORMED_TARGET"))
    if p.partner:
        inp = p.sign_input(pid="999999999999999999", cid="999999999999999998", uid="999999999999999997")
    else:
        inp = p.sign_input(cid="999999999999999999", uid="999999999999999998")
    c.add(S, "Ids of 18 digits, the longest accepted, are written in full decimal; ids above 2^53 are given as decimal strings, which a signer must accept like integers.",
          ["ID_FORMAT"], inp, valid(p.sign_output(inp)))
    if p.partner:
        inp = p.sign_input(method="GET", target="/v1/account/98765", pid=P_PID, cid=P_CID)
        c.add(S, "A GET on a partner endpoint with PID and CID signs the verb and the full path.",
              ["HEADER_OMISSION"], inp, valid(p.sign_output(inp)))

    # ---------------------------------------------------------------- verify
    K = p.keys
    ident = p.default_identity()
    base_req, base_sig = p.good_request()

    if p.partner:
        c.add(V, "A correctly signed request with PID, CID and UID is accepted and names all three ids.",
              ["CROSS_CHECK"], verify_input(base_req, K), valid(ident))
        r, _ = p.good_request(pid=P_PID, cid=P_CID)
        c.add(V, "A correctly signed request with PID and CID and no X-SuT-UID header is accepted as the company's administrator.",
              ["HEADER_OMISSION"], verify_input(r, K), valid(p.identity(pid=P_PID, cid=P_CID)))
        r, _ = p.good_request(pid=P_PID)
        c.add(V, "A correctly signed request with only X-SuT-PID is accepted, the partner acting for itself.",
              ["HEADER_OMISSION"], verify_input(r, K), valid(p.identity(pid=P_PID)))
    else:
        c.add(V, "A correctly signed Hash request is accepted and names its CID and UID.",
              ["CROSS_CHECK"], verify_input(base_req, K), valid(ident))

    h = base_req["headers"]
    order = ["Authorization", "X-SuT-Nonce", "X-SuT-UID", "Date", "X-SuT-PID", "X-SuT-CID"]
    shuffled = sorted(h, key=lambda kv: order.index(kv[0]))
    c.add(V, "The same request with its headers in another order on the wire is accepted, because only the canonical string has a fixed order (S2).",
          ["WIRE_FORM"], verify_input(request(p.method, p.target, shuffled, p.body), K), valid(ident))
    c.add(V, "Header names in lowercase on the wire are accepted, because header names are case-insensitive and the canonical labels are literal (S2).",
          ["WIRE_FORM"], verify_input(request(p.method, p.target, rename_headers(h, str.lower), p.body), K), valid(ident))
    c.add(V, "Header names in uppercase on the wire (as the vendor's PHP client sends X-SUT-CID) are accepted, because the canonical labels stay literal (S2).",
          ["WIRE_FORM"], verify_input(request(p.method, p.target, rename_headers(h, str.upper), p.body), K), valid(ident))
    extra = [["Host", "api.sign-up.to"], ["Accept", "application/json"]] + h
    if p.partner:
        extra.append(["Content-Type", "application/json"])
    c.add(V, "Unsigned extra headers (Host, Accept) on the wire do not enter the canonical string, so the request is accepted (S2).",
          ["WIRE_FORM"], verify_input(request(p.method, p.target, extra, p.body), K), valid(ident))
    padded = [[n, (" " + v + "\t") if i % 2 == 0 else ("\t" + v + " ")] for i, (n, v) in enumerate(h)]
    c.add(V, "Header values surrounded by spaces and tabs are trimmed before the canonical string is built, so the request is accepted.",
          ["WIRE_FORM"], verify_input(request(p.method, p.target, padded, p.body), K), valid(ident))
    r, _ = p.good_request(target=p.target + "?id=123")
    c.add(V, "A request with a query string signed over the path alone is accepted, because the query 'must not be included' (S1).",
          ["SPEC_MUST"], verify_input(r, K), valid(ident))
    r, _ = p.good_request(target=p.target + "/café")
    c.add(V, "A non-ASCII path signed over its UTF-8 bytes is accepted (S-PATH).",
          ["NON_ASCII"], verify_input(r, K), valid(ident))
    r, _ = p.good_request(nonce=NONCE_40_PUNCT)
    c.add(V, "A nonce of exactly 40 visible ASCII characters, punctuation included, is accepted (S5).",
          ["NONCE_SHAPE"], verify_input(r, K), valid(ident))
    r, _ = p.good_request(nonce="z")
    c.add(V, "A one-character nonce is accepted (S5).",
          ["NONCE_SHAPE"], verify_input(r, K), valid(ident))

    # Misreadings of the page's 'must' sentences.
    fl = p.fields()
    c.add(V, "A signature over LF-joined lines is refused, because 'lines must be terminated by \\r\\n (DOS-style) line breaks' (S2).",
          ["SPEC_MUST"], verify_input(p.misread_request(render(p.first_line(), fl, nl=LF), nl=LF), K),
          invalid("SIGNATURE_MISMATCH"))
    c.add(V, "A signature over a string with CR LF after the key is refused, because 'the line containing the API key does not have a terminating line break' (S2).",
          ["SPEC_MUST"], verify_input(p.misread_request(render(p.first_line(), fl), trailer=CRLF), K),
          invalid("SIGNATURE_MISMATCH"))
    q_target = p.target + "?id=123"
    c.add(V, "A signature whose first line includes the query string is refused, because 'any query string (e.g. ?id=123) must not be included' (S1).",
          ["SPEC_MUST"], verify_input(p.misread_request(render(f"{p.method} {q_target}", fl), target=q_target), K),
          invalid("SIGNATURE_MISMATCH"))
    c.add(V, "A signature over `Date:value` lines without the space is refused, because names and values 'must be separated from their values by a colon and a single space character' (S2).",
          ["SPEC_MUST"], verify_input(p.misread_request(render(p.first_line(), fl, colon=":")), K),
          invalid("SIGNATURE_MISMATCH"))
    c.add(V, "A signature over lines with two spaces after the colon is refused, because the separator is a colon and a single space (S2).",
          ["SPEC_MUST"], verify_input(p.misread_request(render(p.first_line(), fl, colon=":  ")), K),
          invalid("SIGNATURE_MISMATCH"))
    swapped = list(fl)
    if p.partner:
        i, j = 1, 2  # PID <-> CID
    else:
        i, j = 1, 2  # CID <-> UID
    swapped[i], swapped[j] = swapped[j], swapped[i]
    c.add(V, f"A signature over the header lines in another order ({swapped[1][0]} before {swapped[2][0]}) is refused, because 'the order of the headers in the canonical string must match the order shown' (S2).",
          ["SPEC_MUST"], verify_input(p.misread_request(render(p.first_line(), swapped)), K),
          invalid("SIGNATURE_MISMATCH"))
    moved = fl[1:-1] + [fl[0], fl[-1]]
    c.add(V, "A signature with the Date line after the identity lines is refused, because the header order is fixed (S2).",
          ["SPEC_MUST"], verify_input(p.misread_request(render(p.first_line(), moved)), K),
          invalid("SIGNATURE_MISMATCH"))
    with_host = [("Host", "api.sign-up.to")] + fl
    hh = [["Host", "api.sign-up.to"]] + signer_headers(p.token, DATE, NONCE, "0" * 40, p.ids["pid"], p.ids["cid"], p.ids["uid"])
    c.add(V, "A signature over a string that includes a Host line is refused, because 'no other headers may be included in the string' (S2).",
          ["SPEC_MUST"], verify_input(p.misread_request(render(p.first_line(), with_host), headers=hh), K),
          invalid("SIGNATURE_MISMATCH"))
    upper_labels = [(("X-SUT-" + lbl[6:]) if lbl.startswith("X-SuT-") else lbl, v) for lbl, v in fl]
    wire_upper = rename_headers(signer_headers(p.token, DATE, NONCE, "0" * 40, p.ids["pid"], p.ids["cid"], p.ids["uid"]),
                                lambda n: ("X-SUT-" + n[6:]) if n.startswith("X-SuT-") else n)
    c.add(V, "A signature over the wire spelling X-SUT-... of the labels is refused, because the canonical string uses the literal X-SuT-... labels whatever the wire case (S2).",
          ["SPEC_MUST"], verify_input(p.misread_request(render(p.first_line(), upper_labels), headers=wire_upper), K),
          invalid("SIGNATURE_MISMATCH"))
    slash_target = p.target + "/"
    c.add(V, "A request to a path with a trailing slash signed over the path without it is refused, because the path is signed verbatim (S-PATH).",
          [], verify_input(p.misread_request(render(f"{p.method} {p.target}", fl), target=slash_target), K),
          invalid("SIGNATURE_MISMATCH"))
    enc_target = p.target + "/caf%C3%A9"
    c.add(V, "A percent-encoded path signed over its decoded form is refused, because the path is signed without decoding (S-PATH).",
          ["NON_ASCII"], verify_input(p.misread_request(render(f"{p.method} {p.target}/café", fl), target=enc_target), K),
          invalid("SIGNATURE_MISMATCH"))
    with_body = render(p.first_line(), fl) + CRLF + (p.body or "{}")
    c.add(V, "A signature over a string that also carries the body is refused, because the body is not part of the canonical string (S1).",
          ["SPEC_MUST"], verify_input(p.misread_request(with_body), K), invalid("SIGNATURE_MISMATCH"))

    if p.partner:
        # Empty CID line instead of omitting it (header omitted on the wire).
        fl_pid = canonical_fields(DATE, NONCE, pid=P_PID)
        fl_empty = [fl_pid[0], fl_pid[1], ("X-SuT-CID", ""), fl_pid[2]]
        hdrs = signer_headers(p.token, DATE, NONCE, "0" * 40, pid=P_PID)
        c.add(V, "A PID-only request signed over an empty `X-SuT-CID: ` line is refused, because the headers 'must be fully omitted if they aren't required' (S3).",
              ["SPEC_MUST", "HEADER_OMISSION"], verify_input(p.misread_request(render(p.first_line(), fl_empty), headers=hdrs), K),
              invalid("SIGNATURE_MISMATCH"))
        hdrs_e = [["Date", DATE], ["X-SuT-PID", str(P_PID)], ["X-SuT-CID", ""], ["X-SuT-Nonce", NONCE], ["Authorization", ""]]
        c.add(V, "An empty X-SuT-CID header, signed over an empty line, is refused because an id is 1 to 18 digits and an absent CID must be omitted (S3).",
              ["SPEC_MUST", "HEADER_OMISSION", "ID_FORMAT"],
              verify_input(p.misread_request(render(p.first_line(), fl_empty), headers=hdrs_e), K),
              invalid("MALFORMED_ID", ["SIGNATURE_MISMATCH"]))
        # UID without CID.
        fl_u = [fl_pid[0], fl_pid[1], ("X-SuT-UID", str(P_UID)), fl_pid[2]]
        hdrs_u = [["Date", DATE], ["X-SuT-PID", str(P_PID)], ["X-SuT-UID", str(P_UID)], ["X-SuT-Nonce", NONCE], ["Authorization", ""]]
        c.add(V, "A request with X-SuT-UID but no X-SuT-CID is refused, because 'if you do not supply the X-SuT-CID header you must not include a X-SuT-UID header' (S3).",
              ["SPEC_MUST", "HEADER_OMISSION"], verify_input(p.misread_request(render(p.first_line(), fl_u), headers=hdrs_u), K),
              invalid("UID_WITHOUT_CID"))
    else:
        hdrs_e = replace_header(base_req["headers"], "X-SuT-CID", "")
        fl_e = canonical_fields(DATE, NONCE, cid="", uid=H_UID)
        c.add(V, "An empty X-SuT-CID header, signed over an empty line, is refused because an id is 1 to 18 digits (S3, S-HASH-IDS).",
              ["ID_FORMAT"], verify_input(p.misread_request(render(p.first_line(), fl_e), headers=hdrs_e), K),
              invalid("MALFORMED_ID", ["MISSING_CID"]))
        fl_u = canonical_fields(DATE, NONCE, uid=H_UID)
        hdrs_u = drop_header(base_req["headers"], "X-SuT-CID")
        c.add(V, "A Hash request with X-SuT-UID but no X-SuT-CID, signed Partner-style without the CID line, is refused because Hash requires both ids (S-HASH-IDS).",
              ["MISSING_HEADER"], verify_input(p.misread_request(render(p.first_line(), fl_u), headers=hdrs_u), K),
              invalid("MISSING_CID"))

    # Authorization header forms.
    up = replace_header(h, "Authorization", auth_value(p.token, base_sig.upper()))
    c.add(V, "An uppercase-hex signature is acceptable, because the page does not fix the hex case; the reference compares decoded bytes and accepts (S4).",
          ["HEX_CASE"], verify_input(request(p.method, p.target, up, p.body), K), acceptable_valid(ident))
    lo = replace_header(h, "Authorization", auth_value(p.token.lower(), base_sig))
    c.add(V, f"A lowercase scheme token `{p.token.lower()}` is acceptable, because RFC 9110 §11.1 makes the token case-insensitive; the reference accepts (S-AUTH).",
          ["SCHEME_TOKEN_CASE"], verify_input(request(p.method, p.target, lo, p.body), K), acceptable_valid(ident))
    uq = replace_header(h, "Authorization", f"{p.token} signature={base_sig}")
    c.add(V, "An unquoted `signature=<hex>` is acceptable as RFC 9110 syntax no client sends; the reference refuses it (S-AUTH).",
          ["UNQUOTED_SIGNATURE"], verify_input(request(p.method, p.target, uq, p.body), K),
          acceptable_invalid("MALFORMED_AUTHORIZATION"))
    ws = replace_header(h, "Authorization", auth_value(p.other_token, base_sig))
    c.add(V, f"A well-formed {p.other_token} header sent to the {name} verifier is refused as another Sign-Up.to scheme.",
          ["AUTH_SYNTAX"], verify_input(request(p.method, p.target, ws, p.body), K), invalid("WRONG_SCHEME"))
    wt = replace_header(h, "Authorization", "SuTToken " + make_token("signupto-token/valid"))
    c.add(V, f"A well-formed SuTToken header sent to the {name} verifier is refused as another Sign-Up.to scheme.",
          ["AUTH_SYNTAX"], verify_input(request(p.method, p.target, wt, p.body), K), invalid("WRONG_SCHEME"))
    wb = replace_header(h, "Authorization", "Basic dXNlcjpwYXNz")
    c.add(V, "An Authorization header of a non-Sign-Up.to scheme (Basic) is refused as malformed (S-AUTH).",
          ["AUTH_SYNTAX"], verify_input(request(p.method, p.target, wb, p.body), K), invalid("MALFORMED_AUTHORIZATION"))
    w2 = replace_header(h, "Authorization", f'{p.token}  signature="{base_sig}"')
    c.add(V, "Two spaces between the scheme token and `signature=` are refused, because the value is exactly one space-separated form (S-AUTH).",
          ["AUTH_SYNTAX"], verify_input(request(p.method, p.target, w2, p.body), K), invalid("MALFORMED_AUTHORIZATION"))
    w39 = replace_header(h, "Authorization", auth_value(p.token, base_sig[:39]))
    c.add(V, "A 39-digit hex signature is refused, because the signature is 'a 40-character hex string'.",
          ["AUTH_SYNTAX"], verify_input(request(p.method, p.target, w39, p.body), K), invalid("MALFORMED_SIGNATURE"))
    wg = replace_header(h, "Authorization", auth_value(p.token, base_sig[:39] + "g"))
    c.add(V, "A 40-character signature containing a non-hex digit is refused, because the signature is a hex string.",
          ["AUTH_SYNTAX"], verify_input(request(p.method, p.target, wg, p.body), K), invalid("MALFORMED_SIGNATURE"))

    # Missing headers.
    c.add(V, "A request without an Authorization header is refused.",
          ["MISSING_HEADER"], verify_input(request(p.method, p.target, drop_header(h, "Authorization"), p.body), K),
          invalid("MISSING_AUTHORIZATION"))
    c.add(V, "A request without a Date header is refused, because the Date line is part of the canonical string.",
          ["MISSING_HEADER"], verify_input(request(p.method, p.target, drop_header(h, "Date"), p.body), K),
          invalid("MISSING_DATE"))
    if p.partner:
        c.add(V, "A Partner Hash request without X-SuT-PID is refused, because the partner id names the key.",
              ["MISSING_HEADER"], verify_input(request(p.method, p.target, drop_header(h, "X-SuT-PID"), p.body), K),
              invalid("MISSING_PID"))
    else:
        c.add(V, "A Hash request without X-SuT-CID (but with UID) is refused, because Hash requires both ids (S-HASH-IDS).",
              ["MISSING_HEADER"], verify_input(request(p.method, p.target, drop_header(h, "X-SuT-CID"), p.body), K),
              invalid("MISSING_CID"))
        c.add(V, "A Hash request without X-SuT-UID is refused, because only Partner Hash may leave the user id out (S-HASH-IDS).",
              ["MISSING_HEADER"], verify_input(request(p.method, p.target, drop_header(h, "X-SuT-UID"), p.body), K),
              invalid("MISSING_UID"))
    c.add(V, "A request without X-SuT-Nonce is refused, because the nonce is part of the canonical string and guards against replay.",
          ["MISSING_HEADER"], verify_input(request(p.method, p.target, drop_header(h, "X-SuT-Nonce"), p.body), K),
          invalid("MISSING_NONCE"))

    # Nonce shapes (signatures computed over the presented nonce).
    r, _ = p.good_request(nonce="")
    c.add(V, "An empty X-SuT-Nonce value is refused, because a nonce is 1 to 40 visible ASCII characters (S5).",
          ["NONCE_SHAPE"], verify_input(r, K), invalid("MALFORMED_NONCE", ["MISSING_NONCE"]))
    r, _ = p.good_request(nonce=NONCE_41)
    c.add(V, "A 41-character nonce is refused even with a matching signature, because the nonce is 'up to 40 characters' (S5).",
          ["NONCE_SHAPE", "SPEC_MUST"], verify_input(r, K), invalid("MALFORMED_NONCE"))
    r, _ = p.good_request(nonce="0123456789 abcdef")
    c.add(V, "A nonce with an inner space is refused, because a nonce is visible ASCII only (S5).",
          ["NONCE_SHAPE"], verify_input(r, K), invalid("MALFORMED_NONCE"))
    r, _ = p.good_request(nonce="nonce-é")
    c.add(V, "A nonce with a non-ASCII character is refused, because a nonce is visible ASCII only (S5).",
          ["NONCE_SHAPE", "NON_ASCII"], verify_input(r, K), invalid("MALFORMED_NONCE"))

    # Id shapes.
    if p.partner:
        r, _ = p.good_request(pid="45a7", cid=P_CID, uid=P_UID)
        c.add(V, "A non-decimal X-SuT-PID is refused, because the partner id is an int.",
              ["ID_FORMAT"], verify_input(r, K), invalid("MALFORMED_ID"))
        r, _ = p.good_request(pid=P_PID, cid="1234567890123456789", uid=P_UID)
        c.add(V, "A 19-digit X-SuT-CID is refused, because an id is 1 to 18 ASCII digits.",
              ["ID_FORMAT"], verify_input(r, K), invalid("MALFORMED_ID"))
        r, _ = p.good_request(pid=P_PID, cid=P_CID, uid="-678")
        c.add(V, "An X-SuT-UID with a minus sign (`-678`) is refused, because an id is ASCII digits only.",
              ["ID_FORMAT"], verify_input(r, K), invalid("MALFORMED_ID"))
    else:
        r, _ = p.good_request(cid="76543a1", uid=H_UID)
        c.add(V, "A non-decimal X-SuT-CID is refused, because the company id is an int.",
              ["ID_FORMAT"], verify_input(r, K), invalid("MALFORMED_ID"))
        r, _ = p.good_request(cid=H_CID, uid="1234567890123456789")
        c.add(V, "A 19-digit X-SuT-UID is refused, because an id is 1 to 18 ASCII digits.",
              ["ID_FORMAT"], verify_input(r, K), invalid("MALFORMED_ID"))
        r, _ = p.good_request(cid="+7654321", uid=H_UID)
        c.add(V, "An X-SuT-CID with a plus sign (`+7654321`) is refused, because an id is ASCII digits only.",
              ["ID_FORMAT"], verify_input(r, K), invalid("MALFORMED_ID"))

    # Replay.
    kid = p.ids[p.keyid]
    c.add(V, f"A nonce already seen under the same {keyid_label} inside the window is refused (S5).",
          ["REPLAY"], verify_input(base_req, K, state={"nonces": [{p.keyid: kid, "nonce": NONCE}]}),
          invalid("NONCE_REPLAYED"))
    c.add(V, f"The same nonce seen only under another {keyid_label} is accepted, because nonces are remembered per key id (S5).",
          ["REPLAY"], verify_input(base_req, K, state={"nonces": [{p.keyid: p.other_keyid_value, "nonce": NONCE}]}),
          valid(ident))
    r, _ = p.good_request(key=p.key2)
    c.add(V, "A replayed nonce with a wrong signature fails on the signature, because the signature is checked before the replay store (S5).",
          ["REPLAY", "MULTI_FAULT"], verify_input(r, K, state={"nonces": [{p.keyid: kid, "nonce": NONCE}]}),
          invalid("SIGNATURE_MISMATCH", ["NONCE_REPLAYED"]))
    c.add(V, f"Other nonces already seen under the same {keyid_label} do not affect a fresh one (S5).",
          ["REPLAY"], verify_input(base_req, K, state={"nonces": [{p.keyid: kid, "nonce": NONCE_OTHER},
                                                                   {p.keyid: kid, "nonce": NONCE_UUID}]}),
          valid(ident))

    # Window.
    c.add(V, "A Date exactly 900 seconds in the past is accepted, because |now - Date| <= 900 (S6).",
          ["WINDOW_EDGE"], verify_input(base_req, K, now=T0 + 900), valid(ident))
    c.add(V, "A Date exactly 900 seconds in the future is accepted, because |now - Date| <= 900 (S6).",
          ["WINDOW_EDGE"], verify_input(base_req, K, now=T0 - 900), valid(ident))
    c.add(V, "A Date 901 seconds in the past is refused as stale (S6).",
          ["WINDOW_EDGE"], verify_input(base_req, K, now=T0 + 901), invalid("DATE_OUT_OF_WINDOW"))
    c.add(V, "A Date 901 seconds in the future is refused (S6).",
          ["WINDOW_EDGE"], verify_input(base_req, K, now=T0 - 901), invalid("DATE_OUT_OF_WINDOW"))
    c.add(V, "With window_seconds 60, a Date exactly 60 seconds old is accepted (S6).",
          ["WINDOW_EDGE"], verify_input(base_req, K, now=T0 + 60, window=60), valid(ident))
    c.add(V, "With window_seconds 60, a Date 61 seconds old is refused (S6).",
          ["WINDOW_EDGE"], verify_input(base_req, K, now=T0 + 61, window=60), invalid("DATE_OUT_OF_WINDOW"))

    # Date shapes (signatures computed over the presented Date text).
    for date, comment, ok in [
        ("Saturday, 09-Sep-89 11:00:00 GMT", "The obsolete RFC 850 Date form is accepted, because a recipient 'MUST accept all three HTTP-date formats' and the signature covers the text as sent; its two-digit year is read as the most recent past year with those digits (S6).", True),
        ("1989-09-09T11:00:00Z", "An ISO 8601 Date is refused, because it is not an HTTP-date (S6).", False),
        ("Sat Sep  9 11:00:00 1989", "The obsolete asctime Date form is accepted, because a recipient 'MUST accept all three HTTP-date formats' and the signature covers the text as sent (S6).", True),
        ("Sat, 09 Sep 1989 11:00:00 +0000", "A Date with a numeric zone instead of GMT is refused, because an HTTP-date ends in GMT (S6).", False),
        ("Sat, 9 Sep 1989 11:00:00 GMT", "A Date with a one-digit day is refused, because an IMF-fixdate has a two-digit day (S6).", False),
    ]:
        r, _ = p.good_request(date=date)
        c.add(V, comment, ["DATE_FORMAT"], verify_input(r, K), valid(ident) if ok else invalid("MALFORMED_DATE"))
    r, _ = p.good_request(date="Fri, 09 Sep 1989 11:00:00 GMT")
    c.add(V, "A Date whose weekday name disagrees with the date is acceptable; the reference does not cross-check the weekday and accepts (S6).",
          ["WEEKDAY_MISMATCH", "DATE_FORMAT"], verify_input(r, K), acceptable_valid(ident))

    # Duplicates.
    dn = h[:-1] + [["X-SuT-Nonce", NONCE_OTHER], h[-1]]
    c.add(V, "Two X-SuT-Nonce headers are refused, because duplicated security headers are ambiguous (S8).",
          ["DUPLICATES"], verify_input(request(p.method, p.target, dn, p.body), K), invalid("DUPLICATE_HEADER"))
    da = h + [["Authorization", auth_value(p.token, "f" * 40)]]
    c.add(V, "Two Authorization headers are refused, because duplicated security headers are ambiguous (S8).",
          ["DUPLICATES"], verify_input(request(p.method, p.target, da, p.body), K), invalid("DUPLICATE_HEADER"))
    dd = [h[0]] + h
    c.add(V, "The same Date header sent twice with the same value is still refused (S8).",
          ["DUPLICATES"], verify_input(request(p.method, p.target, dd, p.body), K), invalid("DUPLICATE_HEADER"))
    dup_name = "X-SuT-PID" if p.partner else "X-SuT-CID"
    dc = h + [[dup_name.lower(), header_value(h, dup_name)]]
    c.add(V, f"{dup_name} and {dup_name.lower()} on the same request are one header sent twice, so the request is refused (S8).",
          ["DUPLICATES", "WIRE_FORM"], verify_input(request(p.method, p.target, dc, p.body), K), invalid("DUPLICATE_HEADER"))

    # Keys and tampering.
    r, _ = p.good_request(key=p.key2)
    c.add(V, f"A request signed with another well-formed key than the one on file for its {keyid_label} is refused.",
          [], verify_input(r, K), invalid("SIGNATURE_MISMATCH"))
    if p.partner:
        r, _ = p.good_request(pid=9999, cid=P_CID, uid=P_UID)
        c.add(V, "A request from a PID the key directory does not know is refused.",
              [], verify_input(r, K), invalid("UNKNOWN_CREDENTIALS"))
    else:
        r, _ = p.good_request(cid=7654322, uid=H_UID)
        c.add(V, "A request from a CID the key directory does not know is refused.",
              [], verify_input(r, K), invalid("UNKNOWN_CREDENTIALS"))
    if p.partner:
        r, _ = p.good_request()
        r["body"] = '{"name":"Tampered Ltd"}'
    else:
        r, _ = p.good_request(method="POST", body='{"name":"My list"}')
        r["body"] = '{"name":"Tampered list"}'
    c.add(V, "A request whose body was changed after signing is accepted, because the body is not signed (S1).",
          ["BY_DESIGN"], verify_input(r, K), valid(ident))
    r, _ = p.good_request(target=p.target + "?id=1")
    r["target"] = p.target + "?id=2"
    c.add(V, "A request whose query string was changed after signing is accepted, because the query is not signed (S1).",
          ["BY_DESIGN"], verify_input(r, K), valid(ident))
    r, _ = p.good_request(target=p.target + "/123")
    r["target"] = p.target + "/124"
    c.add(V, "A request whose path was changed after signing is refused, because the path is signed.",
          ["TAMPER"], verify_input(r, K), invalid("SIGNATURE_MISMATCH"))
    r, _ = p.good_request()
    r["method"] = "DELETE"
    c.add(V, "A request whose method was changed after signing is refused, because the verb is signed.",
          ["TAMPER"], verify_input(r, K), invalid("SIGNATURE_MISMATCH"))
    r, _ = p.good_request()
    r["headers"] = replace_header(r["headers"], "X-SuT-UID", str(p.ids["uid"] + 1))
    c.add(V, "A request whose X-SuT-UID was changed after signing is refused, because the UID line is signed.",
          ["TAMPER"], verify_input(r, K), invalid("SIGNATURE_MISMATCH"))
    if p.partner:
        r, _ = p.good_request()
        r["headers"] = drop_header(r["headers"], "X-SuT-UID")
        c.add(V, "Removing X-SuT-UID from a signed request (to act as the company administrator) is refused, because the omitted line changes the canonical string.",
              ["TAMPER", "HEADER_OMISSION"], verify_input(r, K), invalid("SIGNATURE_MISMATCH"))
        r, _ = p.good_request(pid=P_PID)
        r["headers"] = r["headers"][:2] + [["X-SuT-CID", "54321"]] + r["headers"][2:]
        c.add(V, "Adding an X-SuT-CID header to a signed PID-only request is refused, because the added line changes the canonical string.",
              ["TAMPER", "HEADER_OMISSION"], verify_input(r, K), invalid("SIGNATURE_MISMATCH"))
    else:
        r, _ = p.good_request()
        r["headers"] = replace_header(r["headers"], "Date", "Sat, 09 Sep 1989 11:00:30 GMT")
        c.add(V, "A request whose Date was changed after signing (still inside the window) is refused, because the Date line is signed.",
              ["TAMPER"], verify_input(r, K), invalid("SIGNATURE_MISMATCH"))

    # Multi-fault.
    c.add(V, "A request without a nonce and with a stale Date fails on the nonce, the earlier check, with the window as an alternative.",
          ["MULTI_FAULT", "MISSING_HEADER"],
          verify_input(request(p.method, p.target, drop_header(h, "X-SuT-Nonce"), p.body), K, now=T0 + 3600),
          invalid("MISSING_NONCE", ["DATE_OUT_OF_WINDOW"]))
    if p.partner:
        r, _ = p.good_request(pid=9999, cid=P_CID, uid=P_UID)
    else:
        r, _ = p.good_request(cid=7654322, uid=H_UID)
    c.add(V, "An unknown key id with a stale Date fails on the key id, the earlier check, with the window as an alternative.",
          ["MULTI_FAULT"], verify_input(r, K, now=T0 + 3600), invalid("UNKNOWN_CREDENTIALS", ["DATE_OUT_OF_WINDOW"]))
    r, _ = p.good_request(key=p.key2)
    c.add(V, "A wrong signature with a stale Date fails on the window, the earlier check, with the signature as an alternative.",
          ["MULTI_FAULT", "WINDOW_EDGE"], verify_input(r, K, now=T0 + 901), invalid("DATE_OUT_OF_WINDOW", ["SIGNATURE_MISMATCH"]))
    dup_bad = drop_header(h, "Authorization") + [["Authorization", "x"], ["Authorization", "y"]]
    c.add(V, "Two malformed Authorization headers fail on the duplication, the first check (S8).",
          ["MULTI_FAULT", "DUPLICATES"], verify_input(request(p.method, p.target, dup_bad, p.body), K),
          invalid("DUPLICATE_HEADER", ["MALFORMED_AUTHORIZATION"]))
    c.add(V, "An empty quoted signature is refused as a malformed header, with MALFORMED_SIGNATURE as a defensible alternative (S-AUTH).",
          ["AUTH_SYNTAX"], verify_input(request(p.method, p.target, replace_header(h, "Authorization", auth_value(p.token, "")), p.body), K),
          invalid("MALFORMED_AUTHORIZATION", ["MALFORMED_SIGNATURE"]))

    add_hash_like_kill_cases(p, c)
    add_hash_like_scenarios(p, c)
    return c


def imf_date(ts):
    """Unix seconds as an IMF-fixdate (RFC 9110 §5.6.7)."""
    t = time.gmtime(ts)
    return f"{WEEKDAYS[t.tm_wday]}, {t.tm_mday:02d} {MONTHS[t.tm_mon - 1]} {t.tm_year} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"


def add_hash_like_kill_cases(p, c):
    """Empty identity header lines while the signature omits them (issue 18)."""
    V = "verify"
    K = p.keys
    if p.partner:
        # PID + CID signed, an empty X-SuT-UID header added: read as absent, the request verifies.
        r, _ = p.good_request(pid=P_PID, cid=P_CID)
        r["headers"].insert(3, ["X-SuT-UID", ""])
        c.add(V, "An empty X-SuT-UID header, the signature omitting its line, is refused: an id header is present with "
              "an id or not at all (S3); a verifier reading the empty header as absent accepts.",
              ["EMPTY_ID_LINE", "ID_FORMAT"], verify_input(r, K), invalid("MALFORMED_ID"), hardened="EMPTY_ID_LINE")
        r, _ = p.good_request(pid=P_PID)
        r["headers"].insert(2, ["X-SuT-CID", ""])
        c.add(V, "An empty X-SuT-CID header, the signature omitting its line (PID only), is refused (S3); a verifier "
              "reading the empty header as absent accepts.",
              ["EMPTY_ID_LINE", "ID_FORMAT"], verify_input(r, K), invalid("MALFORMED_ID"), hardened="EMPTY_ID_LINE")
    else:
        for name in ("X-SuT-UID", "X-SuT-CID"):
            r, _ = p.good_request()
            # Signed without the line, then the header sent empty (the Hash method needs both ids).
            ids = dict(p.ids)
            ids[name[-3:].lower()] = None
            ids = {k: v for k, v in ids.items() if v is not None}
            if "uid" in ids and "cid" not in ids:
                _, sig = sign_hash_like(p.method, p.target, DATE, NONCE, p.key, None, None, ids["uid"])
            else:
                _, sig = sign_hash_like(p.method, p.target, DATE, NONCE, p.key, None, ids.get("cid"), ids.get("uid"))
            r["headers"] = replace_header(replace_header(r["headers"], name, ""), "Authorization",
                                          auth_value(p.token, sig))
            c.add(V, f"An empty {name} header, the signature omitting its line, is refused: an id is 1 to 18 digits "
                  "(S3) and the Hash method needs both ids (S-HASH-IDS).",
                  ["EMPTY_ID_LINE", "ID_FORMAT"], verify_input(r, K), invalid("MALFORMED_ID"))

    # The verb as sent: RFC 9110 §9.1 makes methods case-sensitive, so `get` is another method than `GET`
    # and the canonical first line holds it unchanged (a signer or verifier upper-casing it is caught).
    inp = p.sign_input(method="get")
    c.add("sign", "A lowercase method is signed as sent: the canonical first line holds the request verb, and "
          "methods are case-sensitive (RFC 9110 §9.1).", ["METHOD_CASE"], inp, valid(p.sign_output(inp)))
    r, _ = p.good_request(method="get")
    c.add(V, "A request with a lowercase method, signed over the verb as sent, is accepted (RFC 9110 §9.1: methods "
          "are case-sensitive, so the verb is not normalised).", ["METHOD_CASE"], verify_input(r, K),
          valid(p.default_identity()))
    # Every other tampered signature differs from the genuine one from its first digit on; this one only in its
    # last, so a verifier comparing a prefix is caught.
    r, sig = p.good_request()
    tampered = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    r["headers"] = replace_header(r["headers"], "Authorization", auth_value(p.token, tampered))
    c.add(V, "The genuine signature with only its last hex digit changed is refused: the signature is the whole "
          "SHA-1 digest, all 40 hex digits.", ["TAMPER"], verify_input(r, K), invalid("SIGNATURE_MISMATCH"))
    if not p.partner:
        # verify/037 drops X-SuT-UID from a request signed over its line, so SIGNATURE_MISMATCH is a fair answer
        # there; here the signature covers exactly the lines sent and only the missing id is wrong.
        r, _ = p.good_request(cid=H_CID)
        assert all(n != "X-SuT-UID" for n, _ in r["headers"])
        c.add(V, "X-SuT-UID left out and the signature made over the lines sent (no UID line): refused with "
              "MISSING_UID, the only fault, because only Partner Hash may leave the user id out (S-HASH-IDS).",
              ["MISSING_HEADER"], verify_input(r, K), invalid("MISSING_UID"))


def hash_scenario(p, steps, keys=None):
    return {"keys": p.keys if keys is None else keys, "start": T0,
            "steps": [{"at": at, "request": r, "note": note} for at, r, note in steps]}


def add_hash_like_scenarios(p, c):
    """Several requests against one verifier and one replay store (op `scenario`)."""
    S = "scenario"
    keyid = p.keyid

    def genuine(at, nonce=NONCE, **ids):
        r, _ = p.good_request(date=imf_date(T0 + at), nonce=nonce, **ids)
        return r

    def forged(at, nonce=NONCE):
        # The right key id, a signature made with another key.
        r, _ = p.good_request(date=imf_date(T0 + at), nonce=nonce, key=p.key2)
        return r

    ok = dict({"result": "valid"}, **p.default_identity())

    def add(comment, flags, steps, want, hardened=None):
        inp = hash_scenario(p, steps)
        out = check_scenario(p.scheme, inp)
        assert out == {"steps": want}, (p.scheme, comment, out)
        c.add(S, comment, flags, inp, valid(out), hardened=hardened)

    add("A genuine request, then the same request again 5 s later: accepted once, then NONCE_REPLAYED (S5).",
        ["SCENARIO", "REPLAY"],
        [(0, genuine(0), "genuine"), (5, genuine(0), "the same request replayed")],
        [ok, {"result": "invalid", "error": "NONCE_REPLAYED"}])
    add("A forged request (the right key id, a wrong signature) with nonce N, then the client's genuine request with N: "
        "SIGNATURE_MISMATCH, then accepted, then its replay NONCE_REPLAYED; a verifier that records N before checking "
        "the signature refuses the genuine request (S5).",
        ["SCENARIO"],
        [(0, forged(0), "forged, nonce N"), (1, genuine(1), "genuine, nonce N"), (2, genuine(1), "genuine, replayed")],
        [{"result": "invalid", "error": "SIGNATURE_MISMATCH"}, ok, {"result": "invalid", "error": "NONCE_REPLAYED"}],
        hardened="NONCE_AFTER_SIGNATURE")
    other = dict(p.ids)
    other[keyid] = p.other_keyid_value
    other_ok = dict({"result": "valid"}, **p.identity(**other))
    steps = [(0, genuine(0), f"{keyid.upper()} 1, nonce N")]
    r, _ = p.good_request(date=imf_date(T0 + 1), key=p.key2, **other)
    steps.append((1, r, f"{keyid.upper()} 2, nonce N"))
    add("The same nonce under two key ids, each request genuine: the reference remembers nonces per key id and "
        "accepts both (S5).", ["SCENARIO", "REPLAY_SCOPE"], steps, [ok, other_ok])
    add("A genuine request, its exact replay 1000 s later (DATE_OUT_OF_WINDOW), then a fresh request re-signed with "
        "the same nonce 2000 s later: the reference remembers a nonce only while its Date can pass the window and "
        "accepts (S5, S6).", ["SCENARIO", "REPLAY"],
        [(0, genuine(0), "genuine"), (1000, genuine(0), "exact replay, stale"),
         (2000, genuine(2000), "fresh request, old nonce")],
        [ok, {"result": "invalid", "error": "DATE_OUT_OF_WINDOW"}, ok])


def check_scenario(scheme, inp):
    """The generator's checker over every step; a nonce is recorded once its request verified and remembered while
    its Date can still pass the window (max(Date, now) + window, S5)."""
    window = inp.get("window_seconds", 900)
    seen = []  # (state.nonces entry, kept until)
    out = []
    last = 0
    for step in inp["steps"]:
        assert step["at"] >= last
        last = step["at"]
        now = inp["start"] + step["at"]
        one = {"request": step["request"], "now": now,
               "state": {"nonces": [e for e, until in seen if now <= until]}}
        for name in ("keys", "tokens", "window_seconds"):
            if name in inp:
                one[name] = inp[name]
        try:
            got = run_checker(scheme, {"op": "verify", "input": one})
        except Fail as e:
            out.append({"result": "invalid", "error": e.code})
            continue
        hm = lookup(step["request"]["headers"])
        nonce = hm["x-sut-nonce"]
        date = parse_http_date(hm["date"], now)
        if scheme == SCHEME_TOKEN:
            entry = {"token": check_parse_authorization(hm["authorization"])["credentials"], "nonce": nonce}
        else:
            keyid = "pid" if scheme == SCHEME_PARTNER else "cid"
            entry = {keyid: got["identity"][keyid], "nonce": nonce}
        seen.append((entry, max(date, now) + window))
        out.append(dict({"result": "valid"}, **got))
    return {"steps": out}


def add_parse_authorization_cases(c):
    P = "parse-authorization"
    hsig = sign_hash_like("GET", "/v1/list", DATE, NONCE, H_KEY, cid=H_CID, uid=H_UID)[1]
    psig = sign_hash_like(P_METHOD, P_TARGET, DATE, NONCE, P_KEY, P_PID, P_CID, P_UID)[1]
    c.add(P, "A SuTHash value with a quoted 40-hex signature.", ["AUTH_SYNTAX"],
          {"value": f'SuTHash signature="{hsig}"'}, valid({"scheme": "SuTHash", "credentials": hsig}))
    c.add(P, "A SuTPartner value with a quoted 40-hex signature.", ["AUTH_SYNTAX"],
          {"value": f'SuTPartner signature="{psig}"'}, valid({"scheme": "SuTPartner", "credentials": psig}))
    tok = make_token("signupto-token/valid")
    c.add(P, "A SuTToken value carries the token itself after one space.", ["AUTH_SYNTAX"],
          {"value": f"SuTToken {tok}"}, valid({"scheme": "SuTToken", "credentials": tok}))
    c.add(P, "A signature without its closing quote is refused (S-AUTH).", ["AUTH_SYNTAX"],
          {"value": f'SuTHash signature="{hsig}'}, invalid("MALFORMED_AUTHORIZATION"))
    c.add(P, "Two spaces after the scheme token are refused, because the form has exactly one (S-AUTH).", ["AUTH_SYNTAX"],
          {"value": f'SuTHash  signature="{hsig}"'}, invalid("MALFORMED_AUTHORIZATION"))
    c.add(P, "Spaces around `=` are refused, because the form is exactly `signature=\"...\"` (S-AUTH).", ["AUTH_SYNTAX"],
          {"value": f'SuTPartner signature = "{psig}"'}, invalid("MALFORMED_AUTHORIZATION"))
    c.add(P, "An empty quoted signature is refused (S-AUTH).", ["AUTH_SYNTAX"],
          {"value": 'SuTHash signature=""'}, invalid("MALFORMED_AUTHORIZATION"))
    c.add(P, "A quoted value without the `signature=` parameter name is refused (S-AUTH).", ["AUTH_SYNTAX"],
          {"value": f'SuTHash "{hsig}"'}, invalid("MALFORMED_AUTHORIZATION"))
    c.add(P, "A scheme that is not a Sign-Up.to one is refused (S-AUTH).", ["AUTH_SYNTAX"],
          {"value": "Basic dXNlcjpwYXNz"}, invalid("MALFORMED_AUTHORIZATION"))
    c.add(P, "A second parameter after the signature is refused, because the value is exactly one parameter (S-AUTH).", ["AUTH_SYNTAX"],
          {"value": f'SuTHash signature="{hsig}", nonce="x"'}, invalid("MALFORMED_AUTHORIZATION"))
    c.add(P, "An empty header value is refused (S-AUTH).", ["AUTH_SYNTAX"],
          {"value": ""}, invalid("MALFORMED_AUTHORIZATION"))
    c.add(P, "A lowercase scheme token is acceptable; the reference compares it case-insensitively as RFC 9110 §11.1 says and reports the canonical spelling (S-AUTH).",
          ["SCHEME_TOKEN_CASE"], {"value": f'suthash signature="{hsig}"'},
          acceptable_valid({"scheme": "SuTHash", "credentials": hsig}))
    c.add(P, "An unquoted signature is acceptable as RFC 9110 syntax; the reference refuses it (S-AUTH).",
          ["UNQUOTED_SIGNATURE"], {"value": f"SuTPartner signature={psig}"},
          acceptable_invalid("MALFORMED_AUTHORIZATION"))


def add_parse_response_cases(c):
    P = "parse-response"
    data = [{"id": 7890, "name": "Newsletter", "cdate": 1374769049},
            {"id": 7891, "name": "Offers", "cdate": 1374769050}]
    body = json.dumps({"status": "ok", "response": {"data": data, "count": 2, "next": 7892}})
    c.add(P, "An ok envelope with a data array, a count and the key of the next page.", ["ENVELOPE"],
          {"status": 200, "body": body}, valid({"status": "ok", "data": data, "count": 2, "next": 7892}))
    one = {"confirmed": False, "mdate": 1384265219, "subscriber_id": 4567, "list_id": 1234, "id": 19486109}
    body = json.dumps({"status": "ok", "response": {"data": one, "count": 1, "next": None}}, separators=(",", ":"))
    c.add(P, "An ok envelope with a single object as data and a null next, as a POST answers.", ["ENVELOPE"],
          {"status": 200, "body": body}, valid({"status": "ok", "data": one, "count": 1, "next": None}))
    real_info = ("GET /v0/list\r\nDate: Tue, 12 Nov 2013 14:24:58 GMT\r\nX-SuT-CID: 28711\r\n"
                 "X-SuT-UID: 6235\r\nX-SuT-Nonce: h91eq7qwh43go4tpu20hiaira2mfuu7yqf8e4t")
    real_body = ('{"status": "error", "response": {"message": "Bad signature: 9ec621a4c27dcb28bdb2148f1475f990f7adfbd6", '
                 '"code": 401, "subcode": null, "additional_information": '
                 '"GET /v0/list\\r\\nDate: Tue, 12 Nov 2013 14:24:58 GMT\\r\\nX-SuT-CID: 28711\\r\\n'
                 'X-SuT-UID: 6235\\r\\nX-SuT-Nonce: h91eq7qwh43go4tpu20hiaira2mfuu7yqf8e4t"}}')
    assert json.loads(real_body)["response"]["additional_information"] == real_info
    c.add(P, "The real server's 401 for a bad signature, whose additional_information echoes its canonical string without the key line.",
          ["REAL_RESPONSE", "ENVELOPE"], {"status": 401, "body": real_body},
          valid({"status": "error", "code": 401, "message": "Bad signature: 9ec621a4c27dcb28bdb2148f1475f990f7adfbd6",
                 "subcode": None, "additional_information": real_info}))
    body = json.dumps({"status": "error", "response": {"message": "Not found", "code": 404, "subcode": None,
                                                       "additional_information": None}})
    c.add(P, "A 404 error envelope, as sent for an empty filter result.", ["ENVELOPE"],
          {"status": 404, "body": body},
          valid({"status": "error", "code": 404, "message": "Not found", "subcode": None, "additional_information": None}))
    body = json.dumps({"status": "error", "response": {"message": "Duplicate subscription", "code": 409,
                                                       "subcode": None, "resource_id": 19486109}})
    c.add(P, "A 409 error envelope with an extra resource_id and no additional_information, which reads as null (S-ENVELOPE).",
          ["ENVELOPE"], {"status": 409, "body": body},
          valid({"status": "error", "code": 409, "message": "Duplicate subscription", "subcode": None,
                 "additional_information": None}))
    c.add(P, "A body that is not JSON is refused (S-ENVELOPE).", ["ENVELOPE"],
          {"status": 502, "body": "<html><body>Bad Gateway</body></html>"}, invalid("MALFORMED_RESPONSE"))
    c.add(P, "A JSON body whose root is an array is refused (S-ENVELOPE).", ["ENVELOPE"],
          {"status": 200, "body": "[]"}, invalid("MALFORMED_RESPONSE"))
    c.add(P, "An envelope whose status is neither ok nor error is refused (S-ENVELOPE).", ["ENVELOPE"],
          {"status": 200, "body": json.dumps({"status": "pending", "response": {"data": []}})},
          invalid("MALFORMED_RESPONSE"))
    c.add(P, "A truncated JSON body is refused (S-ENVELOPE).", ["ENVELOPE"],
          {"status": 200, "body": '{"status": "ok", "response": {"data": ['}, invalid("MALFORMED_RESPONSE"))


# ----------------------------------------------------------------------------
# Token
# ----------------------------------------------------------------------------

TOKEN = make_token("signupto-token/valid")
TOKEN_OTHER = make_token("signupto-token/other")
TOKEN_UNKNOWN = make_token("signupto-token/unknown")
TOKEN_CID = 7654321
TOKEN_UID = 23456789
TOKEN_EXPIRY = T0 + 600


def token_headers(date, nonce, token):
    return [["Date", date], ["X-SuT-Nonce", nonce], ["Authorization", f"SuTToken {token}"]]


def build_token_cases():
    c = CaseList(SCHEME_TOKEN)
    TR = "token-request"
    for user, pw, comment in [
        ("joe@example.com", "my_secret", "The token request is an unauthenticated POST /v1/token with the compact JSON body, username first."),
        ("joe", 'pa"ss\\word', "Quote and backslash in the password are escaped as JSON requires and nothing else changes."),
    ]:
        c.add(TR, comment, [], {"username": user, "password": pw},
              valid({"method": "POST", "target": "/v1/token", "headers": [["Content-Type", "application/json"]],
                     "body": json.dumps({"username": user, "password": pw}, separators=(",", ":"))}))

    PT = "parse-token-response"
    exp = 1384269898

    def ok_body(tok):
        return json.dumps({"status": "ok", "response": {"data": {"token": tok, "expiry": exp}, "count": 1, "next": None}})

    c.add(PT, "An ok envelope carrying a 96-character token and its expiry.", ["TOKEN_SHAPE", "ENVELOPE"],
          {"status": 200, "body": ok_body(TOKEN)}, valid({"token": TOKEN, "expiry": exp}))
    c.add(PT, "A 95-character token is refused, because a token is exactly 96 Base64 characters.", ["TOKEN_SHAPE"],
          {"status": 200, "body": ok_body(TOKEN[:95])}, invalid("MALFORMED_TOKEN"))
    c.add(PT, "A token using the URL-safe `-` is refused, because a token uses the standard Base64 alphabet.", ["TOKEN_SHAPE"],
          {"status": 200, "body": ok_body(TOKEN[:10] + "-" + TOKEN[11:])}, invalid("MALFORMED_TOKEN"))
    c.add(PT, "An error envelope with code 401 (bad username or password) is a refusal.", ["ENVELOPE"],
          {"status": 401, "body": json.dumps({"status": "error", "response": {"message": "Invalid credentials", "code": 401,
                                                                             "subcode": None, "additional_information": None}})},
          invalid("TOKEN_REFUSED"))
    c.add(PT, "A body that is not JSON is refused (S-ENVELOPE).", ["ENVELOPE"],
          {"status": 200, "body": "token=abc"}, invalid("MALFORMED_RESPONSE"))
    c.add(PT, "An ok envelope without data.token is refused (S-ENVELOPE).", ["ENVELOPE"],
          {"status": 200, "body": json.dumps({"status": "ok", "response": {"data": {"expiry": exp}, "count": 1, "next": None}})},
          invalid("MALFORMED_RESPONSE"))

    SG = "sign"

    def sign_in(token=TOKEN, date=DATE, nonce=NONCE, method="GET", target="/v1/folder"):
        return {"method": method, "target": target, "date": date, "nonce": nonce, "token": token}

    c.add(SG, "A token request adds Date, X-SuT-Nonce and `Authorization: SuTToken <token>`, in that order.", [],
          sign_in(), valid({"headers": token_headers(DATE, NONCE, TOKEN)}))
    c.add(SG, "A 95-character token is refused (S-TOKEN-AUTH).", ["TOKEN_SHAPE"], sign_in(token=TOKEN[:95]),
          invalid("MALFORMED_TOKEN"))
    c.add(SG, "A 97-character token is refused (S-TOKEN-AUTH).", ["TOKEN_SHAPE"], sign_in(token=TOKEN + "A"),
          invalid("MALFORMED_TOKEN"))
    c.add(SG, "A token containing `-` is refused, because `-` is not in the Base64 alphabet [A-Za-z0-9+/] (S-TOKEN-AUTH).",
          ["TOKEN_SHAPE"], sign_in(token=TOKEN[:10] + "-" + TOKEN[11:]), invalid("MALFORMED_TOKEN"))
    c.add(SG, "A 41-character nonce is refused (S5).", ["NONCE_SHAPE"], sign_in(nonce=NONCE_41), invalid("MALFORMED_NONCE"))
    c.add(SG, "An ISO 8601 date is refused (S6).", ["DATE_FORMAT"], sign_in(date="1989-09-09T11:00:00Z"),
          invalid("MALFORMED_DATE"))
    c.add(SG, "The query string plays no part, so the headers are the same as without it.", [],
          sign_in(target="/v1/folder?id=5", nonce=NONCE_UUID), valid({"headers": token_headers(DATE, NONCE_UUID, TOKEN)}))
    # The Token page's header itself, pinned while Date and X-SuT-Nonce (which the page's example does not carry)
    # stay free: the equivalent output names only Authorization, and a headers comparison lets fields it does not
    # name be added.
    expect = valid({"headers": token_headers(DATE, NONCE, TOKEN)})
    expect["equivalent"] = [{"output": {"headers": [["Authorization", f"SuTToken {TOKEN}"]]},
                             "basis": [TP["EXAMPLE"]]}]
    c.add(SG, "The Token signer's Authorization header is `SuTToken <token>`, the Token page's header and scheme; "
          "a signer sending no Date or X-SuT-Nonce beside it matches the equivalent output.", ["AUTH_SYNTAX"],
          sign_in(), expect)

    V = "verify"
    tokens = [{"token": TOKEN, "expiry": TOKEN_EXPIRY, "cid": TOKEN_CID, "uid": TOKEN_UID},
              {"token": TOKEN_OTHER, "expiry": TOKEN_EXPIRY, "cid": 1234567, "uid": 7654}]
    ident = {"identity": {"cid": TOKEN_CID, "uid": TOKEN_UID}}

    def vin(headers, now=NOW, state=None, window=None, method="GET", target="/v1/folder", body=""):
        inp = {"request": request(method, target, headers, body), "now": now}
        if window is not None:
            inp["window_seconds"] = window
        inp["tokens"] = tokens
        if state is not None:
            inp["state"] = state
        return inp

    th = token_headers(DATE, NONCE, TOKEN)
    c.add(V, "A known, unexpired token with a fresh Date and nonce is accepted and names the token's CID and UID.", [],
          vin(th), valid(ident))
    c.add(V, "One second before its expiry the token is still valid (S-TOKEN).", ["TOKEN_EXPIRY"],
          vin(th, now=TOKEN_EXPIRY - 1), valid(ident))
    c.add(V, "At exactly its expiry the token is refused, because a token is valid while now < expiry (S-TOKEN).",
          ["TOKEN_EXPIRY"], vin(th, now=TOKEN_EXPIRY), invalid("TOKEN_EXPIRED"))
    c.add(V, "A well-formed token the verifier never issued is refused.", ["TOKEN_SHAPE"],
          vin(token_headers(DATE, NONCE, TOKEN_UNKNOWN)), invalid("UNKNOWN_TOKEN"))
    c.add(V, "A request carrying only `Authorization: SuTToken` is acceptable; the reference requires Date and X-SuT-Nonce and refuses it (S-TOKEN).",
          ["TOKEN_HEADERS"], vin([["Authorization", f"SuTToken {TOKEN}"]]), acceptable_invalid("MISSING_DATE"))
    c.add(V, "A request with Date but without X-SuT-Nonce is acceptable; the reference requires the nonce and refuses it (S-TOKEN).",
          ["TOKEN_HEADERS"], vin(drop_header(th, "X-SuT-Nonce")), acceptable_invalid("MISSING_NONCE"))
    c.add(V, "A nonce already seen with the same token inside the window is refused (S5).", ["REPLAY"],
          vin(th, state={"nonces": [{"token": TOKEN, "nonce": NONCE}]}), invalid("NONCE_REPLAYED"))
    c.add(V, "The same nonce seen only with another token is accepted, because nonces are remembered per token (S5).",
          ["REPLAY"], vin(th, state={"nonces": [{"token": TOKEN_OTHER, "nonce": NONCE}]}), valid(ident))
    c.add(V, "A 95-character token is refused (S-TOKEN-AUTH).", ["TOKEN_SHAPE"],
          vin(token_headers(DATE, NONCE, TOKEN[:95])), invalid("MALFORMED_TOKEN"))
    c.add(V, "A SuTHash header sent to the Token verifier is refused as another Sign-Up.to scheme.", ["AUTH_SYNTAX"],
          vin(replace_header(th, "Authorization", auth_value("SuTHash", "0" * 40))), invalid("WRONG_SCHEME"))
    c.add(V, "A Date 901 seconds old, on a token 301 seconds past its expiry, fails on the window, the earlier check, with the expiry as an alternative (S6).",
          ["WINDOW_EDGE", "TOKEN_EXPIRY", "MULTI_FAULT"], vin(th, now=T0 + 901), invalid("DATE_OUT_OF_WINDOW"))
    c.add(V, "A request without an Authorization header is refused.", ["MISSING_HEADER"],
          vin(drop_header(th, "Authorization")), invalid("MISSING_AUTHORIZATION"))
    c.add(V, "Two Authorization headers with different tokens are refused (S8).", ["DUPLICATES"],
          vin(th + [["Authorization", f"SuTToken {TOKEN_OTHER}"]]), invalid("DUPLICATE_HEADER"))
    c.add(V, "Two spaces after SuTToken are refused, because the form is exactly one space (S-TOKEN-AUTH).", ["AUTH_SYNTAX"],
          vin(replace_header(th, "Authorization", f"SuTToken  {TOKEN}")), invalid("MALFORMED_AUTHORIZATION"))
    c.add(V, "An ISO 8601 Date is refused (S6).", ["DATE_FORMAT"],
          vin(replace_header(th, "Date", "1989-09-09T11:00:00Z")), invalid("MALFORMED_DATE"))
    c.add(V, "An expired token presented with a stale Date fails on the window, the earlier check, with the expiry as an alternative.",
          ["MULTI_FAULT", "TOKEN_EXPIRY"], vin(th, now=TOKEN_EXPIRY + 3600),
          invalid("DATE_OUT_OF_WINDOW", ["TOKEN_EXPIRED"]))

    # Kill cases (issue 18): a token holding `+` and `/` (URL-safe Base64 differs exactly there), and the genuine
    # token with its letters' case flipped (Base64 is case-sensitive: another token).
    plus_slash = token_with_plus_and_slash()
    with_ps = tokens + [{"token": plus_slash, "expiry": TOKEN_EXPIRY, "cid": TOKEN_CID, "uid": TOKEN_UID}]
    inp = vin(token_headers(DATE, NONCE, plus_slash))
    inp["tokens"] = with_ps
    c.add(V, "A token holding both `+` and `/` is accepted as issued, the standard Base64 alphabet (S-TOKEN-AUTH).",
          ["TOKEN_ALPHABET", "TOKEN_SHAPE"], inp, valid(ident))
    c.add(V, "The genuine token with the case of its letters flipped is another token, never issued: UNKNOWN_TOKEN.",
          ["TOKEN_SHAPE"], vin(token_headers(DATE, NONCE, TOKEN.swapcase())), invalid("UNKNOWN_TOKEN"))
    c.add(V, "One second after its expiry, the Date still inside the window, the token is refused with "
          "TOKEN_EXPIRED (S-TOKEN).", ["TOKEN_EXPIRY"], vin(th, now=TOKEN_EXPIRY + 1), invalid("TOKEN_EXPIRED"))

    # Scenarios: one verifier, one replay store.
    S = "scenario"
    ok = dict({"result": "valid"}, **ident)

    def use(at, token=TOKEN, nonce=NONCE):
        return request("GET", "/v1/folder", token_headers(imf_date(NOW + at), nonce, token))

    def add(comment, flags, steps, want, hardened=None):
        inp = {"tokens": tokens, "start": NOW,
               "steps": [{"at": at, "request": r, "note": note} for at, r, note in steps]}
        out = check_scenario(SCHEME_TOKEN, inp)
        assert out == {"steps": want}, (comment, out)
        c.add(S, comment, flags, inp, valid(out), hardened=hardened)

    add("A token used, then used again after its expiry with a fresh Date and nonce: accepted, then TOKEN_EXPIRED "
        "(S-TOKEN).", ["SCENARIO", "TOKEN_EXPIRY"],
        [(0, use(0), "in its lifetime"), (TOKEN_EXPIRY - NOW + 60, use(TOKEN_EXPIRY - NOW + 60, nonce=NONCE_UUID),
                                         "60 s after its expiry")],
        [ok, {"result": "invalid", "error": "TOKEN_EXPIRED"}])
    # No replay step: whether a Token verifier checks nonces at all is `acceptable` (TOKEN_HEADERS), so this
    # case pins only what NONCE_AFTER_SIGNATURE adds.
    add("An unknown token with nonce N, then the genuine token with N: UNKNOWN_TOKEN, then accepted; a verifier that "
        "records N before finding the token refuses the genuine request (S5).",
        ["SCENARIO"],
        [(0, use(0, token=TOKEN_UNKNOWN), "unknown token, nonce N"), (1, use(1), "genuine token, nonce N")],
        [{"result": "invalid", "error": "UNKNOWN_TOKEN"}, ok],
        hardened="NONCE_AFTER_SIGNATURE")
    add("A token request, then the same request again 5 s later: the reference refuses the replay with "
        "NONCE_REPLAYED (S5, S-TOKEN).", ["SCENARIO", "REPLAY"],
        [(0, use(0), "genuine"), (5, use(0), "replayed")], [ok, {"result": "invalid", "error": "NONCE_REPLAYED"}])
    return c


def token_with_plus_and_slash():
    for i in range(1000):
        tok = make_token(f"signupto-token/plus-slash/{i}")
        if "+" in tok and "/" in tok:
            return tok
    raise AssertionError("no token with both + and /")


# ----------------------------------------------------------------------------
# Independent checker: re-derives every verdict from the rules above.
# ----------------------------------------------------------------------------


class Fail(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def is_id(v):
    return 1 <= len(v) <= 18 and all(c in DIGITS for c in v)


def is_nonce(v):
    return 1 <= len(v) <= 40 and all(0x21 <= ord(c) <= 0x7E for c in v)


def is_token(v):
    return len(v) == 96 and all(c in B64_ALPHABET for c in v)


def check_parse_authorization(value):
    schemes = {"suthash": "SuTHash", "sutpartner": "SuTPartner", "suttoken": "SuTToken"}
    sp = value.find(" ")
    if sp <= 0:
        raise Fail("MALFORMED_AUTHORIZATION")
    tok, rest = value[:sp], value[sp + 1:]
    if tok.lower() not in schemes:
        raise Fail("MALFORMED_AUTHORIZATION")
    scheme = schemes[tok.lower()]
    if scheme == "SuTToken":
        if not rest or any(ch in rest for ch in ' \t"'):
            raise Fail("MALFORMED_AUTHORIZATION")
        return {"scheme": scheme, "credentials": rest}
    pre = 'signature="'
    if not (rest.startswith(pre) and rest.endswith('"') and len(rest) > len(pre) + 1):
        raise Fail("MALFORMED_AUTHORIZATION")
    cred = rest[len(pre):-1]
    if any(ch in cred for ch in ' \t"'):
        raise Fail("MALFORMED_AUTHORIZATION")
    return {"scheme": scheme, "credentials": cred}


def lookup(headers):
    """Case-insensitive, trimmed header map; raises DUPLICATE_HEADER (S8)."""
    seen = {}
    for name, value in headers:
        low = name.lower()
        if low in seen and (low in ("date", "authorization") or low.startswith("x-sut-")):
            raise Fail("DUPLICATE_HEADER")
        seen.setdefault(low, value.strip(" \t"))
    return seen


def check_date(hm, now, window):
    if "date" not in hm:
        raise Fail("MISSING_DATE")
    t = parse_http_date(hm["date"], now)
    if t is None:
        raise Fail("MALFORMED_DATE")
    return t


def check_nonce(hm):
    if "x-sut-nonce" not in hm:
        raise Fail("MISSING_NONCE")
    if not is_nonce(hm["x-sut-nonce"]):
        raise Fail("MALFORMED_NONCE")
    return hm["x-sut-nonce"]


def check_verify_hash_like(partner, inp):
    req = inp["request"]
    hm = lookup(req["headers"])
    if "authorization" not in hm:
        raise Fail("MISSING_AUTHORIZATION")
    auth = check_parse_authorization(hm["authorization"])
    want = "SuTPartner" if partner else "SuTHash"
    if auth["scheme"] != want:
        raise Fail("WRONG_SCHEME")
    sig = auth["credentials"]
    if len(sig) != 40 or not all(ch in HEX_ANY for ch in sig):
        raise Fail("MALFORMED_SIGNATURE")
    t = check_date(hm, inp["now"], inp.get("window_seconds", 900))
    ids = {}
    if partner:
        if "x-sut-pid" not in hm:
            raise Fail("MISSING_PID")
        for n in ("pid", "cid", "uid"):
            if f"x-sut-{n}" in hm:
                if not is_id(hm[f"x-sut-{n}"]):
                    raise Fail("MALFORMED_ID")
                ids[n] = hm[f"x-sut-{n}"]
        if "uid" in ids and "cid" not in ids:
            raise Fail("UID_WITHOUT_CID")
    else:
        for n, code in (("cid", "MISSING_CID"), ("uid", "MISSING_UID")):
            if f"x-sut-{n}" not in hm:
                raise Fail(code)
        for n in ("cid", "uid"):
            if not is_id(hm[f"x-sut-{n}"]):
                raise Fail("MALFORMED_ID")
            ids[n] = hm[f"x-sut-{n}"]
    nonce = check_nonce(hm)
    keyid = "pid" if partner else "cid"
    key = None
    for entry in inp["keys"]:
        if entry[keyid] == int(ids[keyid]):
            key = entry["key"]
    if key is None:
        raise Fail("UNKNOWN_CREDENTIALS")
    if abs(inp["now"] - t) > inp.get("window_seconds", 900):
        raise Fail("DATE_OUT_OF_WINDOW")
    fields = [("Date", hm["date"])]
    for n in ("pid", "cid", "uid"):
        if n in ids:
            fields.append((f"X-SuT-{n.upper()}", ids[n]))
    fields.append(("X-SuT-Nonce", nonce))
    canonical = render(f"{req['method']} {path_of(req['target'])}", fields)
    expected = hashlib.sha1((canonical + CRLF + key).encode("utf-8")).digest()
    if bytes.fromhex(sig) != expected:
        raise Fail("SIGNATURE_MISMATCH")
    for seen in inp.get("state", {}).get("nonces", []):
        if seen[keyid] == int(ids[keyid]) and seen["nonce"] == nonce:
            raise Fail("NONCE_REPLAYED")
    return {"identity": {n: int(v) for n, v in ids.items()}}


def check_sign_hash_like(partner, inp):
    m = inp["method"]
    if not m or not all(ch in TCHAR for ch in m):
        raise Fail("MALFORMED_METHOD")
    tgt = inp["target"]
    if not tgt.startswith("/") or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in tgt):
        raise Fail("MALFORMED_TARGET")
    if parse_imf_fixdate(inp["date"]) is None:
        raise Fail("MALFORMED_DATE")
    if partner:
        if "uid" in inp and "cid" not in inp:
            raise Fail("UID_WITHOUT_CID")
    else:
        if "cid" not in inp:
            raise Fail("MISSING_CID")
        if "uid" not in inp:
            raise Fail("MISSING_UID")
    if not is_nonce(inp["nonce"]):
        raise Fail("MALFORMED_NONCE")
    key = inp["key"]
    if partner:
        ok = len(key) == 40 and all(ch in LETTERS for ch in key)
    else:
        ok = len(key) == 32 and all(ch in HEX_LOWER for ch in key)
    if not ok:
        raise Fail("MALFORMED_KEY")
    fields = [("Date", inp["date"])]
    for n in ("pid", "cid", "uid"):
        if n in inp:
            fields.append((f"X-SuT-{n.upper()}", str(inp[n])))
    fields.append(("X-SuT-Nonce", inp["nonce"]))
    canonical = render(f"{m} {path_of(tgt)}", fields)
    sig = hashlib.sha1((canonical + CRLF + key).encode("utf-8")).hexdigest()
    headers = [[n, v] for n, v in fields] + [["Authorization", f'{"SuTPartner" if partner else "SuTHash"} signature="{sig}"']]
    return {"canonical": canonical, "signature": sig, "headers": headers}


def check_parse_response(inp):
    try:
        doc = json.loads(inp["body"])
    except ValueError:
        raise Fail("MALFORMED_RESPONSE")
    if not isinstance(doc, dict) or not isinstance(doc.get("response"), dict):
        raise Fail("MALFORMED_RESPONSE")
    r = doc["response"]
    if doc.get("status") == "ok":
        if "data" not in r:
            raise Fail("MALFORMED_RESPONSE")
        return {"status": "ok", "data": r["data"], "count": r.get("count"), "next": r.get("next")}
    if doc.get("status") == "error":
        return {"status": "error", "code": r["code"], "message": r["message"], "subcode": r.get("subcode"),
                "additional_information": r.get("additional_information")}
    raise Fail("MALFORMED_RESPONSE")


def check_token_op(op, inp):
    if op == "token-request":
        return {"method": "POST", "target": "/v1/token", "headers": [["Content-Type", "application/json"]],
                "body": json.dumps({"username": inp["username"], "password": inp["password"]}, separators=(",", ":"))}
    if op == "parse-token-response":
        env = check_parse_response(inp)
        if env["status"] == "error":
            raise Fail("TOKEN_REFUSED")
        data = env["data"]
        if not isinstance(data, dict) or not isinstance(data.get("token"), str) or "expiry" not in data:
            raise Fail("MALFORMED_RESPONSE")
        if not is_token(data["token"]):
            raise Fail("MALFORMED_TOKEN")
        return {"token": data["token"], "expiry": data["expiry"]}
    if op == "sign":
        if not is_token(inp["token"]):
            raise Fail("MALFORMED_TOKEN")
        if not is_nonce(inp["nonce"]):
            raise Fail("MALFORMED_NONCE")
        if parse_imf_fixdate(inp["date"]) is None:
            raise Fail("MALFORMED_DATE")
        return {"headers": token_headers(inp["date"], inp["nonce"], inp["token"])}
    if op == "verify":
        hm = lookup(inp["request"]["headers"])
        if "authorization" not in hm:
            raise Fail("MISSING_AUTHORIZATION")
        auth = check_parse_authorization(hm["authorization"])
        if auth["scheme"] != "SuTToken":
            raise Fail("WRONG_SCHEME")
        tok = auth["credentials"]
        if not is_token(tok):
            raise Fail("MALFORMED_TOKEN")
        t = check_date(hm, inp["now"], inp.get("window_seconds", 900))
        nonce = check_nonce(hm)
        entry = next((e for e in inp["tokens"] if e["token"] == tok), None)
        if entry is None:
            raise Fail("UNKNOWN_TOKEN")
        if abs(inp["now"] - t) > inp.get("window_seconds", 900):
            raise Fail("DATE_OUT_OF_WINDOW")
        if not inp["now"] < entry["expiry"]:
            raise Fail("TOKEN_EXPIRED")
        for seen in inp.get("state", {}).get("nonces", []):
            if seen["token"] == tok and seen["nonce"] == nonce:
                raise Fail("NONCE_REPLAYED")
        return {"identity": {"cid": entry["cid"], "uid": entry["uid"]}}
    raise AssertionError(op)


def run_checker(scheme, case):
    op, inp = case["op"], case["input"]
    if op == "scenario":
        return check_scenario(scheme, inp)
    if scheme == SCHEME_TOKEN:
        return check_token_op(op, inp)
    partner = scheme == SCHEME_PARTNER
    if op == "sign":
        return check_sign_hash_like(partner, inp)
    if op == "verify":
        return check_verify_hash_like(partner, inp)
    if op == "parse-authorization":
        return check_parse_authorization(inp["value"])
    if op == "parse-response":
        return check_parse_response(inp)
    raise AssertionError(op)


def self_check(doc):
    scheme = doc["scheme"]
    ids = set()
    for case in doc["cases"]:
        cid = case["id"]
        assert cid not in ids, cid
        ids.add(cid)
        assert cid.startswith(f"{scheme}/{case['op']}/"), cid
        for f in case["flags"]:
            assert f in doc["flags"], (cid, f)
        comment = case["comment"]
        assert comment.endswith(".") and "\n" not in comment, cid
        rest = comment
        while "(" in rest and ")" in rest.split("(", 1)[1]:
            inner, rest = rest.split("(", 1)[1].split(")", 1)
            for part in inner.split(", "):
                if len(part) > 1 and part[0] == "S" and (part[1:].isdigit() or part.startswith("S-")):
                    assert part in doc["decisions"], (cid, part)
        exp = case["expect"]
        if exp["result"] == "acceptable":
            assert any(f in ACCEPTABLE_FLAGS for f in case["flags"]), cid
        else:
            # THE RULE (issue 12): a valid/invalid verdict rests on a page or a standard.
            assert any(not b.startswith("decision:") for b in case["basis"]), cid
        if case.get("profile") == "hardened":
            assert any(b.startswith("hardened:") for b in case["basis"]), cid
            assert exp["result"] in ("valid", "invalid"), cid
        for b in case["basis"]:
            if b.startswith("hardened:"):
                assert case.get("profile") == "hardened" and b[len("hardened:"):] in doc["hardened"], (cid, b)
            elif b.startswith("decision:"):
                assert b[len("decision:"):] in doc["decisions"], (cid, b)
            elif b.startswith("page:"):
                assert b.split(" ", 1)[0][len("page:"):] in doc["sources"], (cid, b)
            else:
                assert b.startswith("rfc") and f"https://www.rfc-editor.org/rfc/{b.split('#')[0]}" in doc["sources"], (cid, b)
        try:
            got = ("ok", run_checker(scheme, case))
        except Fail as e:
            got = ("err", e.code)
        if exp["result"] == "valid" or (exp["result"] == "acceptable" and exp["reference"] == "valid"):
            want = ("ok", exp.get("output", got[1] if got[0] == "ok" else None))
        else:
            want = ("err", exp["error"])
        if got != want:
            raise AssertionError(f"{cid}: generator checker gives {got!r}, case says {want!r}")


# ----------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------


def file_doc(scheme, description, sources, decision_ids, cases):
    used = []
    for case in cases:
        for f in case["flags"]:
            if f not in used:
                used.append(f)
    flags = {f: {"description": FLAGS[f][0], "bugType": FLAGS[f][1]} for f in FLAGS if f in used}
    return {
        "scheme": scheme,
        "formatVersion": 3,
        "description": description,
        "sources": sources,
        "numberOfTests": len(cases),
        "flags": flags,
        "decisions": {d: D[d] for d in decision_ids},
        "hardened": {h: HARDENED_ALL[h] for h in HARDENED_BY_SCHEME[scheme]},
        "cases": cases,
    }


def build_all():
    assert_cross_checks()

    hp = Profile(partner=False)
    hc = build_hash_like_cases(hp)
    add_parse_authorization_cases(hc)
    add_parse_response_cases(hc)
    hash_doc = file_doc(
        SCHEME_HASH,
        "Sign-Up.to PMAPI Hash authorisation v1.2: signing (canonical string without the key line, lowercase hex SHA-1 "
        "signature, the headers a signer adds), verifying a whole request against a key directory, a clock and a replay "
        "store, parsing the Authorization header, and parsing the PMAPI response envelope shared by all three "
        "Sign-Up.to schemes.",
        [URL_HASH, URL_PARTNER, URL_TOKEN, URL_RESPONSE, URL_RFC9110, URL_RFC9112, URL_RFC3986, URL_RFC8259],
        HASH_DECISIONS,
        hc.cases,
    )

    pp = Profile(partner=True)
    pc = build_hash_like_cases(pp)
    add_parse_authorization_cases(pc)
    partner_doc = file_doc(
        SCHEME_PARTNER,
        "Sign-Up.to PMAPI Partner Hash authorisation v1.2: signing with a partner key in the three header-omission shapes "
        "(PID, PID+CID, PID+CID+UID), verifying a whole request against a key directory, a clock and a replay store, "
        "every 'must' of the vendor page as a request signed under the misreading, and parsing the Authorization header.",
        [URL_PARTNER, URL_HASH, URL_TOKEN, URL_RFC9110, URL_RFC9112, URL_RFC3986],
        PARTNER_DECISIONS,
        pc.cases,
    )

    tc = build_token_cases()
    token_doc = file_doc(
        SCHEME_TOKEN,
        "Sign-Up.to PMAPI Token authorisation v1.2: the token request (POST /v1/token), the token response, the headers "
        "a client adds when using a token, and verifying a token request against a token directory, a clock and a replay "
        "store.",
        [URL_TOKEN, URL_RESPONSE, URL_PARTNER, URL_RFC9110, URL_RFC8259, URL_RFC4648],
        TOKEN_DECISIONS,
        tc.cases,
    )

    docs = {"signupto-hash.json": hash_doc, "signupto-partner-hash.json": partner_doc, "signupto-token.json": token_doc}
    for doc in docs.values():
        self_check(doc)
    unused = [rule.match for rule in VERDICTS if rule.used == 0]
    assert not unused, f"verdict rows that match no case: {unused}"
    return docs


def render_doc(doc):
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if a file on disk differs from what would be written")
    args = ap.parse_args(argv)
    docs = build_all()
    if args.check:
        stale = []
        for name, doc in docs.items():
            path = VECTORS_DIR / name
            want = render_doc(doc)
            try:
                have = path.read_bytes().decode("utf-8")
            except FileNotFoundError:
                have = None
            if have != want:
                stale.append(name)
        for name in stale:
            print(f"vectors/{name} differs from what generators/signupto.py would write", file=sys.stderr)
        return 1 if stale else 0
    for name, doc in docs.items():
        # newline="" keeps the text byte for byte (no platform line-ending translation).
        with open(VECTORS_DIR / name, "w", encoding="utf-8", newline="") as fh:
            fh.write(render_doc(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
