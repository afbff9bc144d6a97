#!/usr/bin/env python3
"""A page-literal shim: answers exactly what the Groupcall vendor pages show, verbatim.

It speaks the shim protocol (examples/shims/PROTOCOL.md) for `groupcall-partner` and
`groupcall-customer`, and exists to test the vectors, not an implementation: a case that
fails here fails an implementation doing what the vendor's own pages do.

- `build`: the body the partner-auth page's Python client sends. That client builds a
  dict and hands it to `requests.post(..., json=payload)`, which serialises it with
  `json.dumps(payload)`: default separators (", " and ": "), non-ASCII as \\uXXXX escapes,
  and the members the client always writes (`ClientRef`, `CallbackUrl`) as null when not
  given. Recipients are written `{"MobileNumber": number}` for each number, as that client
  maps them. Customer routes send the members the customer-auth, SMS and e-mail pages
  show, in the order those pages show them, and the SMS quick-start's bare-string
  recipients as they are given.
- `verify`: the refusal bodies the pages show, verbatim: the partner-auth page's
  four-member bodies ("Partner key is not valid", "Partner is not enabled, no message was
  sent.", and "Customer does not allow sending SMS" for a customer that has not
  authorised the partner) and the authentication-errors page's seven-member bodies
  ("Data is not valid, no messages sent" for wrong or missing credentials, "Customer does
  not allow sending SMS" for a customer without SMS permission); and for a message the
  pages' rules let through, the SMS guide's success example, verbatim (its MessageId and
  transmitDateTime included), when it is one SMS to one '+447700900123'-style number
  without a ClientRef, as that guide's quick-start request is.
- Anything no page shows an answer for (a queued e-mail, a message with a ClientRef or
  several recipients, an input a page's rules forbid, a malformed body, `parse-response`)
  is answered `unsupported`.

Standard library only (Python 3.8+). Written from the vendor's pages; shares no code with
the reference or with examples/shims/python.
"""

import base64
import binascii
import json
import sys

SCHEMES = ["groupcall-partner", "groupcall-customer"]
SMS_MAX = 918  # the SMS guide: "SMS content (max 918 characters)"

PARTNER_KEY_NOT_VALID = "Partner key is not valid"
PARTNER_NOT_ENABLED = "Partner is not enabled, no message was sent."
SMS_NOT_ALLOWED = "Customer does not allow sending SMS"
DATA_NOT_VALID = "Data is not valid, no messages sent"


class Unsupported(Exception):
    """No vendor page shows an answer for this input."""


def partner_page_body(warning, error_msg):
    """The partner-auth page's error bodies: four members, in the page's order."""
    return {"WarningMessages": [warning], "errorMsg": error_msg, "MessageSentId": 0, "MessageId": None}


# The SMS guide's "Response" to its quick-start request, verbatim.
SMS_GUIDE_SUCCESS = {
    "WarningMessages": [],
    "errorMsg": "OK 1 messages queued for sending",
    "MessageSentId": 0,
    "MessageId": "1469.20250704.02516506506657265717-e0684dbcb71f402ab39d4d6b86d44cbb",
    "statusMsg": "In Queue",
    "transmitDateTime": "2025-07-04T17:28:54.5859378Z",
    "ClientRef": None,
}


def errors_page_body(error_msg, warnings):
    """The authentication-errors page's bodies: seven members, in the page's order."""
    return {"WarningMessages": warnings, "errorMsg": error_msg, "MessageSentId": 0, "MessageId": None,
            "statusMsg": None, "transmitDateTime": None, "ClientRef": None}


# ---------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------


def required_text(e, name):
    """A value a page's required-fields table lists: present, a non-empty string, and
    (for credentials) without the surrounding white space the troubleshooting pages warn
    against."""
    v = e.get(name)
    if not isinstance(v, str) or v == "" or v != v.strip():
        raise Unsupported(f"{name} is missing, empty or padded: no page shows a request with it")
    return v


def looks_like_address(s):
    """An e-mail address the way the pages show them: local@domain.tld, no spaces."""
    if not isinstance(s, str) or s.count("@") != 1 or any(c.isspace() for c in s):
        return False
    local, domain = s.split("@")
    return bool(local) and "." in domain and all(domain.split("."))


def mobile_numbers(e):
    """The client's `recipients` list: numbers, given bare or as {"MobileNumber": n}."""
    recipients = e.get("Recipients")
    if not isinstance(recipients, list) or not recipients:
        raise Unsupported("no recipients: every page's request has one")
    numbers = []
    for r in recipients:
        if isinstance(r, dict) and list(r) == ["MobileNumber"]:
            r = r["MobileNumber"]
        if not isinstance(r, str) or not r.startswith("+") or not r[1:].isdigit():
            raise Unsupported("a recipient that is not a '+447700900123'-style number")
        numbers.append(r)
    return numbers


def sms_text(e):
    text = e.get("SMSMessage")
    if not isinstance(text, str) or text == "" or len(text) > SMS_MAX:
        raise Unsupported("SMSMessage missing or beyond the SMS guide's 918 characters")
    return text


def partner_element(e):
    """One `messageData` element exactly as the partner-auth page's Python client writes it."""
    allowed = {"CustomerId", "Password", "SMSMessage", "Recipients", "ClientRef", "CallbackUrl"}
    if set(k for k, v in e.items() if v is not None) - allowed:
        raise Unsupported("a member the partner-auth page's client never sends")
    return {
        "CustomerId": required_text(e, "CustomerId"),
        "Password": required_text(e, "Password"),
        "SMSMessage": sms_text(e),
        "Recipients": [{"MobileNumber": n} for n in mobile_numbers(e)],
        "ClientRef": e.get("ClientRef"),
        "CallbackUrl": e.get("CallbackUrl"),
    }


def customer_element(route, e):
    """One element with the members the customer-auth, SMS and e-mail pages show."""
    out = {"CustomerId": required_text(e, "CustomerId"), "Password": required_text(e, "Password")}
    recipients = e.get("Recipients")
    if route == "SMS":
        allowed = {"CustomerId", "Password", "Recipients", "SMSMessage", "CallbackUrl", "ClientRef", "SMSSender"}
        if set(k for k, v in e.items() if v is not None) - allowed:
            raise Unsupported("a member the SMS pages do not show")
        mobile_numbers(e)
        out["Recipients"] = recipients
        out["SMSMessage"] = sms_text(e)
        for name in ("CallbackUrl", "ClientRef", "SMSSender"):
            if e.get(name) is not None:
                if e[name] == "":
                    raise Unsupported(f"an empty {name}")
                out[name] = e[name]
        return out
    allowed = {"CustomerId", "Password", "Recipients", "EmailSubject", "EmailBody", "CallbackUrl", "ClientRef",
               "EmailSentFromName", "EmailSentFromAddress", "EmailReplyToAddress", "Attachments"}
    if set(k for k, v in e.items() if v is not None) - allowed:
        raise Unsupported("a member the e-mail guide does not show")
    if not isinstance(recipients, list) or not recipients or not all(
            isinstance(r, dict) and list(r) == ["EmailAddress"] and looks_like_address(r["EmailAddress"])
            for r in recipients):
        raise Unsupported("recipients other than the e-mail guide's EmailAddress objects")
    out["Recipients"] = recipients
    out["EmailSubject"] = required_text(e, "EmailSubject")
    out["EmailBody"] = required_text(e, "EmailBody")
    for name in ("CallbackUrl", "ClientRef", "EmailSentFromName", "EmailSentFromAddress", "EmailReplyToAddress"):
        if e.get(name) is not None:
            if e[name] == "" or (name.endswith("Address") and not looks_like_address(e[name])):
                raise Unsupported(f"a {name} unlike the e-mail guide's")
            out[name] = e[name]
    attachments = e.get("Attachments")
    if attachments:
        for a in attachments:
            if not isinstance(a, dict) or set(a) != {"FileName", "FileData"} or not a["FileName"]:
                raise Unsupported("an attachment unlike the e-mail guide's {FileName, FileData}")
            try:
                base64.b64decode(a["FileData"], validate=True)
            except (binascii.Error, ValueError):
                raise Unsupported("FileData that is not Base64") from None
        out["Attachments"] = attachments
    return out


def build(scheme, inp):
    elements = inp.get("messageData")
    if not isinstance(elements, list) or not elements:
        raise Unsupported("nothing to send: every page's request has a message")
    if scheme == "groupcall-partner":
        # The Python client's payload: PartnerKey, styleClass, messageData (both root
        # members are in the page's required-fields table).
        payload = {
            "PartnerKey": required_text(inp, "PartnerKey"),
            "styleClass": required_text(inp, "styleClass"),
            "messageData": [partner_element(e) for e in elements],
        }
        route = "PartnerRoute"
    else:
        route = inp.get("route")
        if route not in ("SMS", "Email"):
            raise Unsupported("a route no page shows")
        payload = {"messageData": [customer_element(route, e) for e in elements]}
    return {
        "method": "POST",
        "target": "/api/SendMessage_V3/" + route,
        "headers": [["Content-Type", "application/json"]],
        # What requests' `json=` sends: json.dumps with its defaults.
        "body": json.dumps(payload),
    }


# ---------------------------------------------------------------------------
# verify
# ---------------------------------------------------------------------------


def element_answer(e, customers, partner, sms_route):
    """The page body one element gets, or Unsupported when no page shows it."""
    if not isinstance(e, dict):
        raise Unsupported("an element that is not an object")
    cid, pw = e.get("CustomerId"), e.get("Password")
    if cid is None or pw is None:
        # "Missing authentication fields in request body"
        return errors_page_body(DATA_NOT_VALID, [])
    if not isinstance(cid, str) or not isinstance(pw, str):
        raise Unsupported("credentials of another JSON type")
    customer = customers.get(cid)
    if customer is None or customer.get("Password") != pw:
        # "Incorrect CustomerId or Password in the payload"
        return errors_page_body(DATA_NOT_VALID, [])
    if partner is not None and partner["id"] not in customer.get("authorised_partners", []):
        # The partner-auth page's "Customer Not Authorized for Partner".
        return partner_page_body(SMS_NOT_ALLOWED, None)
    if sms_route and not customer.get("sms_allowed", True):
        # The authentication-errors page's "Insufficient Permissions".
        return errors_page_body(None, [SMS_NOT_ALLOWED])
    if not sms_route:
        raise Unsupported("a queued e-mail: no page shows its answer")
    if e.get("ClientRef") is not None:
        raise Unsupported("a queued message with a ClientRef: no page shows it echoed")
    sms_text(e)
    if len(mobile_numbers(e)) != 1:
        raise Unsupported("a queued message to several recipients: no page shows the count")
    return dict(SMS_GUIDE_SUCCESS)


def verify(scheme, inp):
    if "body" not in inp:
        raise Unsupported("a body given as bytes")
    try:
        root = json.loads(inp["body"])
    except ValueError:
        raise Unsupported("a body that is not JSON: no page shows the answer") from None
    elements = root.get("messageData") if isinstance(root, dict) else None
    if not isinstance(elements, list) or not elements:
        raise Unsupported("a body without messageData: no page shows the answer")
    directory = inp.get("directory") or {}
    customers = {c["CustomerId"]: c for c in directory.get("customers", [])}
    partner = None
    if scheme == "groupcall-partner":
        partners = {p["PartnerKey"]: p for p in directory.get("partners", [])}
        key = root.get("PartnerKey")
        partner = partners.get(key) if isinstance(key, str) else None
        if key is not None and not isinstance(key, str):
            raise Unsupported("a PartnerKey of another JSON type")
        if partner is None:
            return {"status": 200,
                    "response": [partner_page_body(PARTNER_KEY_NOT_VALID, PARTNER_KEY_NOT_VALID) for _ in elements]}
        if not partner.get("enabled", True):
            return {"status": 200,
                    "response": [partner_page_body(PARTNER_NOT_ENABLED, PARTNER_NOT_ENABLED) for _ in elements]}
        style = root.get("styleClass")
        if not isinstance(style, str) or style == "":
            raise Unsupported("no styleClass: no page shows the answer")
        sms_route = True
    else:
        sms_route = inp.get("route") == "SMS"
    return {"status": 200, "response": [element_answer(e, customers, partner, sms_route) for e in elements]}


# ---------------------------------------------------------------------------
# The protocol
# ---------------------------------------------------------------------------


def answer(req):
    scheme, op, inp = req.get("scheme"), req.get("op"), req.get("input")
    if scheme not in SCHEMES or not isinstance(inp, dict):
        return {"unsupported": "not a Groupcall case"}
    try:
        if op == "build":
            return {"output": build(scheme, inp)}
        if op == "verify":
            return {"output": verify(scheme, inp)}
        return {"unsupported": f"the pages show no answer format for `{op}`"}
    except Unsupported as e:
        return {"unsupported": str(e)}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
        except ValueError:
            req = None
        if not isinstance(req, dict):
            reply = {"id": "", "error": {"code": "BAD_REQUEST", "message": "each line must be a JSON object"}}
        elif req.get("op") == "hello":
            reply = {"protocol": 1, "implementation": "groupcall-page-literal 1.0", "schemes": SCHEMES}
        else:
            reply = dict(answer(req), id=req.get("id", ""))
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
