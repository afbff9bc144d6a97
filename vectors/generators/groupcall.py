#!/usr/bin/env python3
"""Build the Groupcall Messenger vector files from the vendor's pages.

Writes vectors/groupcall-customer.json and vectors/groupcall-partner.json. Every
request body, every response array a verifier answers and every classification of a
response is computed here, from the vendor's customer-auth, partner-auth,
authentication-errors and SMS/Email guide pages and the decisions G1-G5 (plus the
file-specific ones below). Nothing here is taken from the Rust reference.

    python3 vectors/generators/groupcall.py           # rewrite the two files
    python3 vectors/generators/groupcall.py --check   # exit 1 if a file on disk differs

Case ids are `<scheme>/<op>/<nnn>`, numbered per op in the order the cases are
listed below. Ids are stable forever: add a new case at the END of its op's list,
never insert, reorder or delete (a retired case stays, with `withdrawn=True`).

The reference's exact body bytes are `json.dumps(obj, ensure_ascii=False,
separators=(",", ":"))` over dicts built in the documented field order (see
vectors/README.md); other implementations are graded on the parsed JSON
(`expect.compare`).

Verdicts (format 2): every case carries a `basis`. A case is `valid` or `invalid` only
when a vendor page or a standard quoted in its basis decides it; where only a decision
does, it is `acceptable` with the reference's answer pinned. `Cases.add` asserts both,
and that a `valid` verify case answers one element: a refusal a page shows (the page's
other bodies for the same situation become `expect.equivalent` outputs), or one queued
SMS whose answer is the SMS guide's success example once the members the server chooses
(MessageSentId, MessageId, statusMsg, transmitDateTime: `expect.free`) are set aside.

Standard library only (Python 3.11).
"""

import argparse
import base64
import calendar
import hashlib
import json
import re
import sys
import time
from pathlib import Path

VECTORS_DIR = Path(__file__).resolve().parent.parent

SCHEME_CUSTOMER = "groupcall-customer"
SCHEME_PARTNER = "groupcall-partner"

URL_CUSTOMER = "https://xporterdocs.groupcall.com/docs/Communications/authentication/customer-auth"
URL_PARTNER = "https://xporterdocs.groupcall.com/docs/Communications/authentication/partner-auth"
URL_ERRORS = "https://xporterdocs.groupcall.com/docs/Communications/troubleshooting/authentication-errors"
URL_SMS = "https://xporterdocs.groupcall.com/docs/Communications/api-guides/sms-api"
URL_EMAIL = "https://xporterdocs.groupcall.com/docs/Communications/api-guides/email-api"
URL_RECIPIENTS = "https://xporterdocs.groupcall.com/docs/Communications/reference/recipients"
URL_REFERENCE = "https://xporterdocs.groupcall.com/docs/Communications/reference/messenger-api"
# The docs.xporter.com mirror of the troubleshooting page (its payload-structure section).
URL_ERRORS_MIRROR = "https://docs.xporter.com/docs/Communications/troubleshooting/authentication-errors"
URL_HANDLING = "https://xporterdocs.groupcall.com/docs/Communications/concepts/error-handling"

PATHS = {
    "SMS": "/api/SendMessage_V3/SMS",
    "Email": "/api/SendMessage_V3/Email",
    "PartnerRoute": "/api/SendMessage_V3/PartnerRoute",
}

# The documented strings.
DATA_NOT_VALID = "Data is not valid, no messages sent"
PARTNER_KEY_NOT_VALID = "Partner key is not valid"
PARTNER_NOT_ENABLED = "Partner is not enabled, no message was sent."
SMS_NOT_ALLOWED = "Customer does not allow sending SMS"
PARTNER_NOT_AUTHORIZED = "Partner account not authorized for this customer"
IN_QUEUE = "In Queue"
UNKNOWN_ERROR = "Unknown error"
SMS_MAX = 918
# 918 x U+00E9: one character of the GSM 03.38 basic set (one septet), one Unicode scalar
# value, one UTF-16 code unit, two UTF-8 bytes. 918 = 6 concatenated 153-character parts.
SMS_E_ACUTE = "\u00e9" * SMS_MAX
assert len(SMS_E_ACUTE.encode("utf-16-le")) == 2 * SMS_MAX and len(SMS_E_ACUTE.encode("utf-8")) == 2 * SMS_MAX

# ----------------------------------------------------------------------------
# Test data (the vendor pages' example values where they exist)
# ----------------------------------------------------------------------------

CID = "1469"                       # partner-auth page, email guide
PW = "customer-api-key-67890"      # partner-auth page
CID2 = "2087"
PW2 = "k2-0b7e5c1d9a4f"
CID3 = "3301"                      # does not allow SMS
PW3 = "k3-sms-off-5521"
CID4 = "4410"                      # allows nothing for partners, no SMS
PW4 = "k4-locked-0099"
PW_ESC = 'p"a\\ss/w\u00f6rd\t!'     # needs JSON escaping
CID_LETTERS = "sch-7731"           # a CustomerId with letters (letter case can differ)
PW_LETTERS = "k7-lettered-4410"
PKEY = "partner-abc-12345"         # partner-auth page
STYLE = "YourCompanyName"          # partner-auth page
PKEY_PENDING = "partner-pending-777"
PKEY_OTHER = "partner-other-999"
MOBILE = "+447700900123"           # every page
MOBILE2 = "+447700900456"
SMS_TEXT = "Hello from the Communications API!"
CLIENT_REF = "MSG-12345"
CALLBACK = "https://platform.com/sms-callback"
EMAIL = "parent@example.org"

NOW_MS = 1751650134585             # 2025-07-04T17:28:54.585Z, the vendor example's second
SEED = "groupcall-vectors"
assert calendar.timegm((2025, 7, 4, 17, 28, 54)) * 1000 + 585 == NOW_MS

SUCCESS_EXAMPLE = {
    "WarningMessages": [],
    "errorMsg": "OK 1 messages queued for sending",
    "MessageSentId": 0,
    "MessageId": "1469.20250704.02516506506657265717-e0684dbcb71f402ab39d4d6b86d44cbb",
    "statusMsg": "In Queue",
    "transmitDateTime": "2025-07-04T17:28:54.5859378Z",
    "ClientRef": None,
}


def dumps(obj):
    """The exact body bytes (as text): compact, UTF-8, minimal escaping."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# ----------------------------------------------------------------------------
# Field rules (builder and verifier share them)
# ----------------------------------------------------------------------------


class Fault(Exception):
    def __init__(self, code, field=""):
        super().__init__(code)
        self.code = code
        self.field = field


DIGITS = "0123456789"
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + DIGITS


def mobile_ok(s):
    if not s.startswith("+"):
        return False
    d = s[1:]
    return 7 <= len(d) <= 15 and all(c in DIGITS for c in d) and d[0] != "0"


def email_ok(s):
    if len(s) > 254 or "@" not in s:
        return False
    local, domain = s.split("@", 1)
    if not (1 <= len(local) <= 64) or any(not (0x21 <= ord(c) <= 0x7E) or c in '@"(),:;<>[\\]' for c in local):
        return False
    labels = domain.split(".")
    if len(labels) < 2:
        return False
    for lab in labels:
        if not (1 <= len(lab) <= 63) or lab[0] == "-" or lab[-1] == "-":
            return False
        if any(c not in ALNUM + "-" for c in lab):
            return False
    return True


def callback_ok(url):
    if len(url) > 2048:
        return False
    if any(not (0x21 <= ord(c) <= 0x7E) for c in url):
        return False
    low = url[:8].lower()
    if low.startswith("https://"):
        rest = url[8:]
    elif low.startswith("http://"):
        rest = url[7:]
    else:
        return False
    if "#" in url or any(c in '<>"{}|\\^`' for c in url):
        return False
    cut = [i for i in (rest.find("/"), rest.find("?")) if i >= 0]
    authority = rest[: min(cut)] if cut else rest
    if "@" in authority:
        return False
    if ":" in authority:
        host, port = authority.rsplit(":", 1)
    else:
        host, port = authority, None
    if not host:
        return False
    for lab in host.split("."):
        if not (1 <= len(lab) <= 63) or lab[0] == "-" or lab[-1] == "-" or any(c not in ALNUM + "-" for c in lab):
            return False
    if port is not None:
        if not (1 <= len(port) <= 5) or any(c not in DIGITS for c in port) or not (1 <= int(port) <= 65535):
            return False
    return True


def base64_ok(s):
    if not s or len(s) % 4:
        return False
    try:
        raw = base64.b64decode(s, validate=True)
    except ValueError:
        return False
    return base64.b64encode(raw).decode("ascii") == s  # canonical: zero pad bits


def check_credential(field, value):
    if value == "":
        raise Fault("MISSING_FIELD", field)
    if value[0] in " \t\r\n" or value[-1] in " \t\r\n":
        raise Fault("MALFORMED_CREDENTIAL", field)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63


def check_recipient(r, field):
    """`r` is a dict with the vendor's recipient field names."""
    any_id = False
    if r.get("Id") is not None:
        if r["Id"] <= 0:
            raise Fault("MALFORMED_RECIPIENT", field + ".Id")
        any_id = True
    for name in ("ExternalId", "MessengerId", "IdaasId"):
        if r.get(name) is not None:
            if r[name] == "":
                raise Fault("MALFORMED_RECIPIENT", field + "." + name)
            any_id = True
    if r.get("EmailAddress") is not None:
        if not email_ok(r["EmailAddress"]):
            raise Fault("MALFORMED_EMAIL_ADDRESS", field + ".EmailAddress")
        any_id = True
    if r.get("MobileNumber") is not None:
        if not mobile_ok(r["MobileNumber"]):
            raise Fault("MALFORMED_MOBILE_NUMBER", field + ".MobileNumber")
        any_id = True
    if not any_id:
        raise Fault("MALFORMED_RECIPIENT", field)


RECIPIENT_ORDER = ["Id", "ExternalId", "MessengerId", "IdaasId", "EmailAddress", "MobileNumber"]
EMAIL_FIELDS = ["EmailSubject", "EmailBody", "EmailSentFromName", "EmailSentFromAddress", "EmailReplyToAddress",
                "Attachments"]

# ----------------------------------------------------------------------------
# build
# ----------------------------------------------------------------------------


def build_element(route, e):
    sms = route in ("SMS", "PartnerRoute")
    if e.get("SendTo") is not None and e["SendTo"] not in (0, 1, 2):
        raise Fault("MALFORMED_SEND_TO", "SendTo")
    present = [f for f in (EMAIL_FIELDS if sms else ("SMSMessage", "SMSSender")) if e.get(f) is not None]
    wrong = present
    if wrong:
        raise Fault("WRONG_CONTENT", wrong[0])
    cid, pw = e.get("CustomerId", ""), e.get("Password", "")
    check_credential("CustomerId", cid)
    check_credential("Password", pw)
    out = {"CustomerId": cid, "Password": pw}
    if sms:
        text = e.get("SMSMessage") or ""
        if text == "":
            raise Fault("MISSING_FIELD", "SMSMessage")
        if len(text) > SMS_MAX:
            raise Fault("MESSAGE_TOO_LONG", "SMSMessage")
        if e.get("SMSSender") == "":
            raise Fault("MISSING_FIELD", "SMSSender")
        out["SMSMessage"] = text
        if e.get("SMSSender") is not None:
            out["SMSSender"] = e["SMSSender"]
    else:
        for name in ("EmailSubject", "EmailBody"):
            if not e.get(name):
                raise Fault("MISSING_FIELD", name)
        if e.get("EmailSentFromName") == "":
            raise Fault("MISSING_FIELD", "EmailSentFromName")
        for name in ("EmailSentFromAddress", "EmailReplyToAddress"):
            if e.get(name) is not None and not email_ok(e[name]):
                raise Fault("MALFORMED_EMAIL_ADDRESS", name)
        for i, a in enumerate(e.get("Attachments") or []):
            if a.get("FileName", "") == "":
                raise Fault("MALFORMED_ATTACHMENT", f"Attachments[{i}].FileName")
            if not base64_ok(a.get("FileData", "")):
                raise Fault("MALFORMED_ATTACHMENT", f"Attachments[{i}].FileData")
        out["EmailSubject"] = e["EmailSubject"]
        out["EmailBody"] = e["EmailBody"]
        for name in ("EmailSentFromName", "EmailSentFromAddress", "EmailReplyToAddress"):
            if e.get(name) is not None:
                out[name] = e[name]
        if e.get("Attachments"):
            out["Attachments"] = [{"FileName": a.get("FileName", ""), "FileData": a.get("FileData", "")}
                                  for a in e["Attachments"]]
    recipients = [{"MobileNumber": r} if isinstance(r, str) else r for r in e.get("Recipients", [])]
    if not recipients:
        raise Fault("EMPTY_RECIPIENTS", "Recipients")
    for i, r in enumerate(recipients):
        check_recipient(r, f"Recipients[{i}]")
    if e.get("CallbackUrl") is not None and not callback_ok(e["CallbackUrl"]):
        raise Fault("MALFORMED_CALLBACK_URL", "CallbackUrl")
    out["Recipients"] = [{k: r[k] for k in RECIPIENT_ORDER if r.get(k) is not None} for r in recipients]
    for name in ("SendTo", "ClientRef", "CallbackUrl"):
        if e.get(name) is not None:
            out[name] = e[name]
    return out


def build(route, inp):
    root = {}
    if route == "PartnerRoute":
        check_credential("PartnerKey", inp.get("PartnerKey") or "")
        if not inp.get("styleClass"):
            raise Fault("MISSING_FIELD", "styleClass")
        root["PartnerKey"] = inp["PartnerKey"]
        root["styleClass"] = inp["styleClass"]
    elements = []
    for i, e in enumerate(inp["messageData"]):
        try:
            elements.append(build_element(route, e))
        except Fault as f:
            raise Fault(f.code, f"messageData[{i}].{f.field}")
    if not elements:
        raise Fault("EMPTY_MESSAGE_DATA")
    root["messageData"] = elements
    return {
        "method": "POST",
        "target": PATHS[route],
        "headers": [["Content-Type", "application/json"]],
        "body": dumps(root),
    }


# ----------------------------------------------------------------------------
# JSON reading as a strict RFC 8259 parser does
# ----------------------------------------------------------------------------

NO_JSON = object()


def _reject_constant(name):
    raise ValueError(name)


def _has_lone_surrogate(v):
    if isinstance(v, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in v)
    if isinstance(v, list):
        return any(_has_lone_surrogate(x) for x in v)
    if isinstance(v, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(x) for k, x in v.items())
    return False


def load_json(data):
    """The value of UTF-8 JSON text `data` (bytes), or NO_JSON. NaN/Infinity and lone
    surrogate escapes are not JSON."""
    try:
        text = data.decode("utf-8")
        value = json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return NO_JSON
    if _has_lone_surrogate(value):
        return NO_JSON
    return value


# ----------------------------------------------------------------------------
# verify (the server side)
# ----------------------------------------------------------------------------


def message_id(customer_id, now_ms, k):
    """<CustomerId>.<yyyyMMdd>.<k, 20 digits>-<hex of SHA-256("<seed>:<k>")[:16], v4 bits>"""
    h = bytearray(hashlib.sha256(f"{SEED}:{k}".encode()).digest()[:16])
    h[6] = (h[6] & 0x0F) | 0x40
    h[8] = (h[8] & 0x3F) | 0x80
    day = time.strftime("%Y%m%d", time.gmtime(now_ms // 1000))
    return f"{customer_id}.{day}.{k:020d}-{h.hex()}"


def stamp(now_ms):
    secs, ms = divmod(now_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{ms * 10000:07d}Z"


def refused(error_msg, warning, client_ref):
    return {
        "WarningMessages": [warning] if warning is not None else [],
        "errorMsg": error_msg,
        "MessageSentId": 0,
        "MessageId": None,
        "statusMsg": None,
        "transmitDateTime": None,
        "ClientRef": client_ref,
    }


def opt_str(m, name):
    """(ok, value): value None when absent or null; ok False for another type."""
    v = m.get(name)
    if v is None:
        return True, None
    return (True, v) if isinstance(v, str) else (False, None)


def req_str(m, name):
    ok, v = opt_str(m, name)
    return v if ok and v else None


def recipient_valid(r):
    if isinstance(r, str):
        return mobile_ok(r)
    if not isinstance(r, dict):
        return False
    fields = {}
    idv = r.get("Id")
    if idv is not None:
        if not is_int(idv):
            return False
        fields["Id"] = idv
    for name in RECIPIENT_ORDER[1:]:
        ok, v = opt_str(r, name)
        if not ok:
            return False
        fields[name] = v
    try:
        check_recipient(fields, "")
    except Fault:
        return False
    return True


def element_view(route, e):
    """(CustomerId, Password, number of recipients), or None: Data is not valid."""
    if not isinstance(e, dict):
        return None
    cid, pw = req_str(e, "CustomerId"), req_str(e, "Password")
    if cid is None or pw is None:
        return None
    if route in ("SMS", "PartnerRoute"):
        text = req_str(e, "SMSMessage")
        if text is None or len(text) > SMS_MAX:
            return None
        ok, sender = opt_str(e, "SMSSender")
        if not ok or sender == "":
            return None
    else:
        if req_str(e, "EmailSubject") is None or req_str(e, "EmailBody") is None:
            return None
        ok, name = opt_str(e, "EmailSentFromName")
        if not ok or name == "":
            return None
        for field in ("EmailSentFromAddress", "EmailReplyToAddress"):
            ok, a = opt_str(e, field)
            if not ok or (a is not None and not email_ok(a)):
                return None
        atts = e.get("Attachments")
        if atts is not None:
            if not isinstance(atts, list):
                return None
            for a in atts:
                if not isinstance(a, dict):
                    return None
                ok1, fname = opt_str(a, "FileName")
                ok2, fdata = opt_str(a, "FileData")
                if not (ok1 and ok2) or fname is None or fdata is None or fname == "" or not base64_ok(fdata):
                    return None
    recipients = e.get("Recipients")
    if not isinstance(recipients, list) or not recipients or not all(recipient_valid(r) for r in recipients):
        return None
    send_to = e.get("SendTo")
    if send_to is not None and not (is_int(send_to) and send_to in (0, 1, 2)):
        return None
    ok, url = opt_str(e, "CallbackUrl")
    if not ok or (url is not None and not callback_ok(url)):
        return None
    ok, _ = opt_str(e, "ClientRef")
    if not ok:
        return None
    return cid, pw, len(recipients)


def credential_fault(e):
    """Why an element that is not valid data is refused, for grading: `creds_missing` (no
    CustomerId or Password: the troubleshooting page's missing authentication fields),
    `types` (one of them of another JSON type: G5) or `checks` (anything else: G-CHECKS)."""
    if not isinstance(e, dict):
        return "checks"
    for name in ("CustomerId", "Password"):
        if e.get(name) is None:
            return "creds_missing"
    for name in ("CustomerId", "Password"):
        if not isinstance(e[name], str):
            return "types"
    return "checks"


def verify(route, inp):
    return verify_explained(route, inp)[0]


def verify_explained(route, inp):
    """(output, reasons): `reasons` says, per element, why it got its answer (`queued`,
    `partner_key`, `not_enabled`, `style`, `creds_missing`, `creds_wrong`, `types`,
    `checks`, `not_authorised`, `sms`); the grading of a case rests on it."""
    if "body_base64" in inp:
        body = base64.b64decode(inp["body_base64"])
    else:
        body = inp["body"].encode("utf-8")
    d = inp.get("directory", {})
    customers = {c["CustomerId"]: c for c in d.get("customers", [])}
    partners = {p["PartnerKey"]: p for p in d.get("partners", [])}
    root = load_json(body)
    if root is NO_JSON:
        raise Fault("MALFORMED_JSON")
    if not isinstance(root, dict):
        raise Fault("MALFORMED_PAYLOAD")
    elements = root.get("messageData", NO_JSON)
    if not isinstance(elements, list) or not elements:
        raise Fault("MALFORMED_PAYLOAD")

    def client_ref(e):
        v = e.get("ClientRef") if isinstance(e, dict) else None
        return v if isinstance(v, str) else None

    def all_refused(error_msg, warning, reason):
        return ({"status": 200, "response": [refused(error_msg, warning, client_ref(e)) for e in elements]},
                [reason] * len(elements))

    partner = None
    if route == "PartnerRoute":
        key = root.get("PartnerKey")
        partner = partners.get(key) if isinstance(key, str) else None
        if partner is None:
            return all_refused(PARTNER_KEY_NOT_VALID, PARTNER_KEY_NOT_VALID, "partner_key")
        if not partner.get("enabled", True):
            return all_refused(PARTNER_NOT_ENABLED, PARTNER_NOT_ENABLED, "not_enabled")
        style = root.get("styleClass")
        if not isinstance(style, str) or style == "":
            return all_refused(DATA_NOT_VALID, None, "style")
    now_ms = inp["now_ms"]
    k = int(inp["ids"]["counter"])
    out, reasons = [], []
    for e in elements:
        cref = client_ref(e)
        view = element_view(route, e)
        customer = customers.get(view[0]) if view else None
        if view is None or customer is None or customer["Password"] != view[1]:
            out.append(refused(DATA_NOT_VALID, None, cref))
            reasons.append(credential_fault(e) if view is None else "creds_wrong")
            continue
        if partner is not None and partner["id"] not in customer.get("authorised_partners", []):
            out.append(refused(None, PARTNER_NOT_AUTHORIZED, cref))
            reasons.append("not_authorised")
            continue
        if route in ("SMS", "PartnerRoute") and not customer.get("sms_allowed", True):
            out.append(refused(None, SMS_NOT_ALLOWED, cref))
            reasons.append("sms")
            continue
        out.append({
            "WarningMessages": [],
            "errorMsg": f"OK {view[2]} messages queued for sending",
            "MessageSentId": 0,
            "MessageId": message_id(view[0], now_ms, k),
            "statusMsg": IN_QUEUE,
            "transmitDateTime": stamp(now_ms),
            "ClientRef": cref,
        })
        reasons.append("queued")
        k += 1
    return {"status": 200, "response": out}, reasons


# ----------------------------------------------------------------------------
# parse-response (the client side, G3)
# ----------------------------------------------------------------------------

ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
                 r"(Z|z|[+-][0-9]{2}:[0-9]{2})?")


def parse_time(text):
    m = ISO.fullmatch(text)
    if not m:
        return None
    y, mo, d, hh, mi, ss = (int(m.group(i)) for i in range(1, 7))
    frac, zone = m.group(7), m.group(8)
    if y == 0 or not 1 <= mo <= 12 or not 1 <= d <= calendar.monthrange(y, mo)[1]:
        return None
    if hh > 23 or mi > 59 or ss > 59:
        return None
    if frac is not None and len(frac) > 7:
        return None
    nanos = int((frac or "").ljust(9, "0")) if frac else 0
    offset = 0
    if zone not in (None, "Z", "z"):
        oh, om = int(zone[1:3]), int(zone[4:6])
        if oh > 23 or om > 59:
            return None
        offset = (oh * 3600 + om * 60) * (-1 if zone[0] == "-" else 1)
    secs = calendar.timegm((y, mo, d, hh, mi, ss)) - offset
    return {"unix_seconds": secs, "nanos": nanos, "has_zone": zone is not None}


def classify(el):
    if not isinstance(el, dict):
        raise Fault("MALFORMED_ELEMENT")
    fields = {}
    for name in ("errorMsg", "MessageId", "statusMsg", "transmitDateTime", "ClientRef"):
        ok, v = opt_str(el, name)
        if not ok:
            raise Fault("MALFORMED_ELEMENT", name)
        fields[name] = v
    wm = el.get("WarningMessages")
    if wm is None:
        wm = []
    elif not isinstance(wm, list) or not all(isinstance(w, str) for w in wm):
        raise Fault("MALFORMED_ELEMENT", "WarningMessages")
    transmitted = None
    if fields["transmitDateTime"] is not None:
        transmitted = parse_time(fields["transmitDateTime"])
        if transmitted is None:
            raise Fault("MALFORMED_ELEMENT", "transmitDateTime")
    em, mid = fields["errorMsg"], fields["MessageId"]
    if em is not None and em.startswith("OK") and mid:
        return {
            "success": True,
            "MessageId": mid,
            "errorMsg": em,
            "statusMsg": fields["statusMsg"],
            "transmitDateTime": fields["transmitDateTime"],
            "transmitted": transmitted,
            "ClientRef": fields["ClientRef"],
        }
    error = em or (wm[0] if wm and wm[0] else None) or UNKNOWN_ERROR
    return {"success": False, "error": error, "WarningMessages": wm, "ClientRef": fields["ClientRef"]}


def parse_response(inp):
    if not 200 <= inp["status"] <= 299:
        raise Fault("HTTP_ERROR")
    root = load_json(inp["body"].encode("utf-8"))
    if root is NO_JSON:
        raise Fault("MALFORMED_RESPONSE_JSON")
    if not isinstance(root, list):
        raise Fault("NOT_AN_ARRAY")
    if not root:
        raise Fault("EMPTY_RESPONSE")
    if inp.get("sent") is not None and inp["sent"] != len(root):
        raise Fault("COUNT_MISMATCH")
    return {"results": [classify(el) for el in root]}


# ----------------------------------------------------------------------------
# Case collection
# ----------------------------------------------------------------------------


def page(url, quote):
    """A `basis` entry quoting a vendor page verbatim."""
    return f'page:{url} "{quote}"'


def dec(ident):
    assert ident in DECISIONS, ident
    return f"decision:{ident}"


# What the verdicts rest on: short verbatim quotes of the vendor's pages.
P_ROUTE = page(URL_PARTNER, "POST /api/SendMessage_V3/PartnerRoute")
P_BOTH = page(URL_PARTNER, "Include both partner and customer credentials in each request")
P_REQUIRED = page(URL_PARTNER, "Required Fields")
P_KEY_ROW = page(URL_PARTNER, "Your unique partner identifier")
P_STYLE = page(URL_PARTNER, "Style Class: Partner branding identifier (typically your company name)")
P_API_KEY = page(URL_PARTNER, "Customer API Key: The customer's authentication token")
P_MULTI = page(URL_PARTNER, "Manage multiple customers from a single integration")
P_EXAMPLE_REF = page(URL_PARTNER, '"ClientRef": "MSG-12345",')
P_PY_JSON = page(URL_PARTNER, "json=payload,")
P_PY_REF = page(URL_PARTNER, "'ClientRef': message_data.get('client_ref'),")
P_PY_RECIPIENTS = page(URL_PARTNER, "{'MobileNumber': number}")
P_SPACES = page(URL_PARTNER, "Ensure no extra spaces or characters in the partner key")
P_KEY_INVALID = page(URL_PARTNER, '"errorMsg": "Partner key is not valid",')
P_NOT_ENABLED = page(URL_PARTNER, '"errorMsg": "Partner is not enabled, no message was sent.",')
P_ACTIVATED = page(URL_PARTNER, "Ensure partner account is activated")
P_NOT_AUTH = page(URL_PARTNER, "Customer Not Authorized for Partner")
P_NOT_AUTH_BODY = page(URL_PARTNER, '"WarningMessages": ["Customer does not allow sending SMS"],')
P_JS_SUCCESS = page(URL_PARTNER, "if (result.errorMsg && result.errorMsg.startsWith('OK') && result.MessageId) {")
P_JS_ERRTEXT = page(URL_PARTNER, "const errorMsg = result.errorMsg ||")
P_PY_ERRTEXT = page(URL_PARTNER, "error_msg = (result.get('errorMsg') or")
P_CS_ERRTEXT = page(URL_PARTNER, "var errorMsg = result.ErrorMsg ??")
P_UNKNOWN = page(URL_PARTNER, "'Unknown error';")
P_JS_ARRAY = page(URL_PARTNER, "if (!Array.isArray(response) || response.length === 0) {")
P_JS_JSON = page(URL_PARTNER, "const result = await response.json();")
P_PY_STATUS = page(URL_PARTNER, "response.raise_for_status()")
P_FIRST = page(URL_PARTNER, "const result = response[0];")
C_ROUTE = page(URL_CUSTOMER, "POST /api/SendMessage_V3/SMS")
C_BODY = page(URL_CUSTOMER, "Credentials are included in the request body rather than in headers.")
C_MOBILE = page(URL_CUSTOMER, '"MobileNumber": "+447700900123"')
S_REQUIRED = page(URL_SMS, "Required Fields")
S_MAX = page(URL_SMS, "SMS content (max 918 characters)")
S_ARRAY = page(URL_SMS, "Array of message objects")
S_API_KEY = page(URL_SMS, "Your API key")
S_BARE = page(URL_SMS, '"Recipients": ["+447700900123"],')
S_RECIPIENTS = page(URL_SMS, "Array of recipient objects (see Recipients Reference)")
S_SENDER = page(URL_SMS, "Custom sender ID that appears on recipient's handset")
S_CALLBACK = page(URL_SMS, "URL for delivery status updates")
S_CLIENTREF = page(URL_SMS, "Your internal reference ID")
S_SUCCESS = page(URL_SMS, '"errorMsg": "OK 1 messages queued for sending",')
S_MESSAGE_ID = page(URL_SMS, "Unique identifier for tracking the message (present on success)")
S_SENT_ID = page(URL_SMS, "(may be 0 even for successful messages)")
S_OK_X = page(URL_SMS, '"OK X messages queued for sending" indicates success')
S_STATUS = page(URL_SMS, 'Current status of the message ("In Queue", etc.)')
S_QUEUED_AT = page(URL_SMS, "When the message was queued for sending")
S_CLIENTREF_NULL = page(URL_SMS, '"ClientRef": null')
E_ROUTE = page(URL_EMAIL, "POST /api/SendMessage_V3/Email")
E_REQUIRED = page(URL_EMAIL, "Required Fields")
E_SUBJECT = page(URL_EMAIL, "Email subject line")
E_BODY = page(URL_EMAIL, "Email content (HTML or plain text)")
E_FROM = page(URL_EMAIL, "Sender display name")
E_REPLY_TO = page(URL_EMAIL, "Reply-to email address")
E_FILEDATA = page(URL_EMAIL, '"FileData": "base64data..."')
R_OBJECT = page(URL_RECIPIENTS, "Each recipient is defined as an object")
R_PRIORITY = page(URL_RECIPIENTS, "The system uses a priority-based approach to identify recipients.")
R_ID = page(URL_RECIPIENTS, "Direct reference to an existing contact in the system")
R_MOBILE = page(URL_RECIPIENTS, "Type: String (International format)")
R_EMAIL = page(URL_RECIPIENTS, "Type: String (Email format)")
X_DNV = page(URL_ERRORS, '"errorMsg": "Data is not valid, no messages sent",')
X_WRONG = page(URL_ERRORS, "Incorrect CustomerId or Password in the payload")
X_MISSING = page(URL_ERRORS, "Missing authentication fields in request body")
X_SPACES = page(URL_ERRORS, "Check for typos or extra whitespace in credential values")
X_PERMISSIONS = page(URL_ERRORS, "Insufficient Permissions")
X_SMS = page(URL_ERRORS, '"Customer does not allow sending SMS"')
X_NOT_ENABLED = page(URL_ERRORS, "Partner Not Enabled")
X_PANA = page(URL_ERRORS, '"Partner account not authorized for this customer"')
X_STRUCTURE = page(URL_ERRORS_MIRROR, "Problem: Wrong payload structure")
H_200 = page(URL_HANDLING, "Most responses return 200 OK, even for errors")
H_MESSAGE_ID = page(URL_HANDLING, "MessageId is present (not null)")
S_CUSTOMER_TYPE = page(URL_EMAIL, '"CustomerId": "1469",')
M_SENDTO = page(URL_REFERENCE, "You can modify the behaviour of this functionality with the SendTo property")
M_SENDTO_ALL = page(URL_REFERENCE, "Send to All contacts of defined recipient")
RFC_JSON_STRINGS = "rfc8259#7"
RFC_TIME = "rfc3339#5.6"
RFC_DATE = "rfc3339#5.7"
RFC_ADDR = "rfc5322#3.4.1"
RFC_BASE64 = "rfc4648#4"
RFC_URI = "rfc3986#3"

# The bodies a verifier following one page answers, per refusal reason: (element, basis).
PAGE_4 = lambda warning, error: {"WarningMessages": [warning], "errorMsg": error, "MessageSentId": 0,
                                 "MessageId": None}
PAGE_BODIES = {
    "partner_key": [(PAGE_4(PARTNER_KEY_NOT_VALID, PARTNER_KEY_NOT_VALID), P_KEY_INVALID)],
    "not_enabled": [(PAGE_4(PARTNER_NOT_ENABLED, PARTNER_NOT_ENABLED), P_NOT_ENABLED),
                    (refused(None, PARTNER_NOT_AUTHORIZED, None), (X_NOT_ENABLED, X_PANA))],
    "not_authorised": [(refused(None, PARTNER_NOT_AUTHORIZED, None), X_PANA),
                       (PAGE_4(SMS_NOT_ALLOWED, None), P_NOT_AUTH_BODY)],
    "sms": [(refused(None, SMS_NOT_ALLOWED, None), X_SMS)],
    "creds_wrong": [(refused(DATA_NOT_VALID, None, None), X_WRONG)],
    "creds_missing": [(refused(DATA_NOT_VALID, None, None), X_MISSING)],
}
PAGE_DECIDED = set(PAGE_BODIES)

# The members of a queued element whose value the server chooses and no page fixes: the
# SMS guide calls MessageSentId an internal identifier that "may be 0", MessageId a
# unique identifier, statusMsg the message's current status ("In Queue", etc.) and
# transmitDateTime when it was queued. Another implementation must give each with its
# JSON type (`expect.free`); the reference's values (G-MESSAGEID) are pinned exactly.
SUCCESS_FREE = ["/response/*/MessageSentId", "/response/*/MessageId", "/response/*/statusMsg",
                "/response/*/transmitDateTime"]
# What a queued case's basis must quote: the SMS guide's success example and what it says
# of the server-chosen members.
SUCCESS_BASIS = [H_200, S_SUCCESS, S_OK_X, S_CLIENTREF_NULL, S_MESSAGE_ID, S_SENT_ID, S_STATUS, S_QUEUED_AT]


def without_free_members(element):
    return {k: v for k, v in element.items() if "/response/*/" + k not in SUCCESS_FREE}


def json_same(a, b):
    """Equal as the runner's `json` comparison sees them: a null member equals an absent one."""
    def norm(v):
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items() if x is not None}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v
    return norm(a) == norm(b)


def page_variants(out, reasons_list):
    """The outputs other than `out` that a verifier following a page could answer, each
    with its basis: for each list of per-element reasons, every page's body for each."""
    found = []
    for reasons in reasons_list:
        for choice in range(2):
            response, basis = [], []
            for r in reasons:
                options = PAGE_BODIES[r]
                element, quotes = options[min(choice, len(options) - 1)]
                response.append(element)
                for quote in quotes if isinstance(quotes, tuple) else (quotes,):
                    if quote not in basis:
                        basis.append(quote)
            cand = {"status": 200, "response": response}
            if json_same(cand, out) or any(json_same(cand, f["output"]) for f in found):
                continue
            found.append({"output": cand, "basis": basis})
    return found


class Cases:
    def __init__(self, scheme):
        self.scheme = scheme
        self.cases = []
        self.counters = {}

    def add(self, op, comment, inp, result, basis, flags=(), reference=None, withdrawn=False,
            alternatives=(), also=(), equivalent=(), free=()):
        """`result` 'valid', 'invalid' or 'acceptable' ('acceptable' needs `reference`).
        `basis`: what the verdict rests on (a page or a standard for valid/invalid).
        `also`: other per-element reason lists a page-following verifier could act on
        (multi-fault cases); `equivalent`: further (output, basis) pairs; `free`: the
        server-chosen members of a valid verify case that queues its one message."""
        n = self.counters.get(op, 0) + 1
        self.counters[op] = n
        route = inp.get("route", "PartnerRoute")
        reasons = None
        try:
            if op == "build":
                out, err = build(route, inp), None
            elif op == "verify":
                (out, reasons), err = verify_explained(route, inp), None
            elif op == "parse-response":
                out, err = parse_response(inp), None
            else:
                raise AssertionError(op)
        except Fault as f:
            out, err = None, f.code
        where = (self.scheme, op, n, comment)
        assert basis, where
        for b in basis:
            if b.startswith("decision:"):
                assert b[len("decision:"):] in DECISIONS, (where, b)
        decided = any(not b.startswith("decision:") for b in basis)
        assert not free or (result == "valid" and op == "verify"), where
        if result == "valid":
            assert err is None and decided, (where, err)
            expect = {"result": "valid", "output": out}
            if op == "build":
                expect["compare"] = {"headers": "headers", "body": "json"}
            if op == "verify" and reasons == ["queued"]:
                # One SMS queued: with its server-chosen members left free, the answer must
                # be the SMS guide's success example exactly (one recipient, so "OK 1 …";
                # no ClientRef, so null: the echo is G-ECHO's). The Email route's success
                # text and anything resting on G1 are no page's.
                assert route in ("SMS", "PartnerRoute") and list(free) == SUCCESS_FREE, (where, route, free)
                assert all(b in basis for b in SUCCESS_BASIS), where
                assert len(out["response"]) == 1 and json_same(
                    without_free_members(out["response"][0]), without_free_members(SUCCESS_EXAMPLE)), (where, out)
                assert not also and not equivalent, where
                expect["compare"] = {"response": "json"}
                expect["free"] = list(free)
            elif op == "verify":
                # Only refusals a page shows, one element: G1 (one result per element) and
                # the MessageId scheme are ours.
                assert len(reasons) == 1 and set(reasons) <= PAGE_DECIDED, (where, reasons)
                assert not free, where
                expect["compare"] = {"response": "json"}
                eq = page_variants(out, [reasons] + [list(a) for a in also])
                eq += [{"output": o, "basis": list(b)} for o, b in equivalent]
                if eq:
                    expect["equivalent"] = eq
            elif equivalent:
                expect["equivalent"] = [{"output": o, "basis": list(b)} for o, b in equivalent]
        elif result == "invalid":
            assert err is not None and decided, (where, out)
            expect = {"result": "invalid", "error": err}
            if alternatives:
                assert err not in alternatives, where
                expect["alternatives"] = list(alternatives)
        else:
            assert result == "acceptable" and flags, where
            if err is None:
                assert reference == "valid", where
                expect = {"result": "acceptable", "reference": "valid", "output": out}
            else:
                assert reference == "invalid", where
                expect = {"result": "acceptable", "reference": "invalid", "error": err}
        if op == "verify" and reasons and result != "valid":
            # Why the case cannot be valid must show in its flags.
            if "queued" in reasons:
                assert "MESSAGE_ID" in flags, where
            if len(reasons) > 1:
                assert "BATCH" in flags, where
        case = {"id": f"{self.scheme}/{op}/{n:03d}", "op": op, "comment": comment, "flags": list(flags),
                "basis": list(basis)}
        if withdrawn:
            case["withdrawn"] = True
        case["input"] = inp
        case["expect"] = expect
        self.cases.append(case)
        return out, err

    def ok(self, op, comment, inp, basis, flags=(), **kw):
        out, _ = self.add(op, comment, inp, "valid", basis, flags, **kw)
        return out

    def bad(self, op, comment, inp, code, basis, flags=(), alternatives=()):
        _, err = self.add(op, comment, inp, "invalid", basis, flags, alternatives=alternatives)
        assert err == code, (self.scheme, op, comment, err, code)

    def either(self, op, comment, inp, reference, basis, flags):
        """An acceptable case: `reference` is what the reference does ('valid' or an error code)."""
        if reference == "valid":
            self.add(op, comment, inp, "acceptable", basis, flags, "valid")
        else:
            _, err = self.add(op, comment, inp, "acceptable", basis, flags, "invalid")
            assert err == reference, (self.scheme, op, comment, err, reference)


def sms(cid=CID, pw=PW, text=SMS_TEXT, recipients=None, **extra):
    e = {"CustomerId": cid, "Password": pw, "SMSMessage": text,
         "Recipients": recipients if recipients is not None else [{"MobileNumber": MOBILE}]}
    e.update(extra)
    return e


def email(cid=CID, pw=PW, recipients=None, **extra):
    e = {"CustomerId": cid, "Password": pw, "EmailSubject": "School trip on Friday",
         "EmailBody": "<p>Please return the consent form by Thursday.</p>",
         "Recipients": recipients if recipients is not None else [{"EmailAddress": EMAIL}]}
    e.update(extra)
    return e


def drop(d, *keys):
    return {k: v for k, v in d.items() if k not in keys}


def customer_directory():
    return {
        "customers": [
            {"CustomerId": CID, "Password": PW, "sms_allowed": True, "authorised_partners": ["abc"]},
            {"CustomerId": CID2, "Password": PW2, "sms_allowed": True, "authorised_partners": []},
            {"CustomerId": CID3, "Password": PW3, "sms_allowed": False, "authorised_partners": ["abc"]},
            {"CustomerId": CID4, "Password": PW4, "sms_allowed": False, "authorised_partners": []},
            {"CustomerId": "5120", "Password": PW_ESC, "sms_allowed": True, "authorised_partners": ["abc"]},
        ],
        "partners": [
            {"id": "abc", "PartnerKey": PKEY, "enabled": True},
            {"id": "pending", "PartnerKey": PKEY_PENDING, "enabled": False},
            {"id": "other", "PartnerKey": PKEY_OTHER, "enabled": True},
        ],
    }


def vin(body, route=None, counter=1, now_ms=NOW_MS, body_base64=None, directory=None):
    inp = {}
    if route is not None:
        inp["route"] = route
    if body_base64 is not None:
        inp["body_base64"] = body_base64
    else:
        inp["body"] = body
    inp["now_ms"] = now_ms
    # No JSON integer above 2^53 (JavaScript and untyped decoders lose precision): such a
    # counter travels as a decimal string.
    inp["ids"] = {"seed": SEED, "counter": counter if counter <= 2**53 else str(counter)}
    inp["directory"] = directory if directory is not None else customer_directory()
    return inp


def element_json(e):
    return json.loads(json.dumps(e))


def bare_recipients(out):
    """The same request with every MobileNumber-only recipient written as a bare string
    (the SMS quick-start's shape)."""
    body = json.loads(out["body"])
    for e in body["messageData"]:
        e["Recipients"] = [r["MobileNumber"] if list(r) == ["MobileNumber"] else r for r in e["Recipients"]]
    return dict(out, body=dumps(body))


# ----------------------------------------------------------------------------
# Customer scheme
# ----------------------------------------------------------------------------


def customer_build_cases(c):
    B = "build"
    CHECKS = dec("G-BUILD-CHECKS")

    def bi(route, *elements):
        return {"route": route, "messageData": list(elements)}

    c.ok(B, "The customer-auth page's request: CustomerId, Password, SMSMessage, one MobileNumber recipient",
         bi("SMS", sms(text="Your message content here")), [C_ROUTE, C_BODY, C_MOBILE])
    c.ok(B, "Every optional SMS field, given in scrambled order: the body writes them in the documented order",
         bi("SMS", {"CallbackUrl": CALLBACK, "ClientRef": CLIENT_REF, "SendTo": 1, "SMSSender": "School",
                    "Recipients": [{"MobileNumber": MOBILE}], "SMSMessage": SMS_TEXT, "Password": PW,
                    "CustomerId": CID}), [S_SENDER, S_CLIENTREF, S_CALLBACK, M_SENDTO, dec("G-BODY")])
    inp = bi("SMS", sms(recipients=[MOBILE, MOBILE2]))
    c.ok(B, "Recipients given as bare strings (the SMS quick-start's shape) are written as MobileNumber "
            "objects, as the vendor's code examples map them; the quick-start's own shape passes too", inp,
         [R_OBJECT, P_PY_RECIPIENTS, dec("G-RECIPIENTS")], ["RECIPIENT_SHAPES"],
         equivalent=[(bare_recipients(build("SMS", inp)), [S_BARE])])
    c.ok(B, "Every recipient identifier of the recipients reference, keys written in its priority order",
         bi("SMS", sms(recipients=[{"Id": 12345}, {"ExternalId": "ST-0042"}, {"MessengerId": "m-77"},
                                   {"IdaasId": "idaas-9f"}, {"EmailAddress": EMAIL},
                                   {"MobileNumber": MOBILE2, "ExternalId": "ST-0043"}])), [R_PRIORITY, R_ID])
    c.ok(B, "Two elements for two customers, each with its own credentials (G1)",
         bi("SMS", sms(), sms(cid=CID2, pw=PW2, text="Second customer", recipients=[{"MobileNumber": MOBILE2}])),
         [S_ARRAY, dec("G1")])
    c.ok(B, "SMSMessage needing JSON escapes: quote, backslash, CR LF, tab, U+0001; non-ASCII, '/', U+2028 "
            "and DEL are written as is",
         bi("SMS", sms(text='Say "hi" \\ bye\r\nTab\there \u0001 caf\u00e9 \u00a35 \u2014 \U0001F600 '
                            '</script> \u2028 \x7f')), [RFC_JSON_STRINGS, C_BODY, dec("G-BODY")], ["ESCAPING"])
    c.ok(B, "A Password needing JSON escapes is written escaped, exactly once", bi("SMS", sms(pw=PW_ESC)),
         [RFC_JSON_STRINGS, C_BODY], ["ESCAPING"])
    c.ok(B, "SMSMessage of exactly 918 characters (the documented maximum)", bi("SMS", sms(text="x" * 918)),
         [S_MAX], ["LENGTH_EDGE"])
    c.either(B, "918 characters of which 18 are emoji: 918 by Unicode scalar values, 936 by UTF-16 code units",
             bi("SMS", sms(text="\U0001F600" * 18 + "y" * 900)), "valid", [S_MAX, dec("SMS_LENGTH")],
             ["SMS_LENGTH"])
    c.bad(B, "SMSMessage of 919 characters", bi("SMS", sms(text="x" * 919)), "MESSAGE_TOO_LONG", [S_MAX],
          ["LENGTH_EDGE"])
    c.either(B, "Empty SMSMessage", bi("SMS", sms(text="")), "MISSING_FIELD", [CHECKS], ["BUILD_CHECKS"])
    c.bad(B, "No SMSMessage at all", bi("SMS", drop(sms(), "SMSMessage")), "MISSING_FIELD", [S_REQUIRED, S_MAX])
    c.either(B, "Empty CustomerId", bi("SMS", sms(cid="")), "MISSING_FIELD", [CHECKS], ["BUILD_CHECKS"])
    c.bad(B, "No Password (the customer API key)", bi("SMS", drop(sms(), "Password")), "MISSING_FIELD",
          [S_REQUIRED, S_API_KEY])
    c.bad(B, "Password with a trailing space (troubleshooting: no extra spaces)", bi("SMS", sms(pw=PW + " ")),
          "MALFORMED_CREDENTIAL", [X_SPACES])
    c.bad(B, "CustomerId with a leading space", bi("SMS", sms(cid=" " + CID)), "MALFORMED_CREDENTIAL", [X_SPACES])
    c.either(B, "Recipients is an empty array", bi("SMS", sms(recipients=[])), "EMPTY_RECIPIENTS", [CHECKS],
             ["BUILD_CHECKS"])
    c.bad(B, "No Recipients at all", bi("SMS", drop(sms(), "Recipients")), "EMPTY_RECIPIENTS",
          [S_REQUIRED, S_RECIPIENTS])
    c.either(B, "A recipient object naming nobody", bi("SMS", sms(recipients=[{}])), "MALFORMED_RECIPIENT",
             [R_PRIORITY, CHECKS], ["BUILD_CHECKS"])
    c.either(B, "Id 0: the server uses Id only when > 0, so this recipient names nobody",
             bi("SMS", sms(recipients=[{"Id": 0}])), "MALFORMED_RECIPIENT", [R_ID, CHECKS], ["BUILD_CHECKS"])
    c.either(B, "Empty ExternalId", bi("SMS", sms(recipients=[{"ExternalId": ""}])), "MALFORMED_RECIPIENT",
             [CHECKS], ["BUILD_CHECKS"])
    mobile = [R_MOBILE, dec("G-MOBILE")]
    c.either(B, "A national number 07700900123", bi("SMS", sms(recipients=[{"MobileNumber": "07700900123"}])),
             "MALFORMED_MOBILE_NUMBER", mobile, ["MOBILE_FORM"])
    c.either(B, "International digits without the leading +",
             bi("SMS", sms(recipients=[{"MobileNumber": "447700900123"}])), "MALFORMED_MOBILE_NUMBER", mobile,
             ["MOBILE_FORM"])
    c.either(B, "Spaces inside the number are not removed for you",
             bi("SMS", sms(recipients=[{"MobileNumber": "+44 7700 900123"}])), "MALFORMED_MOBILE_NUMBER", mobile,
             ["MOBILE_FORM"])
    c.either(B, "16 digits: more than E.164 allows",
             bi("SMS", sms(recipients=[{"MobileNumber": "+4477009001234567"}])), "MALFORMED_MOBILE_NUMBER",
             mobile, ["MOBILE_FORM"])
    c.either(B, "7 and 15 digits: the shortest and longest international forms accepted",
             bi("SMS", sms(recipients=[{"MobileNumber": "+6831234"}, {"MobileNumber": "+123456789012345"}])),
             "valid", mobile, ["MOBILE_FORM"])
    c.either(B, "6 digits after the +", bi("SMS", sms(recipients=[{"MobileNumber": "+683123"}])),
             "MALFORMED_MOBILE_NUMBER", mobile, ["MOBILE_FORM"])
    c.either(B, "A bare-string recipient in national form", bi("SMS", sms(recipients=["07700900123"])),
             "MALFORMED_MOBILE_NUMBER", mobile, ["MOBILE_FORM", "RECIPIENT_SHAPES"])
    c.bad(B, "An EmailAddress recipient without a domain", bi("SMS", sms(recipients=[{"EmailAddress": "parent@"}])),
          "MALFORMED_EMAIL_ADDRESS", [R_EMAIL, RFC_ADDR])
    callback = [S_CALLBACK, dec("G-CALLBACK")]
    c.either(B, "CallbackUrl without a scheme", bi("SMS", sms(CallbackUrl="platform.com/sms-callback")),
             "MALFORMED_CALLBACK_URL", callback, ["CALLBACK_URL"])
    c.either(B, "CallbackUrl with no host", bi("SMS", sms(CallbackUrl="https:///sms-callback")),
             "MALFORMED_CALLBACK_URL", callback, ["CALLBACK_URL"])
    c.either(B, "CallbackUrl with a space", bi("SMS", sms(CallbackUrl="https://platform.com/sms callback")),
             "MALFORMED_CALLBACK_URL", callback, ["CALLBACK_URL"])
    c.either(B, "CallbackUrl with a fragment", bi("SMS", sms(CallbackUrl="https://platform.com/cb#status")),
             "MALFORMED_CALLBACK_URL", callback, ["CALLBACK_URL"])
    c.either(B, "CallbackUrl carrying user information",
             bi("SMS", sms(CallbackUrl="https://user:secret@platform.com/cb")), "MALFORMED_CALLBACK_URL", callback,
             ["CALLBACK_URL"])
    c.either(B, "CallbackUrl with an ftp scheme", bi("SMS", sms(CallbackUrl="ftp://platform.com/cb")),
             "MALFORMED_CALLBACK_URL", callback, ["CALLBACK_URL"])
    c.ok(B, "CallbackUrl with a port and a query (the server appends its own parameters)",
         bi("SMS", sms(CallbackUrl="https://platform.com:8443/sms-callback?source=groupcall&x=%20")),
         [S_CALLBACK, RFC_URI])
    c.either(B, "CallbackUrl over plain http: well-formed, but status callbacks then travel unencrypted",
             bi("SMS", sms(CallbackUrl="http://platform.com/sms-callback")), "valid", callback, ["CALLBACK_HTTP"])
    c.either(B, "CallbackUrl with port 70000", bi("SMS", sms(CallbackUrl="https://platform.com:70000/cb")),
             "MALFORMED_CALLBACK_URL", callback, ["CALLBACK_URL"])
    c.bad(B, "SendTo 3: only 0, 1 and 2 are defined", bi("SMS", sms(SendTo=3)), "MALFORMED_SEND_TO",
          [M_SENDTO, M_SENDTO_ALL])
    c.either(B, "messageData is empty", bi("SMS"), "EMPTY_MESSAGE_DATA", [CHECKS], ["BUILD_CHECKS"])
    c.ok(B, "The e-mail guide's message: EmailSubject, EmailBody (HTML), an EmailAddress recipient",
         bi("Email", email()), [E_ROUTE, E_SUBJECT, E_BODY])
    c.ok(B, "Every optional e-mail field, given in scrambled order",
         bi("Email", {"Attachments": [{"FileData": "JVBERi0xLjQK", "FileName": "consent.pdf"}],
                      "CallbackUrl": CALLBACK, "ClientRef": "MAIL-7",
                      "EmailReplyToAddress": "office@school.example.org",
                      "EmailSentFromAddress": "noreply@school.example.org",
                      "EmailSentFromName": "Example School", "Recipients": [{"EmailAddress": EMAIL}],
                      "EmailBody": "Plain text body", "EmailSubject": "Consent form", "Password": PW,
                      "CustomerId": CID}), [E_FROM, E_REPLY_TO, E_FILEDATA, dec("G-BODY")])
    c.bad(B, "An e-mail without EmailBody", bi("Email", drop(email(), "EmailBody")), "MISSING_FIELD",
          [E_REQUIRED, E_BODY])
    c.either(B, "SMSMessage on the Email route", bi("Email", email(SMSMessage="hi")), "WRONG_CONTENT", [CHECKS],
             ["BUILD_CHECKS"])
    c.either(B, "EmailSubject on the SMS route", bi("SMS", sms(EmailSubject="hi")), "WRONG_CONTENT", [CHECKS],
             ["BUILD_CHECKS"])
    c.bad(B, "An attachment whose FileData is not Base64",
          bi("Email", email(Attachments=[{"FileName": "a.pdf", "FileData": "not base64!"}])), "MALFORMED_ATTACHMENT",
          [E_FILEDATA, RFC_BASE64])
    c.bad(B, "A malformed EmailReplyToAddress", bi("Email", email(EmailReplyToAddress="office at school")),
          "MALFORMED_EMAIL_ADDRESS", [E_REPLY_TO, RFC_ADDR])
    c.either(B, "The second element is faulty: the whole batch is refused, the error names messageData[1]",
             bi("SMS", sms(), sms(cid=CID2, pw=PW2, recipients=[])), "EMPTY_RECIPIENTS", [CHECKS],
             ["BUILD_CHECKS"])
    c.either(B, "An empty SMSSender", bi("SMS", sms(SMSSender="")), "MISSING_FIELD", [CHECKS], ["BUILD_CHECKS"])
    c.ok(B, "SendTo 0 and 2 written as integers; null optional fields are left out, never written null",
         bi("SMS", sms(SendTo=2, ClientRef=None, CallbackUrl=None), sms(cid=CID2, pw=PW2, SendTo=0)),
         [M_SENDTO, M_SENDTO_ALL, dec("G-BODY")], ["NULLS"])
    c.either(B, "An empty attachment list is fine but an attachment without FileName is not",
             bi("Email", email(Attachments=[{"FileData": "JVBERi0xLjQK"}])), "MALFORMED_ATTACHMENT", [CHECKS],
             ["BUILD_CHECKS"])
    c.ok(B, "SMSMessage of 918 x '\u00e9': 918 characters by every count, 1836 bytes in UTF-8; the limit is in "
            "characters, not bytes", bi("SMS", sms(text=SMS_E_ACUTE)), [S_MAX], ["LENGTH_BYTES"])


def customer_verify_cases(c):
    V = "verify"
    MID = [S_SUCCESS, S_MESSAGE_ID, dec("G-MESSAGEID")]
    QUEUED = SUCCESS_BASIS + [dec("G-MESSAGEID")]
    CHECKS = [dec("G-CHECKS")]

    def body(*elements, **root):
        r = dict(root)
        r["messageData"] = list(elements)
        return dumps(r)

    c.ok(V, "A valid SMS for a customer that allows SMS: the SMS guide's success example, its MessageSentId, "
            "MessageId, statusMsg and transmitDateTime the server's choice",
         vin(body(sms()), "SMS"), QUEUED, ["SERVER_CHOSEN"], free=SUCCESS_FREE)
    c.ok(V, "Wrong Password: 'Data is not valid, no messages sent' in errorMsg, WarningMessages empty",
         vin(body(sms(pw="wrong-key")), "SMS"), [X_DNV, X_WRONG])
    c.ok(V, "Unknown CustomerId", vin(body(sms(cid="9999")), "SMS"), [X_DNV, X_WRONG])
    c.either(V, "Password differing only in letter case", vin(body(sms(pw=PW.upper())), "SMS"), "valid",
             [X_WRONG, dec("G-CHECKS")], ["CREDENTIAL_CASE"])
    c.ok(V, "The customer does not allow SMS: errorMsg null, the text in WarningMessages",
         vin(body(sms(cid=CID3, pw=PW3)), "SMS"), [X_PERMISSIONS, X_SMS])
    c.either(V, "Two recipients: 'OK 2 messages queued for sending'",
             vin(body(sms(recipients=[{"MobileNumber": MOBILE}, {"MobileNumber": MOBILE2}])), "SMS"), "valid", MID,
             ["COUNT_TEXT", "MESSAGE_ID"])
    c.either(V, "A batch with mixed results, answered in order; only queued elements consume a MessageId (G1)",
             vin(body(sms(ClientRef="a"), sms(pw="wrong", ClientRef="b"), sms(cid=CID3, pw=PW3, ClientRef="c"),
                      sms(cid=CID2, pw=PW2, ClientRef="d")), "SMS"), "valid", MID + [dec("G1")],
             ["BATCH", "MESSAGE_ID"])
    c.either(V, "ClientRef is echoed on success and on refusal",
             vin(body(sms(ClientRef=CLIENT_REF), sms(pw="wrong", ClientRef="MSG-12346")), "SMS"), "valid",
             MID + [dec("G-ECHO")], ["BATCH", "MESSAGE_ID"])
    c.ok(V, "No Password field: 'Data is not valid' (the troubleshooting page's missing auth fields)",
         vin(body(drop(sms(), "Password")), "SMS"), [X_DNV, X_MISSING])
    c.either(V, "Password as a JSON number: a wrong type is not valid data (G5)", vin(body(sms(pw=67890)), "SMS"),
             "valid", [dec("G5")], ["TYPES"])
    c.either(V, "CustomerId as a JSON number 1469: the pages write it as a string",
             vin(body(sms(cid=1469)), "SMS"), "valid", [S_CUSTOMER_TYPE, dec("G5")], ["TYPES"])
    c.either(V, "Recipients empty: not valid data", vin(body(sms(recipients=[])), "SMS"), "valid", CHECKS,
             ["DATA_CHECKS"])
    c.either(V, "SMSMessage of 919 characters: not valid data", vin(body(sms(text="z" * 919)), "SMS"), "valid",
             [S_MAX] + CHECKS, ["LENGTH_EDGE", "DATA_CHECKS"])
    c.either(V, "Recipients as bare strings (the SMS quick-start's shape): the reference reads each as a MobileNumber",
             vin(body(sms(recipients=[MOBILE, MOBILE2])), "SMS"), "valid", [S_BARE, dec("G-RECIPIENTS")] + MID,
             ["RECIPIENT_SHAPES", "MESSAGE_ID"])
    c.either(V, "null ClientRef, CallbackUrl, SendTo and SMSSender read as absent (G5)",
             vin(body(sms(ClientRef=None, CallbackUrl=None, SendTo=None, SMSSender=None)), "SMS"), "valid",
             MID + [dec("G5")], ["NULLS", "MESSAGE_ID"])
    c.either(V, "Unknown fields in the root and the element are ignored (G5)",
             vin(body(sms(Priority="high", Tags=["x"]), version=3), "SMS"), "valid", MID + [dec("G5")],
             ["MESSAGE_ID"])
    http400 = [H_200, dec("G4")]
    c.either(V, "The body is not JSON: HTTP 400", vin("CustomerId=1469&Password=x", "SMS"), "MALFORMED_JSON",
             http400, ["HTTP_400"])
    c.either(V, "The body is cut short: HTTP 400", vin(body(sms())[:-3], "SMS"), "MALFORMED_JSON", http400,
             ["HTTP_400"])
    c.either(V, "The body is not UTF-8: HTTP 400",
             vin(None, "SMS", body_base64=base64.b64encode(b'{"messageData":[{"CustomerId":"\xff"}]}').decode()),
             "MALFORMED_JSON", http400, ["HTTP_400"])
    c.either(V, "The root is an array, not an object: HTTP 400", vin(dumps([sms()]), "SMS"), "MALFORMED_PAYLOAD",
             http400, ["HTTP_400"])
    c.either(V, "Wrong root key 'messages' instead of 'messageData' (troubleshooting page): HTTP 400",
             vin(dumps({"messages": [sms()]}), "SMS"), "MALFORMED_PAYLOAD", [X_STRUCTURE] + http400, ["HTTP_400"])
    c.either(V, "Root key 'MessageData' (capital M): the reference's keys are case-sensitive; a .NET back-end may "
                "not be", vin(dumps({"MessageData": [sms()]}), "SMS"), "MALFORMED_PAYLOAD", [dec("G5")],
             ["KEY_CASE"])
    c.either(V, "messageData is an empty array: HTTP 400", vin(dumps({"messageData": []}), "SMS"),
             "MALFORMED_PAYLOAD", http400, ["HTTP_400"])
    c.either(V, "messageData is an object, not an array: HTTP 400", vin(dumps({"messageData": sms()}), "SMS"),
             "MALFORMED_PAYLOAD", http400, ["HTTP_400"])
    c.either(V, "An element that is not an object is 'Data is not valid'; the others are still answered",
             vin(body("hello", sms()), "SMS"), "valid", MID + [dec("G1")], ["BATCH", "MESSAGE_ID"])
    c.either(V, "A valid e-mail on the Email route", vin(body(email()), "Email"), "valid", [E_ROUTE] + MID,
             ["MESSAGE_ID"])
    c.either(V, "An e-mail from a customer that does not allow SMS is queued: only SMS permission is documented",
             vin(body(email(cid=CID3, pw=PW3)), "Email"), "valid", MID + [dec("G-CHECKS")], ["MESSAGE_ID"])
    c.either(V, "An SMS element sent to the Email route has no EmailSubject: not valid data",
             vin(body(sms()), "Email"), "valid", [E_REQUIRED] + CHECKS, ["DATA_CHECKS"])
    c.either(V, "PartnerKey and styleClass at the root of a customer route are ignored",
             vin(body(sms(), PartnerKey="nonsense", styleClass=""), "SMS"), "valid", MID + [dec("G5")],
             ["MESSAGE_ID"])
    c.either(V, "A malformed CallbackUrl: not valid data", vin(body(sms(CallbackUrl="not a url")), "SMS"), "valid",
             [S_CALLBACK, dec("G-CALLBACK")] + CHECKS, ["CALLBACK_URL", "DATA_CHECKS"])
    c.either(V, "SendTo 5: not valid data", vin(body(sms(SendTo=5)), "SMS"), "valid", [M_SENDTO] + CHECKS,
             ["DATA_CHECKS"])
    c.ok(V, "A Password with JSON escapes matches the directory's once unescaped: queued",
         vin(body(sms(cid="5120", pw=PW_ESC)), "SMS"), [RFC_JSON_STRINGS] + QUEUED, ["ESCAPING", "SERVER_CHOSEN"],
         free=SUCCESS_FREE)
    c.ok(V, "The right Password plus a trailing space: compared exactly, not trimmed",
         vin(body(sms(pw=PW + " ")), "SMS"), [X_DNV, X_SPACES])
    c.ok(V, "A counter of 2516506506657265717 (a string: it is above 2^53) gives the reference the vendor "
            "example's 20-digit middle part; another verifier chooses its own MessageId",
         vin(body(sms()), "SMS", counter=2516506506657265717), QUEUED, ["SERVER_CHOSEN"], free=SUCCESS_FREE)
    c.either(V, "An e-mail whose attachment is not Base64: not valid data",
             vin(body(email(Attachments=[{"FileName": "a.pdf", "FileData": "%%%"}])), "Email"), "valid",
             [E_FILEDATA, RFC_BASE64] + CHECKS, ["DATA_CHECKS"])
    c.either(V, "A recipient whose Id is a string: a wrong type is not valid data (G5)",
             vin(body(sms(recipients=[{"Id": "12345"}])), "SMS"), "valid", [dec("G5")], ["TYPES"])
    c.ok(V, "The SMS guide's quick-start request (a bare-string recipient, a CallbackUrl) gets the guide's "
            "response",
         vin(body(sms(text="Welcome to our school! Your account has been activated.", recipients=[MOBILE],
                      CallbackUrl="https://your-app.com/sms-callback")), "SMS"),
         [S_BARE] + QUEUED, ["RECIPIENT_SHAPES", "SERVER_CHOSEN"], free=SUCCESS_FREE)
    c.ok(V, "An SMSMessage of 918 x '\u00e9' (918 characters, 1836 UTF-8 bytes) is within 'max 918 characters': "
            "queued", vin(body(sms(text=SMS_E_ACUTE)), "SMS"), [S_MAX] + QUEUED, ["LENGTH_BYTES", "SERVER_CHOSEN"],
         free=SUCCESS_FREE)
    lettered = customer_directory()
    lettered["customers"].append({"CustomerId": CID_LETTERS, "Password": PW_LETTERS, "sms_allowed": True,
                                  "authorised_partners": ["abc"]})
    c.either(V, "CustomerId differing only in letter case (a CustomerId with letters: the pages show digits only)",
             vin(body(sms(cid=CID_LETTERS.upper(), pw=PW_LETTERS)), "SMS", directory=lettered), "valid",
             [X_WRONG, dec("G-CHECKS")], ["CREDENTIAL_CASE"])


def parse_cases(c, partner):
    P = "parse-response"
    FALLBACK = [P_JS_ERRTEXT, P_PY_ERRTEXT, P_UNKNOWN]
    SUCCESS = [P_JS_SUCCESS, H_MESSAGE_ID]

    def pin(status, value, sent=None, raw=None):
        inp = {"status": status, "body": raw if raw is not None else dumps(value)}
        if sent is not None:
            inp["sent"] = sent
        return inp

    def refusal(error_msg, warnings, **extra):
        e = {"WarningMessages": warnings, "errorMsg": error_msg, "MessageSentId": 0, "MessageId": None,
             "statusMsg": None, "transmitDateTime": None, "ClientRef": None}
        e.update(extra)
        return e

    def success(**extra):
        e = dict(SUCCESS_EXAMPLE)
        e.update(extra)
        return e

    if partner:
        c.ok(P, "The partner-auth page's 'Invalid Partner Key' body, verbatim (four fields only)",
             pin(200, None, raw='[{\n"WarningMessages": ["Partner key is not valid"],\n"errorMsg": "Partner '
                                'key is not valid",\n"MessageSentId": 0,\n"MessageId": null\n}]'),
             [P_KEY_INVALID, P_JS_ERRTEXT], ["DOC_BODY"])
        c.ok(P, "The partner-auth page's 'Partner Not Enabled' body, verbatim",
             pin(200, None, raw='[{\n"WarningMessages": ["Partner is not enabled, no message was sent."],\n'
                                '"errorMsg": "Partner is not enabled, no message was sent.",\n'
                                '"MessageSentId": 0,\n"MessageId": null\n}]'), [P_NOT_ENABLED, P_JS_ERRTEXT],
             ["DOC_BODY"])
        c.ok(P, "The partner-auth page's 'Customer Not Authorized for Partner' body: errorMsg null, the text "
                "in WarningMessages",
             pin(200, None, raw='[{\n"WarningMessages": ["Customer does not allow sending SMS"],\n'
                                '"errorMsg": null,\n"MessageSentId": 0,\n"MessageId": null\n}]'),
             [P_NOT_AUTH_BODY] + FALLBACK, ["DOC_BODY"])
        c.either(P, "A partner batch with mixed results, every element classified",
                 pin(200, [success(ClientRef="PLATFORM-MSG-123"), refusal(None, [PARTNER_NOT_AUTHORIZED]),
                           refusal(None, [SMS_NOT_ALLOWED]), refusal(DATA_NOT_VALID, [])], sent=4), "valid",
                 [P_FIRST, dec("G1")], ["BATCH"])
        c.either(P, "A partner-level refusal repeated for each of two elements",
                 pin(200, [refusal(PARTNER_KEY_NOT_VALID, [PARTNER_KEY_NOT_VALID])] * 2, sent=2), "valid",
                 [P_FIRST, dec("G1")], ["BATCH"])
        c.either(P, "One result for a batch of two messages", pin(200, [success()], sent=2), "COUNT_MISMATCH",
                 [P_FIRST, dec("G1")], ["BATCH"])
        return

    c.ok(P, "The SMS guide's success example, verbatim", pin(200, [SUCCESS_EXAMPLE]), [S_SUCCESS] + SUCCESS,
         ["DOC_BODY"])
    c.ok(P, "Invalid customer credentials (authentication-errors page)", pin(200, [refusal(DATA_NOT_VALID, [])]),
         [X_DNV, P_JS_ERRTEXT], ["DOC_BODY"])
    c.ok(P, "Customer lacks SMS permission: errorMsg null, the text in WarningMessages[0]",
         pin(200, [refusal(None, [SMS_NOT_ALLOWED])]), [X_SMS] + FALLBACK, ["DOC_BODY"])
    c.ok(P, "Partner not authorised for the customer: errorMsg null, WarningMessages[0]",
         pin(200, [refusal(None, [PARTNER_NOT_AUTHORIZED])]), [X_PANA] + FALLBACK, ["DOC_BODY"])
    c.either(P, "errorMsg empty string: WarningMessages[0] is the error (JavaScript '||' and Python 'or'; the "
                "C# example's '??' keeps the empty errorMsg)", pin(200, [refusal("", ["Quota exceeded"])]),
             "valid", FALLBACK + [P_CS_ERRTEXT, dec("G3")], ["CLIENT_FALLBACK"])
    c.ok(P, "errorMsg null and WarningMessages empty: 'Unknown error'", pin(200, [refusal(None, [])]),
         FALLBACK + [P_CS_ERRTEXT])
    c.ok(P, "errorMsg and WarningMessages both missing: 'Unknown error'",
         pin(200, [{"MessageSentId": 0, "MessageId": None}]), FALLBACK + [P_CS_ERRTEXT], ["NULLS"])
    c.either(P, "WarningMessages[0] empty: 'Unknown error', the second warning is not read (JavaScript and "
                "Python; the C# example's '??' keeps the empty warning)", pin(200, [refusal(None, ["", "second"])]),
             "valid", FALLBACK + [P_CS_ERRTEXT, dec("G3")], ["CLIENT_FALLBACK"])
    c.ok(P, "errorMsg starts with OK but MessageId is null: a failure whose text is the OK string (G3)",
         pin(200, [success(MessageId=None)]), SUCCESS + [P_JS_ERRTEXT], ["G3_INVARIANT"])
    c.ok(P, "errorMsg starts with OK but MessageId is empty: a failure", pin(200, [success(MessageId="")]),
         SUCCESS + [P_JS_ERRTEXT], ["G3_INVARIANT"])
    c.ok(P, "errorMsg starts with OK but MessageId is missing: a failure",
         pin(200, [drop(SUCCESS_EXAMPLE, "MessageId")]), SUCCESS + [P_JS_ERRTEXT], ["G3_INVARIANT"])
    c.ok(P, "errorMsg 'ok …' in lowercase: the prefix is case-sensitive, a failure",
         pin(200, [success(errorMsg="ok 1 messages queued for sending")]), SUCCESS, ["G3_INVARIANT"])
    c.ok(P, "errorMsg ' OK …' with a leading space: a failure", pin(200, [success(errorMsg=" OK 1")]), SUCCESS,
         ["G3_INVARIANT"])
    c.ok(P, "MessageSentId 12345 on a refusal: MessageSentId never decides",
         pin(200, [refusal(DATA_NOT_VALID, [], MessageSentId=12345)]), SUCCESS + [S_SENT_ID], ["G3_INVARIANT"])
    c.ok(P, "MessageSentId a string on a success: never read, so never an error",
         pin(200, [success(MessageSentId="n/a")]), SUCCESS + [S_SENT_ID], ["G3_INVARIANT"])
    c.ok(P, "A success without statusMsg, transmitDateTime and ClientRef",
         pin(200, [drop(SUCCESS_EXAMPLE, "statusMsg", "transmitDateTime", "ClientRef")]), SUCCESS, ["NULLS"])
    c.ok(P, "Unknown fields are ignored", pin(200, [success(Cost=0.04, Parts=[1, 2], errormsg="x")]), SUCCESS)
    for digits in range(0, 8):
        frac = "" if digits == 0 else "." + "5859378"[:digits]
        c.ok(P, f"transmitDateTime with {digits} fractional digit(s)",
             pin(200, [success(transmitDateTime=f"2025-07-04T17:28:54{frac}Z")]), [RFC_TIME, S_SUCCESS],
             ["TIME_DIGITS"])
    c.either(P, "transmitDateTime with 8 fractional digits: RFC 3339 allows any number, the reference stops at "
                "the 7 a .NET DateTime carries", pin(200, [success(transmitDateTime="2025-07-04T17:28:54.58593781Z")]),
             "MALFORMED_ELEMENT", [RFC_TIME, dec("G-TIME")], ["TIME_DIGITS", "TIME_PRECISION"])
    c.ok(P, "transmitDateTime with a +01:00 offset",
         pin(200, [success(transmitDateTime="2025-07-04T18:28:54.5859378+01:00")]), [RFC_TIME])
    c.either(P, "transmitDateTime without a zone designator (a .NET 'Unspecified' DateTime): the reference reads "
                "UTC", pin(200, [success(transmitDateTime="2025-07-04T17:28:54.5859378")]), "valid",
             [RFC_TIME, dec("G-TIME")], ["TIME_ZONE"])
    c.bad(P, "transmitDateTime on 30 February", pin(200, [success(transmitDateTime="2025-02-30T10:00:00Z")]),
          "MALFORMED_ELEMENT", [RFC_DATE])
    c.either(P, "transmitDateTime as a number", pin(200, [success(transmitDateTime=1751650134)]),
             "MALFORMED_ELEMENT", [dec("G5")], ["TYPES"])
    c.bad(P, "errorMsg as a number: the pages' clients call startsWith on it and throw",
          pin(200, [refusal(404, [])]), "MALFORMED_ELEMENT", [P_JS_SUCCESS], ["CLIENT_THROWS"])
    c.either(P, "MessageId as a number", pin(200, [success(MessageId=12345)]), "MALFORMED_ELEMENT", [dec("G5")],
             ["TYPES"])
    c.either(P, "WarningMessages as a string", pin(200, [refusal(None, SMS_NOT_ALLOWED)]), "MALFORMED_ELEMENT",
             [dec("G5")], ["TYPES"])
    c.either(P, "WarningMessages holding a number", pin(200, [refusal(None, [1])]), "MALFORMED_ELEMENT",
             [dec("G5")], ["TYPES"])
    c.bad(P, "An element that is null: the pages' clients read its errorMsg and throw", pin(200, [None]),
          "MALFORMED_ELEMENT", [P_FIRST, P_JS_SUCCESS], ["CLIENT_THROWS"])
    c.either(P, "A batch with mixed results: every element is classified, not only the first",
             pin(200, [success(ClientRef="a"), refusal(DATA_NOT_VALID, [], ClientRef="b"),
                       refusal(None, [SMS_NOT_ALLOWED], ClientRef="c"),
                       success(MessageId="1469.20250704.00000000000000000002-0f9e8d7c6b5a4e3d8c2b1a0f9e8d7c6b",
                               ClientRef="d")], sent=4), "valid", [P_FIRST, dec("G1")], ["BATCH"])
    c.either(P, "Two results for a batch of one message", pin(200, [success(), success()], sent=1),
             "COUNT_MISMATCH", [P_FIRST, dec("G1")], ["BATCH"])
    c.bad(P, "A single object instead of an array", pin(200, SUCCESS_EXAMPLE), "NOT_AN_ARRAY", [P_JS_ARRAY],
          alternatives=["EMPTY_RESPONSE"])
    c.bad(P, "An empty array", pin(200, []), "EMPTY_RESPONSE", [P_JS_ARRAY], alternatives=["NOT_AN_ARRAY"])
    c.bad(P, "An HTML error page with status 200", pin(200, None, raw="<html><body>Error</body></html>"),
          "MALFORMED_RESPONSE_JSON", [P_JS_JSON])
    c.bad(P, "HTTP 400 (malformed request): the Python and C# examples fail on the status, the JavaScript one on "
             "the body that is not an array", pin(400, {"message": "The request is invalid."}), "HTTP_ERROR",
          [P_PY_STATUS, P_JS_ARRAY], ["HTTP_STATUS"], alternatives=["NOT_AN_ARRAY"])
    c.either(P, "HTTP 500 even with an array body: the status decides for the reference and the Python and C# "
                "examples; the JavaScript example never reads the status", pin(500, [SUCCESS_EXAMPLE]),
             "HTTP_ERROR", [P_PY_STATUS, dec("G4")], ["HTTP_STATUS", "CLIENT_STATUS"])
    c.bad(P, "An empty body with status 200", pin(200, None, raw=""), "MALFORMED_RESPONSE_JSON", [P_JS_JSON])
    c.bad(P, "A JSON string body", pin(200, "OK"), "NOT_AN_ARRAY", [P_JS_ARRAY])
    c.ok(P, "errorMsg exactly 'OK' with a MessageId: a success", pin(200, [success(errorMsg="OK")]), SUCCESS,
         ["G3_INVARIANT"])
    c.ok(P, "A success echoing its ClientRef", pin(200, [success(ClientRef=CLIENT_REF)]), SUCCESS + [S_CLIENTREF])
    c.ok(P, "errorMsg and WarningMessages both null: 'Unknown error'", pin(200, [refusal(None, None)]),
         FALLBACK + [P_CS_ERRTEXT], ["NULLS"])
    c.ok(P, "HTTP 202 is a 2xx status: the body is read", pin(202, [SUCCESS_EXAMPLE]), [P_PY_STATUS] + SUCCESS,
         ["HTTP_STATUS"])
    c.bad(P, "A truncated array", pin(200, None, raw=dumps([SUCCESS_EXAMPLE])[:-2]), "MALFORMED_RESPONSE_JSON",
          [P_JS_JSON])


# ----------------------------------------------------------------------------
# Partner scheme
# ----------------------------------------------------------------------------


def partner_build_cases(c):
    B = "build"

    def bi(*elements, key=PKEY, style=STYLE):
        inp = {}
        if key is not None:
            inp["PartnerKey"] = key
        if style is not None:
            inp["styleClass"] = style
        inp["messageData"] = list(elements)
        return inp

    c.ok(B, "The partner-auth page's complete example (its ClientRef comes after Recipients in the body)",
         bi(sms(text=SMS_TEXT, ClientRef=CLIENT_REF)), [P_ROUTE, P_EXAMPLE_REF, P_PY_JSON], ["FIELD_ORDER"])
    c.ok(B, "The page's JavaScript client payload: ClientRef and CallbackUrl",
         bi(sms(text="Hello from our platform!", ClientRef="PLATFORM-MSG-123",
                CallbackUrl="https://platform.com/sms-callback")), [P_ROUTE, P_PY_REF, P_PY_JSON])
    c.bad(B, "No PartnerKey", bi(sms(), key=None), "MISSING_FIELD", [P_REQUIRED, P_KEY_ROW, P_BOTH])
    c.either(B, "An empty styleClass (G2)", bi(sms(), style=""), "MISSING_FIELD", [P_STYLE, dec("G2")],
             ["STYLE_CLASS", "BUILD_CHECKS"])
    c.bad(B, "No styleClass (G2)", bi(sms(), style=None), "MISSING_FIELD", [P_REQUIRED, P_STYLE])
    c.bad(B, "PartnerKey with a trailing line break (troubleshooting: no extra characters)",
          bi(sms(), key=PKEY + "\n"), "MALFORMED_CREDENTIAL", [P_SPACES])
    c.ok(B, "Two customers in one partner batch, each with its own credentials (G1)",
         bi(sms(), sms(cid=CID2, pw=PW2, recipients=[MOBILE2])), [P_MULTI, P_BOTH, S_ARRAY])
    c.bad(B, "E-mail content on PartnerRoute: the page shows SMS only (and the SMS guide requires SMSMessage, "
             "so MISSING_FIELD is right too)",
          bi(drop(email(), "Recipients") | {"Recipients": [{"MobileNumber": MOBILE}]}), "WRONG_CONTENT",
          [S_REQUIRED, S_MAX, dec("G-BUILD-ORDER")], ["PARTNER_SMS"], alternatives=["MISSING_FIELD"])
    c.ok(B, "A PartnerKey and styleClass needing JSON escapes", bi(sms(), key='pk-"x"\\y', style="Caf\u00e9 & Co"),
         [RFC_JSON_STRINGS, P_ROUTE], ["ESCAPING"])
    c.ok(B, "Recipients as strings, as the page's Python example passes them, written as objects",
         bi(sms(recipients=[MOBILE])), [P_PY_RECIPIENTS], ["RECIPIENT_SHAPES"])
    c.bad(B, "The customer's Password is required on PartnerRoute too (the page's required-fields table)",
          bi(drop(sms(), "Password")), "MISSING_FIELD", [P_REQUIRED, P_API_KEY, P_BOTH])
    c.either(B, "messageData empty", bi(), "EMPTY_MESSAGE_DATA", [dec("G-BUILD-CHECKS")], ["BUILD_CHECKS"])
    c.bad(B, "A long SMS in a partner batch", bi(sms(text="w" * 919)), "MESSAGE_TOO_LONG", [S_MAX], ["LENGTH_EDGE"])
    c.ok(B, "styleClass is free text: spaces and punctuation are written as is",
         bi(sms(), style="Your Company Name Ltd."), [P_STYLE])


def partner_verify_cases(c):
    V = "verify"
    MID = [S_SUCCESS, S_MESSAGE_ID, dec("G-MESSAGEID")]
    QUEUED = SUCCESS_BASIS + [dec("G-MESSAGEID")]

    def body(*elements, key=PKEY, style=STYLE, **extra):
        r = {}
        if key is not None:
            r["PartnerKey"] = key
        if style is not None:
            r["styleClass"] = style
        r.update(extra)
        r["messageData"] = list(elements)
        return dumps(r)

    c.either(V, "A valid partner request for a customer that authorised the partner",
             vin(body(sms(ClientRef=CLIENT_REF))), "valid", [P_BOTH] + MID, ["MESSAGE_ID"])
    c.either(V, "Unknown PartnerKey: 'Partner key is not valid' in errorMsg and WarningMessages, for every element",
             vin(body(sms(), sms(cid=CID2, pw=PW2), key="partner-xyz-00000")), "valid", [P_KEY_INVALID, dec("G1")],
             ["BATCH"])
    c.ok(V, "A partner that has not completed onboarding: 'Partner is not enabled, no message was sent.' (the "
            "troubleshooting page's 'Partner Not Enabled' body passes too)",
         vin(body(sms(), key=PKEY_PENDING)), [P_NOT_ENABLED])
    c.ok(V, "No PartnerKey: 'Partner key is not valid' (or 'Data is not valid': a missing authentication field)",
         vin(body(sms(), key=None)), [P_KEY_INVALID, X_MISSING], also=[["creds_missing"]])
    c.either(V, "PartnerKey as a number: 'Partner key is not valid'", vin(body(sms(), key=12345)), "valid",
             [dec("G5")], ["TYPES"])
    c.either(V, "No styleClass: 'Data is not valid' for every element (G2)",
             vin(body(sms(), sms(cid=CID2, pw=PW2), style=None)), "valid", [P_STYLE, dec("G2"), dec("G1")],
             ["BATCH", "STYLE_CLASS"])
    c.either(V, "Empty styleClass: 'Data is not valid' (G2)", vin(body(sms(), style="")), "valid",
             [P_STYLE, dec("G2")], ["STYLE_CLASS"])
    c.either(V, "A styleClass other than the partner's company name: the reference checks presence only (G2)",
             vin(body(sms(), style="SomeoneElse")), "valid", [P_STYLE, dec("G2")] + MID,
             ["STYLE_CLASS", "MESSAGE_ID"])
    c.ok(V, "A customer that has not authorised this partner: 'Partner account not authorized for this customer' "
            "in WarningMessages (the troubleshooting page), or the partner-auth page's example of this case, "
            "which shows the SMS-permission string", vin(body(sms(cid=CID2, pw=PW2))), [X_PANA, P_NOT_AUTH],
         ["DOC_CONFLICT"])
    c.ok(V, "An authorising customer that does not allow SMS: 'Customer does not allow sending SMS'",
         vin(body(sms(cid=CID3, pw=PW3))), [X_PERMISSIONS, X_SMS])
    c.ok(V, "A wrong customer Password under a valid partner: 'Data is not valid'", vin(body(sms(pw="wrong-key"))),
         [X_DNV, X_WRONG])
    c.either(V, "A mixed partner batch answered in order",
             vin(body(sms(ClientRef="1"), sms(cid=CID2, pw=PW2, ClientRef="2"), sms(cid=CID3, pw=PW3, ClientRef="3"),
                      sms(pw="bad", ClientRef="4"), sms(cid="5120", pw=PW_ESC, ClientRef="5"))), "valid",
             MID + [dec("G1")], ["BATCH", "MESSAGE_ID"])
    c.ok(V, "Unknown partner and a wrong customer Password: the reference checks the partner first; a verifier "
            "checking the customer first answers 'Data is not valid'", vin(body(sms(pw="bad"), key="nobody")),
         [P_KEY_INVALID, X_WRONG], ["PRECEDENCE"], also=[["creds_wrong"]])
    c.either(V, "A disabled partner and no styleClass: 'Partner is not enabled' comes first",
             vin(body(sms(), key=PKEY_PENDING, style=None)), "valid", [P_NOT_ENABLED, dec("G2")],
             ["PRECEDENCE", "STYLE_CLASS"])
    c.ok(V, "A customer that neither authorised the partner nor allows SMS: authorisation is checked first; "
            "the SMS-permission answer is right too", vin(body(sms(cid=CID4, pw=PW4))), [X_PANA, P_NOT_AUTH, X_SMS],
         ["PRECEDENCE", "DOC_CONFLICT"], also=[["sms"]])
    c.either(V, "PartnerKey in another letter case", vin(body(sms(), key=PKEY.upper())), "valid",
             [P_KEY_INVALID, dec("G-CHECKS")], ["CREDENTIAL_CASE"])
    c.ok(V, "PartnerKey with a trailing space: compared exactly", vin(body(sms(), key=PKEY + " ")),
         [P_KEY_INVALID, P_SPACES])
    c.either(V, "The body is not JSON: HTTP 400", vin("PartnerKey=" + PKEY), "MALFORMED_JSON", [H_200, dec("G4")],
             ["HTTP_400"])
    c.either(V, "No messageData at the root: HTTP 400", vin(dumps({"PartnerKey": PKEY, "styleClass": STYLE})),
             "MALFORMED_PAYLOAD", [X_STRUCTURE, H_200, dec("G4")], ["HTTP_400"])
    c.ok(V, "Another enabled partner that customer 1469 never authorised", vin(body(sms(), key=PKEY_OTHER)),
         [X_PANA, P_NOT_AUTH], ["DOC_CONFLICT"])
    c.ok(V, "The customer's Password missing on PartnerRoute: 'Data is not valid'",
         vin(body(drop(sms(), "Password"))), [X_DNV, X_MISSING])
    c.either(V, "Two messages for the same customer: consecutive MessageIds",
             vin(body(sms(), sms(text="Second")), counter=41), "valid", MID + [dec("G1")], ["BATCH", "MESSAGE_ID"])
    c.ok(V, "The partner-auth page's complete example without its ClientRef, for a customer that authorised "
            "the partner: queued, the pages' clients read it as a success (errorMsg 'OK…' and a MessageId)",
         vin(body(sms())), [P_BOTH, P_JS_SUCCESS] + QUEUED, ["SERVER_CHOSEN"], free=SUCCESS_FREE)
    authorised_pending = customer_directory()
    authorised_pending["customers"][0]["authorised_partners"].append("pending")
    assert authorised_pending["customers"][0]["CustomerId"] == CID
    c.ok(V, "A partner that is not enabled, for a customer that HAS authorised it: 'Partner is not enabled, no "
            "message was sent.', never queued", vin(body(sms(), key=PKEY_PENDING), directory=authorised_pending),
         [P_NOT_ENABLED, P_ACTIVATED])


# ----------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------

SA = "SPEC_AMBIGUITY"

# Flag -> (bugType, why cases carry it).
COMMON_FLAGS = {
    "RECIPIENT_SHAPES": ("INTEROP", "Recipients appear in two shapes in the vendor's docs: an array of objects "
                         "([{\"MobileNumber\": \"+447700900123\"}]: the SMS guide's field table, the customer-auth "
                         "page, the recipients reference, the partner-auth page's code examples) and an array of "
                         "strings ([\"+447700900123\"]: the SMS quick-start). The reference builder writes objects; "
                         "a body with the quick-start's strings passes as an equivalent output. The SMS guide answers its "
                         "quick-start request (one bare string) with its success example, so a verifier reads a bare "
                         "string as a mobile number there; with several, the answer's count is a decision."),
    "ESCAPING": ("INTEROP", "Values needing JSON escapes. Build bodies are compared as parsed JSON, so how a string "
                 "is escaped is free; the reference's own bytes (minimal escaping, vectors/README.md) are pinned "
                 "by reference-strictness runs."),
    "LENGTH_EDGE": ("BASIC", "SMSMessage at and just past the SMS guide's 'max 918 characters'."),
    "LENGTH_BYTES": ("INTEROP", "SMSMessage of 918 characters that are two bytes each in UTF-8 (U+00E9, one "
                     "character of the GSM 03.38 basic set, one UTF-16 code unit): the SMS guide's 'max 918 "
                     "characters' counts characters, so counting UTF-8 bytes refuses a message the page allows."),
    "SMS_LENGTH": (SA, "Acceptable: the docs say 'max 918 characters' without saying what a character is. The "
                   "reference counts Unicode scalar values; counting UTF-16 code units (as a .NET string's Length "
                   "does) refuses this case."),
    "MOBILE_FORM": (SA, "Acceptable: the recipients reference says only 'String (International format)' with the "
                    "example +447700900123. The reference requires '+', then 7 to 15 digits (E.164), the first not "
                    "0, and normalises nothing (G-MOBILE); a builder that checks less, or more, conforms."),
    "CALLBACK_URL": (SA, "Acceptable: the pages say only 'URL for delivery status updates'. The reference requires "
                     "an absolute http(s) URL with a host, no user information, no fragment, only visible ASCII, a "
                     "port of at most 65535 (G-CALLBACK)."),
    "CALLBACK_HTTP": (SA, "Acceptable: the docs require HTTPS for requests to the API but say nothing of the "
                      "callback's scheme. The reference accepts http:// callbacks; refusing them is defensible."),
    "NULLS": ("INTEROP", "Absent and null are the same for optional fields (G5). The reference builder leaves "
              "absent fields out; a builder writing them null (as the partner-auth page's Python client does) "
              "sends the same JSON."),
    "TYPES": (SA, "Acceptable: a field present with another JSON type than the pages show. The reference treats it "
              "as an error, never coercing (G5); the pages do not say what the server or a client does, and a "
              "lenient or coercing reader conforms."),
    "CLIENT_THROWS": ("MALFORMED_INPUT", "A response element the partner-auth page's own client code cannot read "
                      "(it throws): a parser must fail, not report a result."),
    "HTTP_400": (SA, "Acceptable: the pages say most responses, errors included, are HTTP 200 and never say what "
                 "a body that is not JSON, or not an object with a non-empty messageData array, gets. The "
                 "reference answers HTTP 400 (MALFORMED_JSON, MALFORMED_PAYLOAD: G4)."),
    "KEY_CASE": (SA, "Acceptable: JSON keys are case-sensitive for the reference; ASP.NET model binding is often "
                 "case-insensitive, so a server that reads 'MessageData' as 'messageData' also conforms."),
    "BATCH": (SA, "Acceptable where a case's answer depends on it: several messageData elements. The reference "
              "answers one result per element, in order (G1); the pages show one-element requests only, and their "
              "client code reads response[0]."),
    "COUNT_TEXT": ("INTEROP", "errorMsg 'OK <n> messages queued for sending' with n the element's number of "
                   "recipients (the vendor's example writes '1 messages'). Clients must not parse the text beyond "
                   "the 'OK' prefix (G3)."),
    "DOC_BODY": ("INTEROP", "A response body copied from the vendor's pages."),
    "G3_INVARIANT": ("AUTH_BYPASS", "Success iff errorMsg starts with 'OK' (case-sensitive, no leading space) and "
                     "MessageId is a non-empty string; MessageSentId never decides (the partner-auth page's client "
                     "code, G3). Reading another element as a success reports an unsent message as sent."),
    "CLIENT_FALLBACK": (SA, "Acceptable: the partner-auth page's JavaScript ('||') and Python ('or') examples skip "
                        "an empty errorMsg or warning; its C# example ('??') keeps it. The reference follows "
                        "JavaScript and Python (G3)."),
    "TIME_DIGITS": ("INTEROP", "transmitDateTime with 0 to 7 fractional digits (RFC 3339 time-secfrac; the vendor "
                    "example has 7)."),
    "TIME_PRECISION": (SA, "Acceptable: RFC 3339 allows any number of fractional digits; the reference reads at "
                       "most 7, the precision of a .NET DateTime (G-TIME)."),
    "TIME_ZONE": (SA, "Acceptable: a transmitDateTime without Z or an offset. The reference reads it as UTC "
                  "(transmitted.has_zone false); refusing it as malformed is defensible."),
    "HTTP_STATUS": ("INTEROP", "The HTTP status of a response: any 2xx reads the body; the partner-auth page's "
                    "Python client raises on any other (raise_for_status)."),
    "CLIENT_STATUS": (SA, "Acceptable: the partner-auth page's JavaScript client never reads the HTTP status, its "
                      "Python and C# clients fail on a non-2xx status; the reference follows Python and C# (G4)."),
    "FIELD_ORDER": ("INTEROP", "The reference writes a fixed field order (vectors/README.md), which differs from "
                    "the page's example; build bodies are compared as parsed JSON, so any order passes."),
    "PARTNER_SMS": ("INTEROP", "PartnerRoute carries SMS content only: the partner-auth page shows no other."),
    "STYLE_CLASS": (SA, "Acceptable: the docs never say whether styleClass is checked against the partner's "
                    "registration, nor what an empty or missing one gets. The reference requires it present and "
                    "non-empty only, and answers 'Data is not valid' otherwise (G2)."),
    "DOC_CONFLICT": ("AUTH_BYPASS", "The vendor's pages disagree: the authentication-errors page answers an "
                     "unauthorised partner with WarningMessages ['Partner account not authorized for this "
                     "customer']; the partner-auth page's example under 'Customer Not Authorized for Partner' shows "
                     "'Customer does not allow sending SMS'. The reference answers the former; the latter is an "
                     "equivalent output. Queuing the message is a bypass."),
    "PRECEDENCE": ("AUTH_BYPASS", "Several faults at once. The reference's order (the partner, then the element's "
                   "data and credentials, then partner authorisation, then SMS permission) is a decision; every "
                   "answer a page-following verifier could give is listed as an equivalent output. Queuing the "
                   "message is a bypass."),
    "MESSAGE_ID": (SA, "Acceptable: an element is queued and its answer rests on a decision beyond the "
                   "server-chosen members: the SMS guide's one success example answers a single SMS to one "
                   "recipient without a ClientRef; the count in 'OK <n> messages' for several recipients, the "
                   "ClientRef echo (G-ECHO), the Email route's success text, what the reference ignores or refuses "
                   "(G5, G-CHECKS, G2) and several elements (G1) are decisions. The reference's exact answer, its "
                   "MessageId scheme (G-MESSAGEID) included, is pinned at reference strictness."),
    "SERVER_CHOSEN": ("BASIC", "One SMS is queued: the answer is the SMS guide's success example, one element, "
                      "with MessageSentId ('may be 0'), MessageId, statusMsg ('\"In Queue\", etc.') and "
                      "transmitDateTime left to the server (expect.free: another verifier must give each with its "
                      "JSON type, non-empty strings where the example's are). The reference's values "
                      "(G-MESSAGEID) are pinned at reference strictness. A verifier that refuses the message "
                      "fails."),
    "DATA_CHECKS": (SA, "Acceptable: a message whose credentials are right but whose data the reference refuses "
                    "('Data is not valid', G-CHECKS); the pages never show what the server answers for it."),
    "CREDENTIAL_CASE": (SA, "Acceptable: a credential differing only in letter case. The reference compares "
                        "exactly (G-CHECKS); the pages do not say whether keys are case-sensitive."),
    "BUILD_CHECKS": (SA, "Acceptable: the reference builder refuses input no page forbids (an empty value, a "
                     "recipient naming nobody, content of the other route, nothing to send: G-BUILD-CHECKS); a "
                     "builder that sends it conforms."),
}

DECISIONS = {
    "G1": "Each messageData element carries its own CustomerId + Password; the response is an array with one result "
          "per element, in order. Only queued elements take a MessageId.",
    "G2": "PartnerRoute: PartnerKey must be known ('Partner key is not valid') and enabled ('Partner is not enabled, "
          "no message was sent.'), styleClass present and non-empty ('Data is not valid, no messages sent'), each "
          "answered for every element; then per element the customer must have authorised the partner ('Partner "
          "account not authorized for this customer').",
    "G3": "Success iff errorMsg starts with 'OK' and MessageId is a non-empty string. Error text: errorMsg if "
          "non-empty, else WarningMessages[0] if non-empty, else 'Unknown error'. MessageSentId is never read.",
    "G4": "Refusals answer HTTP 200 with the documented strings; a body that is not JSON (MALFORMED_JSON) or not an "
          "object with a non-empty messageData array (MALFORMED_PAYLOAD) answers HTTP 400. Clients treat any non-2xx "
          "as HTTP_ERROR.",
    "G5": "Parsers never panic; unknown fields are ignored; null reads as absent; a present field of the wrong type "
          "is an error (MALFORMED_ELEMENT in responses, 'Data is not valid' in requests).",
    "G-BODY": "The reference's body is compact JSON in a fixed field order (vectors/README.md), absent optional "
              "fields left out. Other implementations are graded on the parsed JSON.",
    "G-RECIPIENTS": "Builders write Recipients as objects; the reference verifier also reads bare strings as "
                    "MobileNumber, as the SMS guide's quick-start request sends them.",
    "G-CHECKS": "Verifier element checks, each failure 'Data is not valid, no messages sent': an object; CustomerId, "
                "Password non-empty strings; SMS routes: SMSMessage 1-918 characters, SMSSender non-empty if given; "
                "Email: EmailSubject, EmailBody non-empty, addresses well-formed, attachments named and Base64; "
                "Recipients a non-empty array of usable recipients; SendTo 0/1/2; CallbackUrl well-formed; ClientRef "
                "a string; then the credentials (exact, case-sensitive, constant-time). Then partner authorisation, "
                "then SMS permission (SMS and PartnerRoute only: no e-mail permission string is documented).",
    "G-MESSAGEID": "MessageId is '<CustomerId>.<yyyyMMdd>.<20 digits>-<32 lowercase hex>' like the vendor's example. "
                   "In vectors it is deterministic: the k-th queued element (k from ids.counter, a JSON integer or, "
                   "above 2^53, a decimal string) gets k as the 20 digits and the first 16 bytes of "
                   "SHA-256('<ids.seed>:<k>') with the UUID v4 version and variant bits set as the hex; the date is "
                   "now_ms's UTC date. transmitDateTime is now_ms with 7 fractional digits.",
    "G-ECHO": "ClientRef is echoed on every element, queued or refused, when the element carried a string ClientRef.",
    "G-BUILD-ORDER": "Build checks, first fault wins: PartnerKey, styleClass (PartnerRoute); then per element in order: "
                     "SendTo, content on the wrong route, CustomerId, Password, content fields, Recipients, "
                     "CallbackUrl; then messageData non-empty.",
    "G-BUILD-CHECKS": "The builder also refuses what no page forbids but no server can use: empty required values "
                      "(MISSING_FIELD), an empty Recipients array (EMPTY_RECIPIENTS), a recipient naming nobody "
                      "(MALFORMED_RECIPIENT), content fields of the other route (WRONG_CONTENT), an attachment "
                      "without FileName (MALFORMED_ATTACHMENT), an empty messageData (EMPTY_MESSAGE_DATA).",
    "G-MOBILE": "MobileNumber: '+', then 7 to 15 digits, the first not 0 (E.164); nothing is normalised.",
    "G-CALLBACK": "CallbackUrl: an absolute http or https URL of at most 2048 visible ASCII characters, with a host "
                  "of LDH labels, an optional port 1-65535, no user information and no fragment.",
    "G-TIME": "transmitDateTime: YYYY-MM-DDTHH:MM:SS, optional '.' and 1-7 digits, optional Z or +-HH:MM. Without a "
              "zone it is read as UTC (acceptable).",
    "SMS_LENGTH": "The 918-character maximum counts Unicode scalar values.",
    "DOC_CONFLICT": "An unauthorised partner gets 'Partner account not authorized for this customer' (the "
                    "authentication-errors page); the partner-auth page's 'Customer does not allow sending SMS' "
                    "passes as an equivalent output.",
}


def cited_sources(sources, cases):
    """`sources` plus every page and RFC a basis cites, in order of first citation."""
    out = list(sources)
    for case in cases:
        entries = list(case["basis"]) + [b for eq in case["expect"].get("equivalent", []) for b in eq["basis"]]
        for b in entries:
            if b.startswith("page:"):
                url = b[len("page:"):].split(" ", 1)[0]
            elif b.startswith("rfc"):
                url = "https://www.rfc-editor.org/rfc/" + b.split("#", 1)[0]
            else:
                continue
            if url not in out:
                out.append(url)
    return out


def file_doc(scheme, description, sources, cases):
    used = sorted({f for case in cases for f in case["flags"]})
    sources = cited_sources(sources, cases)
    return {
        "scheme": scheme,
        "formatVersion": 3,
        "description": description,
        "sources": sources,
        "numberOfTests": len(cases),
        "flags": {f: {"description": COMMON_FLAGS[f][1], "bugType": COMMON_FLAGS[f][0]} for f in used},
        "decisions": DECISIONS,
        "cases": cases,
    }


def build_all():
    cc = Cases(SCHEME_CUSTOMER)
    customer_build_cases(cc)
    customer_verify_cases(cc)
    parse_cases(cc, partner=False)
    customer = file_doc(
        SCHEME_CUSTOMER,
        "Groupcall Messenger SendMessage_V3 customer authentication (CustomerId + Password in every messageData "
        "element): building the exact request body for the SMS and Email routes, verifying a payload against a "
        "directory of customers and partners (the per-element response array, HTTP 400 for malformed bodies), and "
        "classifying every element of a response.",
        [URL_CUSTOMER, URL_SMS, URL_EMAIL, URL_RECIPIENTS, URL_ERRORS, URL_HANDLING, URL_REFERENCE],
        cc.cases,
    )
    pc = Cases(SCHEME_PARTNER)
    partner_build_cases(pc)
    partner_verify_cases(pc)
    parse_cases(pc, partner=True)
    partner = file_doc(
        SCHEME_PARTNER,
        "Groupcall Messenger SendMessage_V3 partner authentication (root PartnerKey + styleClass, per-element "
        "customer credentials) on the PartnerRoute: building the body, verifying partner key, enablement, "
        "styleClass, customer authorisation and permissions, and classifying the partner error bodies.",
        [URL_PARTNER, URL_ERRORS, URL_SMS, URL_CUSTOMER],
        pc.cases,
    )
    return {"groupcall-customer.json": customer, "groupcall-partner.json": partner}


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
            try:
                have = (VECTORS_DIR / name).read_bytes().decode("utf-8")
            except FileNotFoundError:
                have = None
            if have != render_doc(doc):
                stale.append(name)
        for name in stale:
            print(f"vectors/{name} differs from what generators/groupcall.py would write", file=sys.stderr)
        return 1 if stale else 0
    for name, doc in docs.items():
        with open(VECTORS_DIR / name, "w", encoding="utf-8", newline="") as fh:
            fh.write(render_doc(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
