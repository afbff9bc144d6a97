"""Groupcall Messenger SendMessage_V3: what the customer and partner routes share.

Written from the vendor's customer-auth and partner-auth pages and the project's
decisions G1-G5 (with G-BODY, G-RECIPIENTS, G-CHECKS, G-MESSAGEID, G-ECHO,
G-BUILD-ORDER, G-TIME). Credentials travel in the JSON payload: every
``messageData`` element carries its own ``CustomerId`` + ``Password``; the
PartnerRoute adds a root ``PartnerKey`` and ``styleClass``. The answer is an
array with one result per element, in order; refusals come back with HTTP 200.

Three operations: ``build`` (the exact request), ``verify`` (the server's answer
to a body, against a directory of customers and partners) and ``parse-response``
(classifying every element of an answer, G3).
"""

import base64
import binascii
import hashlib
import hmac
import json
import re

from ._util import MALFORMED_INPUT, Fail, b64_input, is_int, need_object, utf8

# ---------------------------------------------------------------- error codes

# build
MISSING_FIELD = "MISSING_FIELD"
MALFORMED_CREDENTIAL = "MALFORMED_CREDENTIAL"
MESSAGE_TOO_LONG = "MESSAGE_TOO_LONG"
EMPTY_RECIPIENTS = "EMPTY_RECIPIENTS"
MALFORMED_RECIPIENT = "MALFORMED_RECIPIENT"
MALFORMED_MOBILE_NUMBER = "MALFORMED_MOBILE_NUMBER"
MALFORMED_EMAIL_ADDRESS = "MALFORMED_EMAIL_ADDRESS"
MALFORMED_CALLBACK_URL = "MALFORMED_CALLBACK_URL"
MALFORMED_SEND_TO = "MALFORMED_SEND_TO"
MALFORMED_ATTACHMENT = "MALFORMED_ATTACHMENT"
WRONG_CONTENT = "WRONG_CONTENT"
EMPTY_MESSAGE_DATA = "EMPTY_MESSAGE_DATA"
# verify (HTTP 400, G4)
MALFORMED_JSON = "MALFORMED_JSON"
MALFORMED_PAYLOAD = "MALFORMED_PAYLOAD"
# parse-response
HTTP_ERROR = "HTTP_ERROR"
MALFORMED_RESPONSE_JSON = "MALFORMED_RESPONSE_JSON"
NOT_AN_ARRAY = "NOT_AN_ARRAY"
EMPTY_RESPONSE = "EMPTY_RESPONSE"
COUNT_MISMATCH = "COUNT_MISMATCH"
MALFORMED_ELEMENT = "MALFORMED_ELEMENT"

# The vendor's documented strings.
DATA_NOT_VALID = "Data is not valid, no messages sent"
PARTNER_KEY_NOT_VALID = "Partner key is not valid"
PARTNER_NOT_ENABLED = "Partner is not enabled, no message was sent."
PARTNER_NOT_AUTHORISED = "Partner account not authorized for this customer"
SMS_NOT_ALLOWED = "Customer does not allow sending SMS"
UNKNOWN_ERROR = "Unknown error"

SMS, EMAIL, PARTNER = "SMS", "Email", "PartnerRoute"
ROUTES = (SMS, EMAIL, PARTNER)
MAX_SMS_CHARACTERS = 918  # "max 918 characters", counted in Unicode scalar values

# ---------------------------------------------------------------- field shapes

# Unicode White_Space: a credential must not begin or end with one (troubleshooting:
# "no extra spaces or characters").
_WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# "international format, e.g. +447700900123": '+', 7 to 15 digits, the first not 0.
_MOBILE_RE = re.compile(r"\+[1-9][0-9]{6,14}")
# local@domain: no whitespace, no second '@', a dot inside the domain.
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]")
_B64_RE = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
# An absolute http(s) URL: scheme, '//', host (a name or an IPv6 literal), an
# optional port, then path and query; no user information, no fragment.
_URL_RE = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<host>\[[0-9A-Fa-f:.]+\]|[^/?#@:\[\]]+)"
    r"(?::(?P<port>[0-9]{1,5}))?(?P<rest>[/?][^#]*)?"
)

SMS_FIELDS = ("SMSMessage", "SMSSender")
EMAIL_FIELDS = ("EmailSubject", "EmailBody", "EmailSentFromName", "EmailSentFromAddress",
                "EmailReplyToAddress", "Attachments")
# The recipients reference's identifiers, in its priority order.
RECIPIENT_FIELDS = ("Id", "ExternalId", "MessengerId", "IdaasId", "EmailAddress", "MobileNumber")


def _padded(text):
    return bool(text) and (text[0] in _WHITE_SPACE or text[-1] in _WHITE_SPACE)


def mobile_ok(text):
    return _MOBILE_RE.fullmatch(text) is not None


def email_ok(text):
    return _EMAIL_RE.fullmatch(text) is not None


def b64_ok(text):
    if not _B64_RE.fullmatch(text):
        return False
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def callback_ok(text):
    if any(not 0x21 <= ord(ch) <= 0x7E for ch in text):
        return False  # only visible ASCII: no spaces, no controls, no raw non-ASCII
    m = _URL_RE.fullmatch(text)
    if m is None or m.group("scheme").lower() not in ("http", "https"):
        return False
    port = m.group("port")
    return port is None or int(port) <= 65535


class _Bad(Exception):
    """An element check failed: ``code`` for build, 'Data is not valid' for verify."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def _present(element, name):
    """G5: absent and null are the same."""
    return element.get(name) is not None


def _string(element, name, code=MISSING_FIELD, required=True):
    """A string field: None when absent/null and optional; empty is missing."""
    value = element.get(name)
    if value is None:
        if required:
            raise _Bad(code, f"{name} is required")
        return None
    if not isinstance(value, str):
        raise _Bad(MALFORMED_INPUT, f"{name} must be a string")
    return value


def _non_empty(element, name, required=True):
    value = _string(element, name, required=required)
    if value == "":
        raise _Bad(MISSING_FIELD, f"{name} is empty")
    return value


# ---------------------------------------------------------------- element checks

def _check_send_to(element):
    if _present(element, "SendTo"):
        send_to = element["SendTo"]
        if not is_int(send_to) or send_to not in (0, 1, 2):
            raise _Bad(MALFORMED_SEND_TO, "SendTo must be 0 (recipient), 1 (priority contact) or 2 (all contacts)")


def _check_credential(element, name, strict):
    value = _non_empty(element, name)
    if strict and _padded(value):
        raise _Bad(MALFORMED_CREDENTIAL, f"{name} begins or ends with whitespace")
    return value


def _check_sms_content(element):
    message = _non_empty(element, "SMSMessage")
    if len(message) > MAX_SMS_CHARACTERS:
        raise _Bad(MESSAGE_TOO_LONG, f"SMSMessage has {len(message)} characters, more than {MAX_SMS_CHARACTERS}")
    _non_empty(element, "SMSSender", required=False)


def _check_email_content(element):
    _non_empty(element, "EmailSubject")
    _non_empty(element, "EmailBody")
    _string(element, "EmailSentFromName", required=False)
    for name in ("EmailSentFromAddress", "EmailReplyToAddress"):
        address = _string(element, name, required=False)
        if address is not None and not email_ok(address):
            raise _Bad(MALFORMED_EMAIL_ADDRESS, f"{name} is not an e-mail address")
    if _present(element, "Attachments"):
        attachments = element["Attachments"]
        if not isinstance(attachments, list):
            raise _Bad(MALFORMED_ATTACHMENT, "Attachments must be an array")
        for attachment in attachments:
            if not isinstance(attachment, dict):
                raise _Bad(MALFORMED_ATTACHMENT, "each attachment must be an object")
            name, data = attachment.get("FileName"), attachment.get("FileData")
            if not isinstance(name, str) or name == "":
                raise _Bad(MALFORMED_ATTACHMENT, "an attachment needs a FileName")
            if not isinstance(data, str) or not b64_ok(data):
                raise _Bad(MALFORMED_ATTACHMENT, "an attachment's FileData must be padded standard Base64")


def _check_recipient(recipient):
    """One recipient: a bare string is a MobileNumber (G-RECIPIENTS); an object needs
    at least one usable identifier and every identifier it has well formed.
    Returns the recipient as an object."""
    if isinstance(recipient, str):
        if not mobile_ok(recipient):
            raise _Bad(MALFORMED_MOBILE_NUMBER, "a recipient number is not '+' and 7 to 15 digits")
        return {"MobileNumber": recipient}
    if not isinstance(recipient, dict):
        raise _Bad(MALFORMED_RECIPIENT, "a recipient must be an object")
    usable = False
    for name in RECIPIENT_FIELDS:
        value = recipient.get(name)
        if value is None:
            continue
        if name == "Id":
            if not is_int(value):
                raise _Bad(MALFORMED_RECIPIENT, "Id must be an integer")
            usable = usable or value > 0  # "used if Id > 0"
            continue
        if not isinstance(value, str):
            raise _Bad(MALFORMED_RECIPIENT, f"{name} must be a string")
        if name == "MobileNumber" and not mobile_ok(value):
            raise _Bad(MALFORMED_MOBILE_NUMBER, "MobileNumber is not '+' and 7 to 15 digits")
        if name == "EmailAddress" and not email_ok(value):
            raise _Bad(MALFORMED_EMAIL_ADDRESS, "EmailAddress is not an e-mail address")
        if value == "":
            raise _Bad(MALFORMED_RECIPIENT, f"{name} is empty")
        usable = True
    if not usable:
        raise _Bad(MALFORMED_RECIPIENT, "the recipient names nobody (Id > 0 or a non-empty identifier)")
    return {name: recipient[name] for name in RECIPIENT_FIELDS if recipient.get(name) is not None}


def _check_recipients(element):
    recipients = element.get("Recipients")
    if recipients is None or recipients == []:
        raise _Bad(EMPTY_RECIPIENTS, "Recipients must be a non-empty array")
    if not isinstance(recipients, list):
        raise _Bad(MALFORMED_RECIPIENT, "Recipients must be an array")
    return [_check_recipient(r) for r in recipients]


def _check_callback(element):
    url = _string(element, "CallbackUrl", required=False)
    if url is not None and not callback_ok(url):
        raise _Bad(MALFORMED_CALLBACK_URL, "CallbackUrl is not an absolute http(s) URL without user information or fragment")


def _check_client_ref(element):
    _string(element, "ClientRef", required=False)


def check_element(element, route, strict):
    """The element checks, G-BUILD-ORDER order (the verifier's G-CHECKS find the
    same faults; it answers them all alike). ``strict``: the builder's extra
    refusals (padded credentials, content of the other route).
    Returns the recipients as objects."""
    if not isinstance(element, dict):
        raise _Bad(MALFORMED_INPUT, "a messageData element must be an object")
    _check_send_to(element)
    if strict:
        other = EMAIL_FIELDS if route != EMAIL else SMS_FIELDS
        for name in other:
            if _present(element, name):
                raise _Bad(WRONG_CONTENT, f"{name} does not belong on the {route} route")
    _check_credential(element, "CustomerId", strict)
    _check_credential(element, "Password", strict)
    if route == EMAIL:
        _check_email_content(element)
    else:
        _check_sms_content(element)
    recipients = _check_recipients(element)
    _check_callback(element)
    _check_client_ref(element)
    return recipients


# ---------------------------------------------------------------- build

def _dumps(value):
    """G-BODY: compact JSON; only '"', '\\' and controls escaped (lowercase \\u00xx)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _element_body(element, route, recipients):
    order = ["CustomerId", "Password"]
    order += list(EMAIL_FIELDS) if route == EMAIL else list(SMS_FIELDS)
    out = {}
    for name in order:
        if _present(element, name):
            value = element[name]
            if name == "Attachments":
                if not value:
                    continue  # an empty list is left out, like an absent one
                value = [{"FileName": a["FileName"], "FileData": a["FileData"]} for a in value]
            out[name] = value
    out["Recipients"] = recipients
    for name in ("SendTo", "ClientRef", "CallbackUrl"):
        if _present(element, name):
            out[name] = element[name]
    return out


def build(inp, route, root=None):
    """The request for ``route``; ``root`` holds PartnerKey and styleClass on the
    PartnerRoute."""
    try:
        head = {}
        if route == PARTNER:
            head["PartnerKey"] = _check_credential(root, "PartnerKey", strict=True)
            head["styleClass"] = _non_empty(root, "styleClass")
        elements = inp.get("messageData")
        if elements is None:
            elements = []
        if not isinstance(elements, list):
            raise _Bad(MALFORMED_INPUT, "messageData must be an array")
        body_elements = []
        for index, element in enumerate(elements):
            try:
                recipients = check_element(element, route, strict=True)
            except _Bad as bad:
                raise _Bad(bad.code, f"messageData[{index}]: {bad.message}") from None
            body_elements.append(_element_body(element, route, recipients))
        if not body_elements:
            raise _Bad(EMPTY_MESSAGE_DATA, "messageData must hold at least one message")
    except _Bad as bad:
        raise Fail(bad.code, bad.message) from None
    body = dict(head)
    body["messageData"] = body_elements
    return {"method": "POST", "target": f"/api/SendMessage_V3/{route}",
            "headers": [["Content-Type", "application/json"]], "body": _dumps(body)}


# ---------------------------------------------------------------- verify

def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _body_text(inp, code):
    if inp.get("body_base64") is not None:
        try:
            return b64_input(inp["body_base64"], "body_base64").decode("utf-8")
        except UnicodeDecodeError:
            raise Fail(code, "the body is not UTF-8") from None
    body = inp.get("body")
    if not isinstance(body, str):
        raise Fail(MALFORMED_INPUT, "body must be a string")
    return body


def _parse_json(text, code):
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise Fail(code, "the body nests too deeply") from None
    except ValueError as exc:
        raise Fail(code, f"the body is not JSON: {exc}") from None


def _list(value, what):
    """An optional list of the vector input (absent or null: empty)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Fail(MALFORMED_INPUT, f"{what} must be a list")
    return value


class _Directory:
    def __init__(self, raw):
        raw = need_object(raw, "directory")
        self.customers = []
        for entry in _list(raw.get("customers"), "directory.customers"):
            entry = need_object(entry, "a directory customer")
            cid, password = entry.get("CustomerId"), entry.get("Password")
            partners = entry.get("authorised_partners")
            partners = [] if partners is None else partners
            sms = entry.get("sms_allowed")
            sms = True if sms is None else sms  # default: allowed
            if (not isinstance(cid, str) or not isinstance(password, str)
                    or not isinstance(partners, list) or not all(isinstance(p, str) for p in partners)
                    or not isinstance(sms, bool)):
                raise Fail(MALFORMED_INPUT, "each customer needs string CustomerId and Password, "
                                            "a list authorised_partners and a boolean sms_allowed")
            self.customers.append((cid, password, frozenset(partners), sms))
        self.partners = []
        for entry in _list(raw.get("partners"), "directory.partners"):
            entry = need_object(entry, "a directory partner")
            pid, key, enabled = entry.get("id"), entry.get("PartnerKey"), entry.get("enabled")
            enabled = True if enabled is None else enabled  # default: enabled
            if not isinstance(pid, str) or not isinstance(key, str) or not isinstance(enabled, bool):
                raise Fail(MALFORMED_INPUT, "each partner needs a string id and PartnerKey and a boolean enabled")
            self.partners.append((pid, key, enabled))

    def customer(self, cid, password):
        """The customer whose CustomerId and Password match exactly (constant time)."""
        hit = None
        for entry in self.customers:
            same_id = hmac.compare_digest(entry[0].encode("utf-8", "surrogatepass"), cid.encode("utf-8", "surrogatepass"))
            same_pw = hmac.compare_digest(entry[1].encode("utf-8", "surrogatepass"),
                                          password.encode("utf-8", "surrogatepass"))
            if same_id and same_pw and hit is None:
                hit = entry
        return hit

    def partner(self, key):
        hit = None
        for entry in self.partners:
            if hmac.compare_digest(entry[1].encode("utf-8", "surrogatepass"), key.encode("utf-8", "surrogatepass")):
                if hit is None:
                    hit = entry
        return hit


def _result(client_ref, error_msg=None, warnings=()):
    return {"WarningMessages": list(warnings), "errorMsg": error_msg, "MessageSentId": 0,
            "MessageId": None, "statusMsg": None, "transmitDateTime": None, "ClientRef": client_ref}


def _civil_from_days(days):
    """(year, month, day) of days since 1970-01-01 (H. Hinnant's algorithm)."""
    days += 719468
    era = (days if days >= 0 else days - 146096) // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + 1 if m <= 2 else y), m, d


def _message_id(customer_id, now_ms, seed, k):
    """G-MESSAGEID: '<CustomerId>.<yyyyMMdd>.<20 digits>-<32 lowercase hex>'."""
    y, m, d = _civil_from_days(now_ms // 86_400_000)
    tail = bytearray(hashlib.sha256(f"{seed}:{k}".encode("utf-8")).digest()[:16])
    tail[6] = (tail[6] & 0x0F) | 0x40  # UUID version 4
    tail[8] = (tail[8] & 0x3F) | 0x80  # RFC 4122 variant
    return f"{customer_id}.{y:04d}{m:02d}{d:02d}.{k:020d}-{tail.hex()}"


def _transmit_time(now_ms):
    """now_ms as ISO 8601 UTC with 7 fractional digits (.NET ticks)."""
    seconds, millis = divmod(now_ms, 1000)
    days, rest = divmod(seconds, 86400)
    y, m, d = _civil_from_days(days)
    return (f"{y:04d}-{m:02d}-{d:02d}T{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"
            f".{millis * 10000:07d}Z")


COUNTER_MAX = 2**64 - 1


def _counter(value):
    """ids.counter: a JSON integer, or a string of 1-20 ASCII digits; at most 2^64 - 1."""
    if isinstance(value, str):
        if not 1 <= len(value) <= 20 or any(c not in "0123456789" for c in value):
            return None
        value = int(value)
    elif not is_int(value):
        return None
    return value if 0 <= value <= COUNTER_MAX else None


def verify(inp, route, partner_route):
    """The server's answer to a body on ``route``: {"status": 200, "response": [...]}
    or Fail(MALFORMED_JSON / MALFORMED_PAYLOAD) for an HTTP 400."""
    directory = _Directory(inp.get("directory"))
    now_ms = inp.get("now_ms")
    if not is_int(now_ms) or now_ms < 0:
        raise Fail(MALFORMED_INPUT, "now_ms must be a non-negative integer (Unix milliseconds)")
    ids = need_object(inp.get("ids"), "ids")
    seed, counter = ids.get("seed"), _counter(ids.get("counter"))
    if not isinstance(seed, str) or counter is None:
        raise Fail(MALFORMED_INPUT, "ids needs a string seed and a counter: a non-negative integer, or (above "
                                    "2^53, where JSON numbers lose precision) its decimal digits as a string")
    utf8(seed, MALFORMED_INPUT, "ids.seed")

    root = _parse_json(_body_text(inp, MALFORMED_JSON), MALFORMED_JSON)
    if not isinstance(root, dict):
        raise Fail(MALFORMED_PAYLOAD, "the body is not a JSON object")
    elements = root.get("messageData")
    if not isinstance(elements, list) or not elements:
        raise Fail(MALFORMED_PAYLOAD, "the body has no non-empty messageData array")

    # G2: the partner, answered for every element.
    partner_refusal = None
    partner = None
    if partner_route:
        key = root.get("PartnerKey")
        partner = directory.partner(key) if isinstance(key, str) else None
        style = root.get("styleClass")
        if partner is None:
            partner_refusal = (PARTNER_KEY_NOT_VALID, [PARTNER_KEY_NOT_VALID])
        elif not partner[2]:
            partner_refusal = (PARTNER_NOT_ENABLED, [PARTNER_NOT_ENABLED])
        elif not isinstance(style, str) or style == "":
            partner_refusal = (DATA_NOT_VALID, [])

    response = []
    k = counter
    for element in elements:
        client_ref = element.get("ClientRef") if isinstance(element, dict) else None
        if not isinstance(client_ref, str):
            client_ref = None  # G-ECHO: only a string ClientRef is echoed
        if partner_refusal is not None:
            response.append(_result(client_ref, partner_refusal[0], partner_refusal[1]))
            continue
        try:
            recipients = check_element(element, route, strict=False)
        except _Bad:
            response.append(_result(client_ref, DATA_NOT_VALID))
            continue
        customer = directory.customer(element["CustomerId"], element["Password"])
        if customer is None:
            response.append(_result(client_ref, DATA_NOT_VALID))
            continue
        if partner is not None and partner[0] not in customer[2]:
            response.append(_result(client_ref, None, [PARTNER_NOT_AUTHORISED]))
            continue
        if route != EMAIL and not customer[3]:
            response.append(_result(client_ref, None, [SMS_NOT_ALLOWED]))
            continue
        result = _result(client_ref, f"OK {len(recipients)} messages queued for sending")
        result["MessageId"] = _message_id(customer[0], now_ms, seed, k)
        result["statusMsg"] = "In Queue"
        result["transmitDateTime"] = _transmit_time(now_ms)
        response.append(result)
        k += 1
    return {"status": 200, "response": response}


# ---------------------------------------------------------------- parse-response (G3)

_TIME_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,7}))?(Z|[+-][0-9]{2}:[0-9]{2})?"
)


def _days_from_civil(y, m, d):
    y -= 1 if m <= 2 else 0
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_time(text):
    """G-TIME: {"unix_seconds", "nanos", "has_zone"} or None if malformed."""
    m = _TIME_RE.fullmatch(text)
    if m is None:
        return None
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    month_days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    if not 1 <= mo <= 12 or not 1 <= d <= month_days[mo - 1] or h > 23 or mi > 59 or s > 59:
        return None
    fraction = m.group(7) or ""
    nanos = int((fraction + "000000000")[:9])
    zone = m.group(8)
    offset = 0
    if zone not in (None, "Z"):
        oh, om = int(zone[1:3]), int(zone[4:6])
        if oh > 23 or om > 59:
            return None
        offset = (oh * 3600 + om * 60) * (1 if zone[0] == "+" else -1)
    unix = _days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset
    return {"unix_seconds": unix, "nanos": nanos, "has_zone": zone is not None}


def _optional_str(element, name):
    value = element.get(name)
    if value is not None and not isinstance(value, str):
        raise Fail(MALFORMED_ELEMENT, f"{name} is not a string")
    return value


def classify(element, index):
    if not isinstance(element, dict):
        raise Fail(MALFORMED_ELEMENT, f"result {index} is not an object")
    warnings = element.get("WarningMessages")
    if warnings is None:
        warnings = []
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        raise Fail(MALFORMED_ELEMENT, f"result {index}: WarningMessages is not an array of strings")
    error_msg = _optional_str(element, "errorMsg")
    message_id = _optional_str(element, "MessageId")
    status_msg = _optional_str(element, "statusMsg")
    client_ref = _optional_str(element, "ClientRef")
    when_text = _optional_str(element, "transmitDateTime")
    transmitted = None
    if when_text is not None:
        transmitted = parse_time(when_text)
        if transmitted is None:
            raise Fail(MALFORMED_ELEMENT, f"result {index}: transmitDateTime is not an ISO 8601 time")
    # MessageSentId is never read (G3).
    if error_msg is not None and error_msg.startswith("OK") and message_id:
        return {"success": True, "MessageId": message_id, "errorMsg": error_msg,
                "statusMsg": status_msg, "transmitDateTime": when_text,
                "transmitted": transmitted, "ClientRef": client_ref}
    if error_msg:
        error = error_msg
    elif warnings and warnings[0]:
        error = warnings[0]
    else:
        error = UNKNOWN_ERROR
    return {"success": False, "error": error, "WarningMessages": warnings, "ClientRef": client_ref}


def parse_response(inp):
    status = inp.get("status")
    if not is_int(status):
        raise Fail(MALFORMED_INPUT, "status must be an integer")
    sent = inp.get("sent")
    if sent is not None and (not is_int(sent) or sent < 0):
        raise Fail(MALFORMED_INPUT, "sent must be a non-negative integer")
    if not 200 <= status <= 299:
        raise Fail(HTTP_ERROR, f"HTTP {status}")
    root = _parse_json(_body_text(inp, MALFORMED_RESPONSE_JSON), MALFORMED_RESPONSE_JSON)
    if not isinstance(root, list):
        raise Fail(NOT_AN_ARRAY, "the response is not a JSON array")
    if not root:
        raise Fail(EMPTY_RESPONSE, "the response array is empty")
    if sent is not None and len(root) != sent:
        raise Fail(COUNT_MISMATCH, f"{len(root)} results for {sent} messages")
    return {"results": [classify(element, i) for i, element in enumerate(root)]}
