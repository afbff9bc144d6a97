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

The exact body bytes are `json.dumps(obj, ensure_ascii=False, separators=(",", ":"))`
over dicts built in the documented field order (see vectors/README.md).

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


def verify(route, inp):
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

    def all_refused(error_msg, warning):
        return {"status": 200, "response": [refused(error_msg, warning, client_ref(e)) for e in elements]}

    partner = None
    if route == "PartnerRoute":
        key = root.get("PartnerKey")
        partner = partners.get(key) if isinstance(key, str) else None
        if partner is None:
            return all_refused(PARTNER_KEY_NOT_VALID, PARTNER_KEY_NOT_VALID)
        if not partner.get("enabled", True):
            return all_refused(PARTNER_NOT_ENABLED, PARTNER_NOT_ENABLED)
        style = root.get("styleClass")
        if not isinstance(style, str) or style == "":
            return all_refused(DATA_NOT_VALID, None)
    now_ms = inp["now_ms"]
    k = inp["ids"]["counter"]
    out = []
    for e in elements:
        cref = client_ref(e)
        view = element_view(route, e)
        customer = customers.get(view[0]) if view else None
        if view is None or customer is None or customer["Password"] != view[1]:
            out.append(refused(DATA_NOT_VALID, None, cref))
            continue
        if partner is not None and partner["id"] not in customer.get("authorised_partners", []):
            out.append(refused(None, PARTNER_NOT_AUTHORIZED, cref))
            continue
        if route in ("SMS", "PartnerRoute") and not customer.get("sms_allowed", True):
            out.append(refused(None, SMS_NOT_ALLOWED, cref))
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
        k += 1
    return {"status": 200, "response": out}


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


class Cases:
    def __init__(self, scheme):
        self.scheme = scheme
        self.cases = []
        self.counters = {}

    def add(self, op, comment, inp, result=None, flags=(), reference=None, withdrawn=False):
        """`result` None: compute. 'acceptable' needs `reference` ('valid'/'invalid')."""
        n = self.counters.get(op, 0) + 1
        self.counters[op] = n
        route = inp.get("route", "PartnerRoute")
        try:
            if op == "build":
                out, err = build(route, inp), None
            elif op == "verify":
                out, err = verify(route, inp), None
            elif op == "parse-response":
                out, err = parse_response(inp), None
            else:
                raise AssertionError(op)
        except Fault as f:
            out, err = None, f.code
        if result is None:
            result = "valid" if err is None else "invalid"
        if result == "valid":
            assert err is None, (self.scheme, op, n, comment, err)
            expect = {"result": "valid", "output": out}
        elif result == "invalid":
            assert err is not None, (self.scheme, op, n, comment, out)
            expect = {"result": "invalid", "error": err}
        else:
            assert result == "acceptable" and flags, (op, n)
            if err is None:
                assert reference == "valid", (op, n, comment)
                expect = {"result": "acceptable", "reference": "valid", "output": out}
            else:
                assert reference == "invalid", (op, n, comment)
                expect = {"result": "acceptable", "reference": "invalid", "error": err}
        case = {"id": f"{self.scheme}/{op}/{n:03d}", "op": op, "comment": comment, "flags": list(flags)}
        if withdrawn:
            case["withdrawn"] = True
        case["input"] = inp
        case["expect"] = expect
        self.cases.append(case)
        return out, err

    def expect_code(self, op, comment, inp, code, flags=()):
        _, err = self.add(op, comment, inp, "invalid", flags)
        assert err == code, (self.scheme, op, comment, err, code)

    def expect_valid(self, op, comment, inp, flags=()):
        out, _ = self.add(op, comment, inp, "valid", flags)
        return out


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


def vin(body, route=None, counter=1, now_ms=NOW_MS, body_base64=None):
    inp = {}
    if route is not None:
        inp["route"] = route
    if body_base64 is not None:
        inp["body_base64"] = body_base64
    else:
        inp["body"] = body
    inp["now_ms"] = now_ms
    inp["ids"] = {"seed": SEED, "counter": counter}
    inp["directory"] = customer_directory()
    return inp


def element_json(e):
    return json.loads(json.dumps(e))


# ----------------------------------------------------------------------------
# Customer scheme
# ----------------------------------------------------------------------------


def customer_build_cases(c):
    B = "build"

    def bi(route, *elements):
        return {"route": route, "messageData": list(elements)}

    c.expect_valid(B, "The customer-auth page's request: CustomerId, Password, SMSMessage, one MobileNumber recipient",
                   bi("SMS", sms(text="Your message content here")))
    c.expect_valid(B, "Every optional SMS field, given in scrambled order: the body writes them in the documented order",
                   bi("SMS", {"CallbackUrl": CALLBACK, "ClientRef": CLIENT_REF, "SendTo": 1, "SMSSender": "School",
                              "Recipients": [{"MobileNumber": MOBILE}], "SMSMessage": SMS_TEXT, "Password": PW,
                              "CustomerId": CID}))
    c.expect_valid(B, "Recipients given as bare strings (the SMS quick-start's shape) are written as MobileNumber "
                      "objects, as the vendor's code examples map them", bi("SMS", sms(recipients=[MOBILE, MOBILE2])),
                   flags=["RECIPIENT_SHAPES"])
    c.expect_valid(B, "Every recipient identifier of the recipients reference, keys written in its priority order",
                   bi("SMS", sms(recipients=[{"Id": 12345}, {"ExternalId": "ST-0042"}, {"MessengerId": "m-77"},
                                             {"IdaasId": "idaas-9f"}, {"EmailAddress": EMAIL},
                                             {"MobileNumber": MOBILE2, "ExternalId": "ST-0043"}])))
    c.expect_valid(B, "Two elements for two customers, each with its own credentials (G1)",
                   bi("SMS", sms(), sms(cid=CID2, pw=PW2, text="Second customer", recipients=[{"MobileNumber": MOBILE2}])))
    c.expect_valid(B, "SMSMessage needing JSON escapes: quote, backslash, CR LF, tab, U+0001; non-ASCII, '/', U+2028 "
                      "and DEL are written as is",
                   bi("SMS", sms(text='Say "hi" \\ bye\r\nTab\there \u0001 caf\u00e9 \u00a35 \u2014 \U0001F600 '
                                      '</script> \u2028 \x7f')), flags=["ESCAPING"])
    c.expect_valid(B, "A Password needing JSON escapes is written escaped, exactly once",
                   bi("SMS", sms(pw=PW_ESC)), flags=["ESCAPING"])
    c.expect_valid(B, "SMSMessage of exactly 918 characters (the documented maximum)",
                   bi("SMS", sms(text="x" * 918)), flags=["LENGTH_EDGE"])
    c.add(B, "918 characters of which 18 are emoji: 918 by Unicode scalar values, 936 by UTF-16 code units",
          bi("SMS", sms(text="\U0001F600" * 18 + "y" * 900)), "acceptable", ["SMS_LENGTH"], "valid")
    c.expect_code(B, "SMSMessage of 919 characters", bi("SMS", sms(text="x" * 919)), "MESSAGE_TOO_LONG",
                  flags=["LENGTH_EDGE"])
    c.expect_code(B, "Empty SMSMessage", bi("SMS", sms(text="")), "MISSING_FIELD")
    c.expect_code(B, "No SMSMessage at all", bi("SMS", drop(sms(), "SMSMessage")), "MISSING_FIELD")
    c.expect_code(B, "Empty CustomerId", bi("SMS", sms(cid="")), "MISSING_FIELD")
    c.expect_code(B, "No Password (the customer API key)", bi("SMS", drop(sms(), "Password")), "MISSING_FIELD")
    c.expect_code(B, "Password with a trailing space (troubleshooting: no extra spaces)", bi("SMS", sms(pw=PW + " ")),
                  "MALFORMED_CREDENTIAL")
    c.expect_code(B, "CustomerId with a leading space", bi("SMS", sms(cid=" " + CID)), "MALFORMED_CREDENTIAL")
    c.expect_code(B, "Recipients is an empty array", bi("SMS", sms(recipients=[])), "EMPTY_RECIPIENTS")
    c.expect_code(B, "No Recipients at all", bi("SMS", drop(sms(), "Recipients")), "EMPTY_RECIPIENTS")
    c.expect_code(B, "A recipient object naming nobody", bi("SMS", sms(recipients=[{}])), "MALFORMED_RECIPIENT")
    c.expect_code(B, "Id 0: the server uses Id only when > 0", bi("SMS", sms(recipients=[{"Id": 0}])),
                  "MALFORMED_RECIPIENT")
    c.expect_code(B, "Empty ExternalId", bi("SMS", sms(recipients=[{"ExternalId": ""}])), "MALFORMED_RECIPIENT")
    c.expect_code(B, "A national number 07700900123", bi("SMS", sms(recipients=[{"MobileNumber": "07700900123"}])),
                  "MALFORMED_MOBILE_NUMBER", flags=["MOBILE_FORM"])
    c.expect_code(B, "International digits without the leading +",
                  bi("SMS", sms(recipients=[{"MobileNumber": "447700900123"}])), "MALFORMED_MOBILE_NUMBER",
                  flags=["MOBILE_FORM"])
    c.expect_code(B, "Spaces inside the number are not removed for you",
                  bi("SMS", sms(recipients=[{"MobileNumber": "+44 7700 900123"}])), "MALFORMED_MOBILE_NUMBER",
                  flags=["MOBILE_FORM"])
    c.expect_code(B, "16 digits: more than E.164 allows",
                  bi("SMS", sms(recipients=[{"MobileNumber": "+4477009001234567"}])), "MALFORMED_MOBILE_NUMBER",
                  flags=["MOBILE_FORM"])
    c.expect_valid(B, "7 and 15 digits: the shortest and longest international forms accepted",
                   bi("SMS", sms(recipients=[{"MobileNumber": "+6831234"}, {"MobileNumber": "+123456789012345"}])),
                   flags=["MOBILE_FORM"])
    c.expect_code(B, "6 digits after the +", bi("SMS", sms(recipients=[{"MobileNumber": "+683123"}])),
                  "MALFORMED_MOBILE_NUMBER", flags=["MOBILE_FORM"])
    c.expect_code(B, "A bare-string recipient in national form", bi("SMS", sms(recipients=["07700900123"])),
                  "MALFORMED_MOBILE_NUMBER", flags=["MOBILE_FORM", "RECIPIENT_SHAPES"])
    c.expect_code(B, "An EmailAddress recipient without a domain",
                  bi("SMS", sms(recipients=[{"EmailAddress": "parent@"}])), "MALFORMED_EMAIL_ADDRESS")
    c.expect_code(B, "CallbackUrl without a scheme", bi("SMS", sms(CallbackUrl="platform.com/sms-callback")),
                  "MALFORMED_CALLBACK_URL", flags=["CALLBACK_URL"])
    c.expect_code(B, "CallbackUrl with no host", bi("SMS", sms(CallbackUrl="https:///sms-callback")),
                  "MALFORMED_CALLBACK_URL", flags=["CALLBACK_URL"])
    c.expect_code(B, "CallbackUrl with a space", bi("SMS", sms(CallbackUrl="https://platform.com/sms callback")),
                  "MALFORMED_CALLBACK_URL", flags=["CALLBACK_URL"])
    c.expect_code(B, "CallbackUrl with a fragment", bi("SMS", sms(CallbackUrl="https://platform.com/cb#status")),
                  "MALFORMED_CALLBACK_URL", flags=["CALLBACK_URL"])
    c.expect_code(B, "CallbackUrl carrying user information",
                  bi("SMS", sms(CallbackUrl="https://user:secret@platform.com/cb")), "MALFORMED_CALLBACK_URL",
                  flags=["CALLBACK_URL"])
    c.expect_code(B, "CallbackUrl with an ftp scheme", bi("SMS", sms(CallbackUrl="ftp://platform.com/cb")),
                  "MALFORMED_CALLBACK_URL", flags=["CALLBACK_URL"])
    c.expect_valid(B, "CallbackUrl with a port and a query (the server appends its own parameters)",
                   bi("SMS", sms(CallbackUrl="https://platform.com:8443/sms-callback?source=groupcall&x=%20")),
                   flags=["CALLBACK_URL"])
    c.add(B, "CallbackUrl over plain http: well-formed, but status callbacks then travel unencrypted",
          bi("SMS", sms(CallbackUrl="http://platform.com/sms-callback")), "acceptable", ["CALLBACK_HTTP"], "valid")
    c.expect_code(B, "CallbackUrl with port 70000", bi("SMS", sms(CallbackUrl="https://platform.com:70000/cb")),
                  "MALFORMED_CALLBACK_URL", flags=["CALLBACK_URL"])
    c.expect_code(B, "SendTo 3: only 0, 1 and 2 are defined", bi("SMS", sms(SendTo=3)), "MALFORMED_SEND_TO")
    c.expect_code(B, "messageData is empty", bi("SMS"), "EMPTY_MESSAGE_DATA")
    c.expect_valid(B, "The e-mail guide's message: EmailSubject, EmailBody (HTML), an EmailAddress recipient",
                   bi("Email", email()))
    c.expect_valid(B, "Every optional e-mail field, given in scrambled order",
                   bi("Email", {"Attachments": [{"FileData": "JVBERi0xLjQK", "FileName": "consent.pdf"}],
                                "CallbackUrl": CALLBACK, "ClientRef": "MAIL-7",
                                "EmailReplyToAddress": "office@school.example.org",
                                "EmailSentFromAddress": "noreply@school.example.org",
                                "EmailSentFromName": "Example School", "Recipients": [{"EmailAddress": EMAIL}],
                                "EmailBody": "Plain text body", "EmailSubject": "Consent form", "Password": PW,
                                "CustomerId": CID}))
    c.expect_code(B, "An e-mail without EmailBody", bi("Email", drop(email(), "EmailBody")), "MISSING_FIELD")
    c.expect_code(B, "SMSMessage on the Email route", bi("Email", email(SMSMessage="hi")), "WRONG_CONTENT")
    c.expect_code(B, "EmailSubject on the SMS route", bi("SMS", sms(EmailSubject="hi")), "WRONG_CONTENT")
    c.expect_code(B, "An attachment whose FileData is not Base64",
                  bi("Email", email(Attachments=[{"FileName": "a.pdf", "FileData": "not base64!"}])),
                  "MALFORMED_ATTACHMENT")
    c.expect_code(B, "A malformed EmailReplyToAddress", bi("Email", email(EmailReplyToAddress="office at school")),
                  "MALFORMED_EMAIL_ADDRESS")
    c.expect_code(B, "The second element is faulty: the whole batch is refused, the error names messageData[1]",
                  bi("SMS", sms(), sms(cid=CID2, pw=PW2, recipients=[])), "EMPTY_RECIPIENTS")
    c.expect_code(B, "An empty SMSSender", bi("SMS", sms(SMSSender="")), "MISSING_FIELD")
    c.expect_valid(B, "SendTo 0 and 2 written as integers; null optional fields are left out, never written null",
                   bi("SMS", sms(SendTo=2, ClientRef=None, CallbackUrl=None), sms(cid=CID2, pw=PW2, SendTo=0)),
                   flags=["NULLS"])
    c.expect_code(B, "An empty attachment list is fine but an attachment without FileName is not",
                  bi("Email", email(Attachments=[{"FileData": "JVBERi0xLjQK"}])), "MALFORMED_ATTACHMENT")


def customer_verify_cases(c):
    V = "verify"

    def body(*elements, **root):
        r = dict(root)
        r["messageData"] = list(elements)
        return dumps(r)

    c.expect_valid(V, "A valid SMS for a customer that allows SMS: one OK element with a MessageId of the vendor's shape",
                   vin(body(sms()), "SMS"))
    c.expect_valid(V, "Wrong Password: 'Data is not valid, no messages sent' in errorMsg, WarningMessages empty",
                   vin(body(sms(pw="wrong-key")), "SMS"))
    c.expect_valid(V, "Unknown CustomerId", vin(body(sms(cid="9999")), "SMS"))
    c.expect_valid(V, "Password differing only in letter case", vin(body(sms(pw=PW.upper())), "SMS"))
    c.expect_valid(V, "The customer does not allow SMS: errorMsg null, the text in WarningMessages",
                   vin(body(sms(cid=CID3, pw=PW3)), "SMS"))
    c.expect_valid(V, "Two recipients: 'OK 2 messages queued for sending'",
                   vin(body(sms(recipients=[{"MobileNumber": MOBILE}, {"MobileNumber": MOBILE2}])), "SMS"),
                   flags=["COUNT_TEXT"])
    c.expect_valid(V, "A batch with mixed results, answered in order; only queued elements consume a MessageId (G1)",
                   vin(body(sms(ClientRef="a"), sms(pw="wrong", ClientRef="b"), sms(cid=CID3, pw=PW3, ClientRef="c"),
                            sms(cid=CID2, pw=PW2, ClientRef="d")), "SMS"), flags=["BATCH"])
    c.expect_valid(V, "ClientRef is echoed on success and on refusal",
                   vin(body(sms(ClientRef=CLIENT_REF), sms(pw="wrong", ClientRef="MSG-12346")), "SMS"), flags=["BATCH"])
    c.expect_valid(V, "No Password field: 'Data is not valid' (the troubleshooting page's missing auth fields)",
                   vin(body(drop(sms(), "Password")), "SMS"))
    c.expect_valid(V, "Password as a JSON number: a wrong type is not valid data (G5)",
                   vin(body(sms(pw=67890)), "SMS"), flags=["TYPES"])
    c.expect_valid(V, "CustomerId as a JSON number 1469: the pages write it as a string",
                   vin(body(sms(cid=1469)), "SMS"), flags=["TYPES"])
    c.expect_valid(V, "Recipients empty: not valid data", vin(body(sms(recipients=[])), "SMS"))
    c.expect_valid(V, "SMSMessage of 919 characters: not valid data", vin(body(sms(text="z" * 919)), "SMS"),
                   flags=["LENGTH_EDGE"])
    c.add(V, "Recipients as bare strings (the SMS quick-start's shape): the reference reads each as a MobileNumber",
          vin(body(sms(recipients=[MOBILE, MOBILE2])), "SMS"), "acceptable", ["RECIPIENT_SHAPES"], "valid")
    c.expect_valid(V, "null ClientRef, CallbackUrl, SendTo and SMSSender read as absent (G5)",
                   vin(body(sms(ClientRef=None, CallbackUrl=None, SendTo=None, SMSSender=None)), "SMS"),
                   flags=["NULLS"])
    c.expect_valid(V, "Unknown fields in the root and the element are ignored (G5)",
                   vin(body(sms(Priority="high", Tags=["x"]), version=3), "SMS"))
    c.expect_code(V, "The body is not JSON: HTTP 400", vin("CustomerId=1469&Password=x", "SMS"), "MALFORMED_JSON",
                  flags=["HTTP_400"])
    c.expect_code(V, "The body is cut short: HTTP 400", vin(body(sms())[:-3], "SMS"), "MALFORMED_JSON",
                  flags=["HTTP_400"])
    c.expect_code(V, "The body is not UTF-8: HTTP 400",
                  vin(None, "SMS", body_base64=base64.b64encode(b'{"messageData":[{"CustomerId":"\xff"}]}').decode()),
                  "MALFORMED_JSON", flags=["HTTP_400"])
    c.expect_code(V, "The root is an array, not an object: HTTP 400", vin(dumps([sms()]), "SMS"), "MALFORMED_PAYLOAD",
                  flags=["HTTP_400"])
    c.expect_code(V, "Wrong root key 'messages' instead of 'messageData' (troubleshooting page): HTTP 400",
                  vin(dumps({"messages": [sms()]}), "SMS"), "MALFORMED_PAYLOAD", flags=["HTTP_400"])
    c.add(V, "Root key 'MessageData' (capital M): the reference's keys are case-sensitive; a .NET back-end may not be",
          vin(dumps({"MessageData": [sms()]}), "SMS"), "acceptable", ["KEY_CASE"], "invalid")
    c.expect_code(V, "messageData is an empty array: HTTP 400", vin(dumps({"messageData": []}), "SMS"),
                  "MALFORMED_PAYLOAD", flags=["HTTP_400"])
    c.expect_code(V, "messageData is an object, not an array: HTTP 400", vin(dumps({"messageData": sms()}), "SMS"),
                  "MALFORMED_PAYLOAD", flags=["HTTP_400"])
    c.expect_valid(V, "An element that is not an object is 'Data is not valid'; the others are still answered",
                   vin(body("hello", sms()), "SMS"), flags=["BATCH"])
    c.expect_valid(V, "A valid e-mail on the Email route", vin(body(email()), "Email"))
    c.expect_valid(V, "An e-mail from a customer that does not allow SMS is queued: only SMS permission is documented",
                   vin(body(email(cid=CID3, pw=PW3)), "Email"))
    c.expect_valid(V, "An SMS element sent to the Email route has no EmailSubject: not valid data",
                   vin(body(sms()), "Email"))
    c.expect_valid(V, "PartnerKey and styleClass at the root of a customer route are ignored",
                   vin(body(sms(), PartnerKey="nonsense", styleClass=""), "SMS"))
    c.expect_valid(V, "A malformed CallbackUrl: not valid data", vin(body(sms(CallbackUrl="not a url")), "SMS"),
                   flags=["CALLBACK_URL"])
    c.expect_valid(V, "SendTo 5: not valid data", vin(body(sms(SendTo=5)), "SMS"))
    c.expect_valid(V, "A Password with JSON escapes matches the directory's once unescaped",
                   vin(body(sms(cid="5120", pw=PW_ESC)), "SMS"), flags=["ESCAPING"])
    c.expect_valid(V, "The right Password plus a trailing space: compared exactly, not trimmed",
                   vin(body(sms(pw=PW + " ")), "SMS"))
    c.expect_valid(V, "A counter of 2516506506657265717 gives the vendor example's 20-digit middle part",
                   vin(body(sms()), "SMS", counter=2516506506657265717))
    c.expect_valid(V, "An e-mail whose attachment is not Base64: not valid data",
                   vin(body(email(Attachments=[{"FileName": "a.pdf", "FileData": "%%%"}])), "Email"))
    c.expect_valid(V, "A recipient whose Id is a string: a wrong type is not valid data (G5)",
                   vin(body(sms(recipients=[{"Id": "12345"}])), "SMS"), flags=["TYPES"])


def parse_cases(c, partner):
    P = "parse-response"

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
        c.expect_valid(P, "The partner-auth page's 'Invalid Partner Key' body, verbatim (four fields only)",
                       pin(200, None, raw='[{\n"WarningMessages": ["Partner key is not valid"],\n"errorMsg": "Partner '
                                          'key is not valid",\n"MessageSentId": 0,\n"MessageId": null\n}]'),
                       flags=["DOC_BODY"])
        c.expect_valid(P, "The partner-auth page's 'Partner Not Enabled' body, verbatim",
                       pin(200, None, raw='[{\n"WarningMessages": ["Partner is not enabled, no message was sent."],\n'
                                          '"errorMsg": "Partner is not enabled, no message was sent.",\n'
                                          '"MessageSentId": 0,\n"MessageId": null\n}]'), flags=["DOC_BODY"])
        c.expect_valid(P, "The partner-auth page's 'Customer Not Authorized for Partner' body: errorMsg null, the text "
                          "in WarningMessages",
                       pin(200, None, raw='[{\n"WarningMessages": ["Customer does not allow sending SMS"],\n'
                                          '"errorMsg": null,\n"MessageSentId": 0,\n"MessageId": null\n}]'),
                       flags=["DOC_BODY"])
        c.expect_valid(P, "A partner batch with mixed results, every element classified",
                       pin(200, [success(ClientRef="PLATFORM-MSG-123"), refusal(None, [PARTNER_NOT_AUTHORIZED]),
                                 refusal(None, [SMS_NOT_ALLOWED]), refusal(DATA_NOT_VALID, [])], sent=4),
                       flags=["BATCH"])
        c.expect_valid(P, "A partner-level refusal repeated for each of two elements",
                       pin(200, [refusal(PARTNER_KEY_NOT_VALID, [PARTNER_KEY_NOT_VALID])] * 2, sent=2),
                       flags=["BATCH"])
        c.expect_code(P, "One result for a batch of two messages", pin(200, [success()], sent=2), "COUNT_MISMATCH",
                      flags=["BATCH"])
        return

    c.expect_valid(P, "The SMS guide's success example, verbatim", pin(200, [SUCCESS_EXAMPLE]), flags=["DOC_BODY"])
    c.expect_valid(P, "Invalid customer credentials (authentication-errors page)",
                   pin(200, [refusal(DATA_NOT_VALID, [])]), flags=["DOC_BODY"])
    c.expect_valid(P, "Customer lacks SMS permission: errorMsg null, the text in WarningMessages[0]",
                   pin(200, [refusal(None, [SMS_NOT_ALLOWED])]), flags=["DOC_BODY"])
    c.expect_valid(P, "Partner not authorised for the customer: errorMsg null, WarningMessages[0]",
                   pin(200, [refusal(None, [PARTNER_NOT_AUTHORIZED])]), flags=["DOC_BODY"])
    c.expect_valid(P, "errorMsg empty string: WarningMessages[0] is the error", pin(200, [refusal("", ["Quota exceeded"])]))
    c.expect_valid(P, "errorMsg null and WarningMessages empty: 'Unknown error'", pin(200, [refusal(None, [])]))
    c.expect_valid(P, "errorMsg and WarningMessages both missing: 'Unknown error'",
                   pin(200, [{"MessageSentId": 0, "MessageId": None}]), flags=["NULLS"])
    c.expect_valid(P, "WarningMessages[0] empty: 'Unknown error', the second warning is not read",
                   pin(200, [refusal(None, ["", "second"])]))
    c.expect_valid(P, "errorMsg starts with OK but MessageId is null: a failure whose text is the OK string (G3)",
                   pin(200, [success(MessageId=None)]), flags=["G3_INVARIANT"])
    c.expect_valid(P, "errorMsg starts with OK but MessageId is empty: a failure", pin(200, [success(MessageId="")]),
                   flags=["G3_INVARIANT"])
    c.expect_valid(P, "errorMsg starts with OK but MessageId is missing: a failure",
                   pin(200, [drop(SUCCESS_EXAMPLE, "MessageId")]), flags=["G3_INVARIANT"])
    c.expect_valid(P, "errorMsg 'ok …' in lowercase: the prefix is case-sensitive, a failure",
                   pin(200, [success(errorMsg="ok 1 messages queued for sending")]), flags=["G3_INVARIANT"])
    c.expect_valid(P, "errorMsg ' OK …' with a leading space: a failure", pin(200, [success(errorMsg=" OK 1")]),
                   flags=["G3_INVARIANT"])
    c.expect_valid(P, "MessageSentId 12345 on a refusal: MessageSentId never decides",
                   pin(200, [refusal(DATA_NOT_VALID, [], MessageSentId=12345)]), flags=["G3_INVARIANT"])
    c.expect_valid(P, "MessageSentId a string on a success: never read, so never an error",
                   pin(200, [success(MessageSentId="n/a")]), flags=["G3_INVARIANT"])
    c.expect_valid(P, "A success without statusMsg, transmitDateTime and ClientRef",
                   pin(200, [drop(SUCCESS_EXAMPLE, "statusMsg", "transmitDateTime", "ClientRef")]), flags=["NULLS"])
    c.expect_valid(P, "Unknown fields are ignored", pin(200, [success(Cost=0.04, Parts=[1, 2], errormsg="x")]))
    for digits in range(0, 8):
        frac = "" if digits == 0 else "." + "5859378"[:digits]
        c.expect_valid(P, f"transmitDateTime with {digits} fractional digit(s)",
                       pin(200, [success(transmitDateTime=f"2025-07-04T17:28:54{frac}Z")]), flags=["TIME_DIGITS"])
    c.expect_code(P, "transmitDateTime with 8 fractional digits", pin(200, [success(
        transmitDateTime="2025-07-04T17:28:54.58593781Z")]), "MALFORMED_ELEMENT", flags=["TIME_DIGITS"])
    c.expect_valid(P, "transmitDateTime with a +01:00 offset", pin(200, [success(
        transmitDateTime="2025-07-04T18:28:54.5859378+01:00")]))
    c.add(P, "transmitDateTime without a zone designator (a .NET 'Unspecified' DateTime): the reference reads UTC",
          pin(200, [success(transmitDateTime="2025-07-04T17:28:54.5859378")]), "acceptable", ["TIME_ZONE"], "valid")
    c.expect_code(P, "transmitDateTime on 30 February", pin(200, [success(transmitDateTime="2025-02-30T10:00:00Z")]),
                  "MALFORMED_ELEMENT")
    c.expect_code(P, "transmitDateTime as a number", pin(200, [success(transmitDateTime=1751650134)]),
                  "MALFORMED_ELEMENT", flags=["TYPES"])
    c.expect_code(P, "errorMsg as a number", pin(200, [refusal(404, [])]), "MALFORMED_ELEMENT", flags=["TYPES"])
    c.expect_code(P, "MessageId as a number", pin(200, [success(MessageId=12345)]), "MALFORMED_ELEMENT",
                  flags=["TYPES"])
    c.expect_code(P, "WarningMessages as a string", pin(200, [refusal(None, SMS_NOT_ALLOWED)]), "MALFORMED_ELEMENT",
                  flags=["TYPES"])
    c.expect_code(P, "WarningMessages holding a number", pin(200, [refusal(None, [1])]), "MALFORMED_ELEMENT",
                  flags=["TYPES"])
    c.expect_code(P, "An element that is null", pin(200, [None]), "MALFORMED_ELEMENT", flags=["TYPES"])
    c.expect_valid(P, "A batch with mixed results: every element is classified, not only the first",
                   pin(200, [success(ClientRef="a"), refusal(DATA_NOT_VALID, [], ClientRef="b"),
                             refusal(None, [SMS_NOT_ALLOWED], ClientRef="c"),
                             success(MessageId="1469.20250704.00000000000000000002-0f9e8d7c6b5a4e3d8c2b1a0f9e8d7c6b",
                                     ClientRef="d")], sent=4), flags=["BATCH"])
    c.expect_code(P, "Two results for a batch of one message", pin(200, [success(), success()], sent=1),
                  "COUNT_MISMATCH", flags=["BATCH"])
    c.expect_code(P, "A single object instead of an array", pin(200, SUCCESS_EXAMPLE), "NOT_AN_ARRAY")
    c.expect_code(P, "An empty array", pin(200, []), "EMPTY_RESPONSE")
    c.expect_code(P, "An HTML error page with status 200", pin(200, None, raw="<html><body>Error</body></html>"),
                  "MALFORMED_RESPONSE_JSON")
    c.expect_code(P, "HTTP 400 (malformed request)", pin(400, {"message": "The request is invalid."}), "HTTP_ERROR",
                  flags=["HTTP_STATUS"])
    c.expect_code(P, "HTTP 500 even with an array body: the status decides", pin(500, [SUCCESS_EXAMPLE]),
                  "HTTP_ERROR", flags=["HTTP_STATUS"])
    c.expect_code(P, "An empty body with status 200", pin(200, None, raw=""), "MALFORMED_RESPONSE_JSON")
    c.expect_code(P, "A JSON string body", pin(200, "OK"), "NOT_AN_ARRAY")
    c.expect_valid(P, "errorMsg exactly 'OK' with a MessageId: a success", pin(200, [success(errorMsg="OK")]),
                   flags=["G3_INVARIANT"])
    c.expect_valid(P, "A success echoing its ClientRef", pin(200, [success(ClientRef=CLIENT_REF)]))
    c.expect_valid(P, "errorMsg and WarningMessages both null: 'Unknown error'",
                   pin(200, [refusal(None, None)]), flags=["NULLS"])
    c.expect_valid(P, "HTTP 202 is a 2xx status: the body is read", pin(202, [SUCCESS_EXAMPLE]), flags=["HTTP_STATUS"])
    c.expect_code(P, "A truncated array", pin(200, None, raw=dumps([SUCCESS_EXAMPLE])[:-2]), "MALFORMED_RESPONSE_JSON")


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

    c.expect_valid(B, "The partner-auth page's complete example (its ClientRef comes after Recipients in the body)",
                   bi(sms(text=SMS_TEXT, ClientRef=CLIENT_REF)), flags=["FIELD_ORDER"])
    c.expect_valid(B, "The page's JavaScript client payload: ClientRef and CallbackUrl",
                   bi(sms(text="Hello from our platform!", ClientRef="PLATFORM-MSG-123",
                          CallbackUrl="https://platform.com/sms-callback")))
    c.expect_code(B, "No PartnerKey", bi(sms(), key=None), "MISSING_FIELD")
    c.expect_code(B, "An empty styleClass (G2)", bi(sms(), style=""), "MISSING_FIELD")
    c.expect_code(B, "No styleClass (G2)", bi(sms(), style=None), "MISSING_FIELD")
    c.expect_code(B, "PartnerKey with a trailing line break (troubleshooting: no extra characters)",
                  bi(sms(), key=PKEY + "\n"), "MALFORMED_CREDENTIAL")
    c.expect_valid(B, "Two customers in one partner batch, each with its own credentials (G1)",
                   bi(sms(), sms(cid=CID2, pw=PW2, recipients=[MOBILE2])))
    c.expect_code(B, "E-mail content on PartnerRoute: the page shows SMS only",
                  bi(drop(email(), "Recipients") | {"Recipients": [{"MobileNumber": MOBILE}]}), "WRONG_CONTENT",
                  flags=["PARTNER_SMS"])
    c.expect_valid(B, "A PartnerKey and styleClass needing JSON escapes", bi(sms(), key='pk-"x"\\y', style="Caf\u00e9 & Co"),
                   flags=["ESCAPING"])
    c.expect_valid(B, "Recipients as strings, as the page's Python example passes them, written as objects",
                   bi(sms(recipients=[MOBILE])), flags=["RECIPIENT_SHAPES"])
    c.expect_code(B, "The customer's Password is required on PartnerRoute too (the page's required-fields table)",
                  bi(drop(sms(), "Password")), "MISSING_FIELD")
    c.expect_code(B, "messageData empty", bi(), "EMPTY_MESSAGE_DATA")
    c.expect_code(B, "A long SMS in a partner batch", bi(sms(text="w" * 919)), "MESSAGE_TOO_LONG",
                  flags=["LENGTH_EDGE"])
    c.expect_valid(B, "styleClass is free text: spaces and punctuation are written as is",
                   bi(sms(), style="Your Company Name Ltd."))


def partner_verify_cases(c):
    V = "verify"

    def body(*elements, key=PKEY, style=STYLE, **extra):
        r = {}
        if key is not None:
            r["PartnerKey"] = key
        if style is not None:
            r["styleClass"] = style
        r.update(extra)
        r["messageData"] = list(elements)
        return dumps(r)

    c.expect_valid(V, "A valid partner request for a customer that authorised the partner",
                   vin(body(sms(ClientRef=CLIENT_REF))))
    c.expect_valid(V, "Unknown PartnerKey: 'Partner key is not valid' in errorMsg and WarningMessages, for every element",
                   vin(body(sms(), sms(cid=CID2, pw=PW2), key="partner-xyz-00000")), flags=["BATCH"])
    c.expect_valid(V, "A partner that has not completed onboarding: 'Partner is not enabled, no message was sent.'",
                   vin(body(sms(), key=PKEY_PENDING)))
    c.expect_valid(V, "No PartnerKey: 'Partner key is not valid'", vin(body(sms(), key=None)))
    c.expect_valid(V, "PartnerKey as a number: 'Partner key is not valid'", vin(body(sms(), key=12345)),
                   flags=["TYPES"])
    c.expect_valid(V, "No styleClass: 'Data is not valid' for every element (G2)",
                   vin(body(sms(), sms(cid=CID2, pw=PW2), style=None)), flags=["BATCH"])
    c.expect_valid(V, "Empty styleClass: 'Data is not valid' (G2)", vin(body(sms(), style="")))
    c.add(V, "A styleClass other than the partner's company name: the reference checks presence only (G2)",
          vin(body(sms(), style="SomeoneElse")), "acceptable", ["STYLE_CLASS"], "valid")
    c.add(V, "A customer that has not authorised this partner: 'Partner account not authorized for this customer' "
             "in WarningMessages (the partner-auth page's example of this case shows the SMS-permission string)",
          vin(body(sms(cid=CID2, pw=PW2))), "acceptable", ["DOC_CONFLICT"], "valid")
    c.expect_valid(V, "An authorising customer that does not allow SMS: 'Customer does not allow sending SMS'",
                   vin(body(sms(cid=CID3, pw=PW3))))
    c.expect_valid(V, "A wrong customer Password under a valid partner: 'Data is not valid'",
                   vin(body(sms(pw="wrong-key"))))
    c.expect_valid(V, "A mixed partner batch answered in order",
                   vin(body(sms(ClientRef="1"), sms(cid=CID2, pw=PW2, ClientRef="2"), sms(cid=CID3, pw=PW3,
                                                                                         ClientRef="3"),
                            sms(pw="bad", ClientRef="4"), sms(cid="5120", pw=PW_ESC, ClientRef="5"))),
                   flags=["BATCH"])
    c.expect_valid(V, "Unknown partner and a wrong customer Password: the partner is checked first",
                   vin(body(sms(pw="bad"), key="nobody")), flags=["PRECEDENCE"])
    c.expect_valid(V, "A disabled partner and no styleClass: 'Partner is not enabled' comes first",
                   vin(body(sms(), key=PKEY_PENDING, style=None)), flags=["PRECEDENCE"])
    c.expect_valid(V, "A customer that neither authorised the partner nor allows SMS: authorisation is checked first",
                   vin(body(sms(cid=CID4, pw=PW4))), flags=["PRECEDENCE"])
    c.expect_valid(V, "PartnerKey in another letter case", vin(body(sms(), key=PKEY.upper())))
    c.expect_valid(V, "PartnerKey with a trailing space: compared exactly", vin(body(sms(), key=PKEY + " ")))
    c.expect_code(V, "The body is not JSON: HTTP 400", vin("PartnerKey=" + PKEY), "MALFORMED_JSON", flags=["HTTP_400"])
    c.expect_code(V, "No messageData at the root: HTTP 400", vin(dumps({"PartnerKey": PKEY, "styleClass": STYLE})),
                  "MALFORMED_PAYLOAD", flags=["HTTP_400"])
    c.expect_valid(V, "Another enabled partner that customer 1469 never authorised",
                   vin(body(sms(), key=PKEY_OTHER)))
    c.expect_valid(V, "The customer's Password missing on PartnerRoute: 'Data is not valid'",
                   vin(body(drop(sms(), "Password"))))
    c.expect_valid(V, "Two messages for the same customer: consecutive MessageIds",
                   vin(body(sms(), sms(text="Second")), counter=41), flags=["BATCH"])


# ----------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------

COMMON_FLAGS = {
    "RECIPIENT_SHAPES": "Recipients appear in two shapes in the vendor's docs: an array of objects "
                        "([{\"MobileNumber\": \"+447700900123\"}]: the SMS guide's field table, the customer-auth page, "
                        "the recipients reference) and an array of strings ([\"+447700900123\"]: the SMS quick-start). "
                        "Builders always write objects, the shape three pages agree on. A verifier that also reads "
                        "strings as mobile numbers is acceptable, not required: whether the real server accepts them "
                        "is undocumented.",
    "ESCAPING": "JSON escaping of the body: only '\"', '\\\\' and U+0000-U+001F are escaped (\\b \\f \\n \\r \\t, "
                "others \\u00xx lowercase); non-ASCII, '/', DEL and U+2028 are written as is.",
    "LENGTH_EDGE": "SMSMessage at and just past the documented 918-character maximum.",
    "SMS_LENGTH": "Acceptable: the docs say 'max 918 characters' without saying what a character is. The reference "
                  "counts Unicode scalar values; counting UTF-16 code units (as a .NET string's Length does) refuses "
                  "this case.",
    "MOBILE_FORM": "MobileNumber 'international format, e.g. +447700900123': '+', then 7 to 15 digits (E.164), the "
                   "first not 0; nothing is normalised for the caller.",
    "CALLBACK_URL": "CallbackUrl must be an absolute http(s) URL with a host, no user information, no fragment, only "
                    "visible ASCII.",
    "CALLBACK_HTTP": "Acceptable: the docs require HTTPS for requests to the API but say nothing of the callback's "
                     "scheme. The reference accepts http:// callbacks; refusing them is defensible.",
    "NULLS": "Absent and null are the same for optional fields (G5); builders leave absent fields out, never write "
             "null.",
    "TYPES": "A field present with the wrong JSON type is an error, never coerced (G5).",
    "HTTP_400": "A body that is not JSON, or not an object with a non-empty messageData array, is answered with "
                "HTTP 400 (G4), not with a per-element array.",
    "KEY_CASE": "Acceptable: JSON keys are case-sensitive for the reference; ASP.NET model binding is often "
                "case-insensitive, so a server that reads 'MessageData' as 'messageData' also conforms.",
    "BATCH": "Several messageData elements: one result per element, in order (G1).",
    "COUNT_TEXT": "errorMsg 'OK <n> messages queued for sending' with n the element's number of recipients (the "
                  "vendor's example writes '1 messages'). Clients must not parse the text beyond the 'OK' prefix (G3).",
    "DOC_BODY": "A response body copied from the vendor's pages.",
    "G3_INVARIANT": "Success iff errorMsg starts with 'OK' (case-sensitive, no leading space) and MessageId is a "
                    "non-empty string; MessageSentId never decides (G3).",
    "TIME_DIGITS": "transmitDateTime carries 0 to 7 fractional digits (.NET ticks); 8 is malformed.",
    "TIME_ZONE": "Acceptable: a transmitDateTime without Z or an offset. The reference reads it as UTC "
                 "(transmitted.has_zone false); refusing it as malformed is defensible.",
    "HTTP_STATUS": "A non-2xx status is an error whatever the body (G4: refusals come back with 200).",
    "FIELD_ORDER": "The body's field order is fixed (vectors/README.md); it may differ from a page's example.",
    "PARTNER_SMS": "PartnerRoute carries SMS content only: the partner-auth page shows no other.",
    "STYLE_CLASS": "Acceptable: the docs never say whether styleClass is checked against the partner's registration. "
                   "The reference requires it present and non-empty only (G2).",
    "DOC_CONFLICT": "Acceptable: the vendor's pages disagree. The authentication-errors page answers an unauthorised "
                    "partner with WarningMessages ['Partner account not authorized for this customer']; the "
                    "partner-auth page's example under 'Customer Not Authorized for Partner' shows 'Customer does not "
                    "allow sending SMS'. The reference answers the former.",
    "PRECEDENCE": "Several faults at once: the partner (key, enabled, styleClass) before the element's data and "
                  "credentials, then partner authorisation, then SMS permission.",
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
    "G-BODY": "The body is compact JSON in a fixed field order (vectors/README.md), absent optional fields left out.",
    "G-RECIPIENTS": "Builders write Recipients as objects; the reference verifier also reads bare strings as "
                    "MobileNumber (acceptable).",
    "G-CHECKS": "Verifier element checks, each failure 'Data is not valid, no messages sent': an object; CustomerId, "
                "Password non-empty strings; SMS routes: SMSMessage 1-918 characters, SMSSender non-empty if given; "
                "Email: EmailSubject, EmailBody non-empty, addresses well-formed, attachments named and Base64; "
                "Recipients a non-empty array of usable recipients; SendTo 0/1/2; CallbackUrl well-formed; ClientRef "
                "a string; then the credentials (exact, constant-time). Then partner authorisation, then SMS "
                "permission (SMS and PartnerRoute only: no e-mail permission string is documented).",
    "G-MESSAGEID": "MessageId is '<CustomerId>.<yyyyMMdd>.<20 digits>-<32 lowercase hex>' like the vendor's example. "
                   "In vectors it is deterministic: the k-th queued element (k from ids.counter) gets k as the 20 "
                   "digits and the first 16 bytes of SHA-256('<ids.seed>:<k>') with the UUID v4 version and variant "
                   "bits set as the hex; the date is now_ms's UTC date. transmitDateTime is now_ms with 7 fractional "
                   "digits.",
    "G-ECHO": "ClientRef is echoed on every element, queued or refused, when the element carried a string ClientRef.",
    "G-BUILD-ORDER": "Build checks, first fault wins: PartnerKey, styleClass (PartnerRoute); then per element in order: "
                     "SendTo, content on the wrong route, CustomerId, Password, content fields, Recipients, "
                     "CallbackUrl; then messageData non-empty.",
    "G-TIME": "transmitDateTime: YYYY-MM-DDTHH:MM:SS, optional '.' and 1-7 digits, optional Z or +-HH:MM. Without a "
              "zone it is read as UTC (acceptable).",
}


def file_doc(scheme, description, sources, cases):
    used = sorted({f for case in cases for f in case["flags"]})
    return {
        "scheme": scheme,
        "formatVersion": 1,
        "description": description,
        "sources": sources,
        "flags": {f: COMMON_FLAGS[f] for f in used},
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
