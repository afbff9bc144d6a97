#!/usr/bin/env python3
"""Build the partners-portal vector file from the vendor's authentication guide.

Writes vectors/partners-portal.json. Every expected status is computed here by a small
model of the guide's rules and of the decisions recorded in the file (P1-P5 and the
file-specific ones); every parse expectation by this program's own reading of the body
with Python's json module. Nothing here is taken from the Rust reference.

    python3 vectors/generators/partners_portal.py           # rewrite the file
    python3 vectors/generators/partners_portal.py --check   # exit 1 if the file on disk differs

Case ids are `partners-portal/<op>/<nnn>`, numbered per op in the order the cases are
listed below. Ids are stable forever: add a new case at the END of its op's list,
never insert, reorder or delete (a retired case stays, with `withdrawn=True`).

Each scenario is also written with the statuses its author derived by hand from the
guide; the program refuses to write a file where the model disagrees with them, so a
slip in either shows.

Tokens are random, so a scenario's requests name the token that an earlier step's login
returned with the placeholder `{{token:N}}` (N = that step's index, from 0). The model
stands a synthetic token in for each.

Standard library only (Python 3.11).
"""

import argparse
import json
import re
import sys
from pathlib import Path

VECTORS_DIR = Path(__file__).resolve().parent.parent
FILE_NAME = "partners-portal.json"
SCHEME = "partners-portal"

SPEC = "specs/partners-portal-three-level-auth.txt (the vendor's authentication guide)"
URL_GUIDE = "https://docs-api-qua-portalparceiros.bancoctt.pt/authentication"
URL_RFC6750 = "https://www.rfc-editor.org/rfc/rfc6750"
URL_RFC9110 = "https://www.rfc-editor.org/rfc/rfc9110"
URL_RFC8259 = "https://www.rfc-editor.org/rfc/rfc8259"
URL_RFC9457 = "https://www.rfc-editor.org/rfc/rfc9457"

LOGIN_PATH = "/API/partnersPortal/authentication"
SIMULATIONS = "/API/partnersPortal/simulations"
PROCESSES = "/API/partnersPortal/processes"
PROPOSALS = "/API/partnersPortal/proposals"

IDLE_SECS = 30 * 60
START = 1_700_000_000

# ----------------------------------------------------------------------------
# The world every scenario runs in
# ----------------------------------------------------------------------------

M1_ID, M1_SECRET = "network_abc123", "secret_xyz789"
M2_ID, M2_SECRET = "network_def456", "secret_uvw456"
ANA = "ana@example.pt"
RUI = "rui@example.pt"
OFF = "off@example.pt"
EVA = "eva@example.pt"
JOAO = "joao@example.pt"

DIRECTORY = {
    "masters": [
        {
            "client_id": M1_ID,
            "client_secret": M1_SECRET,
            "brokers": [
                {
                    "broker_id": 12345,
                    "api_access": True,
                    "users": [
                        {"username": ANA, "api_access": True, "permissions": ["simulations.read", "processes.read"]},
                        {"username": RUI, "api_access": True, "permissions": ["simulations.read"]},
                        {"username": OFF, "api_access": False, "permissions": ["simulations.read"]},
                    ],
                },
                {
                    "broker_id": 12346,
                    "api_access": False,
                    "users": [
                        {"username": EVA, "api_access": True, "permissions": ["simulations.read"]},
                    ],
                },
            ],
        },
        {
            "client_id": M2_ID,
            "client_secret": M2_SECRET,
            "brokers": [
                {
                    "broker_id": 22222,
                    "api_access": True,
                    "users": [
                        {"username": JOAO, "api_access": True, "permissions": ["simulations.read"]},
                    ],
                },
            ],
        },
    ]
}

ROUTES = [
    {"method": "GET", "path": SIMULATIONS, "permission": "simulations.read"},
    {"method": "GET", "path": PROCESSES, "permission": "processes.read"},
    {"method": "POST", "path": PROPOSALS, "permission": "proposals.write"},
]

# ----------------------------------------------------------------------------
# The model
# ----------------------------------------------------------------------------

LEVEL_HEADERS = ["xClientID", "xClientSecret", "brokerID", "username"]
BEARER_RE = re.compile(r"^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9._~+/-]+=*)$")
PLACEHOLDER_RE = re.compile(r"\{\{token:(\d+)\}\}")


def values_of(headers, name):
    """Every value of `name`, names compared case-insensitively (RFC 9110 5.1, P1),
    values stripped of optional whitespace (SP and HTAB)."""
    return [v.strip(" \t") for (n, v) in headers if n.lower() == name.lower()]


def level_failure(directory, headers):
    """(identity, None) when the three levels pass, else (None, reason)."""
    got = {}
    for name in LEVEL_HEADERS:
        vs = values_of(headers, name)
        if len(vs) > 1:
            return None, "DUPLICATE_HEADER"
        if not vs or vs[0] == "":
            return None, "MISSING_HEADER"
        got[name] = vs[0]
    broker_text = got["brokerID"]
    if not (1 <= len(broker_text) <= 18 and all(c in "0123456789" for c in broker_text)):
        return None, "MALFORMED_BROKER_ID"
    broker_id = int(broker_text)
    masters = {m["client_id"]: m for m in directory["masters"]}
    master = masters.get(got["xClientID"])
    if master is None:
        return None, "MASTER_UNKNOWN"
    if master["client_secret"] != got["xClientSecret"]:
        return None, "MASTER_SECRET_MISMATCH"
    owner, broker = None, None
    for m in directory["masters"]:
        for b in m["brokers"]:
            if b["broker_id"] == broker_id:
                owner, broker = m, b
    if broker is None:
        return None, "BROKER_UNKNOWN"
    if owner is not master:
        return None, "BROKER_OF_OTHER_MASTER"
    if not broker["api_access"]:
        return None, "BROKER_API_ACCESS_OFF"
    user = next((u for u in broker["users"] if u["username"] == got["username"]), None)
    if user is None:
        elsewhere = any(
            u["username"] == got["username"] for m in directory["masters"] for b in m["brokers"] for u in b["users"]
        )
        return None, "USER_OF_OTHER_BROKER" if elsewhere else "USER_UNKNOWN"
    if not user["api_access"]:
        return None, "USER_API_ACCESS_OFF"
    return (got["xClientID"], broker_id, got["username"], tuple(user["permissions"])), None


def model_token(step_index):
    return f"model-token-{step_index:03d}"


def run_scenario(inp):
    """Statuses and reasons of every step, from the guide and P1-P5."""
    directory, routes, steps = inp["directory"], inp["routes"], inp["steps"]
    sessions = {}  # token -> {"who": (master, broker, user), "last": seconds}
    issued = {}  # step index -> token
    statuses, reasons = [], []
    for index, step in enumerate(steps):
        now = inp["start"] + step["at"]
        req = step["request"]

        def fill(text):
            return PLACEHOLDER_RE.sub(lambda m: issued[int(m.group(1))], text)

        headers = [(n, fill(v)) for (n, v) in req["headers"]]
        path = fill(req["target"]).split("?", 1)[0]
        ident, why = level_failure(directory, headers)
        if req["method"] == "POST" and path == LOGIN_PATH:
            if why:
                statuses.append(401)
                reasons.append(why)
                continue
            token = model_token(index)
            sessions[token] = {"who": ident[:3], "last": now}
            issued[index] = token
            statuses.append(200)
            reasons.append("LOGGED_IN")
            continue
        route = next(r for r in routes if r["method"] == req["method"] and r["path"] == path)
        if why is None:
            auths = values_of(headers, "Authorization")
            if len(auths) > 1:
                why = "DUPLICATE_HEADER"
            elif not auths or auths[0] == "":
                why = "MISSING_AUTHORIZATION"
            else:
                m = BEARER_RE.match(auths[0])
                if m is None:
                    why = "MALFORMED_AUTHORIZATION"
                else:
                    session = sessions.get(m.group(1))
                    if session is None:
                        why = "TOKEN_UNKNOWN"
                    elif now - session["last"] >= IDLE_SECS:
                        del sessions[m.group(1)]
                        why = "TOKEN_EXPIRED"
                    elif session["who"] != ident[:3]:
                        why = "TOKEN_IDENTITY_MISMATCH"
                    else:
                        # Authentication passed: the timer resets, a 403 included (P3).
                        session["last"] = max(session["last"], now)
                        if route["permission"] not in ident[3]:
                            why = "PERMISSION_DENIED"
        if why is None:
            statuses.append(200)
            reasons.append("OK")
        else:
            statuses.append(403 if why == "PERMISSION_DENIED" else 401)
            reasons.append(why)
    return statuses, reasons


# ----------------------------------------------------------------------------
# Parsers (P-LOGIN-BODY, P-ERROR-BODY)
# ----------------------------------------------------------------------------

JSON_WS = " \t\r\n"
B64TOKEN_RE = re.compile(r"^[A-Za-z0-9._~+/-]+=*$")
MAX_TOKEN_LEN = 8192


def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


def strict_json(text):
    """RFC 8259 JSON, or raise ValueError (Python's NaN/Infinity extensions refused)."""
    return json.loads(text, parse_constant=_no_constants)


def parse_login(body):
    """('valid', token) or ('invalid', 'MALFORMED_LOGIN_RESPONSE')."""
    bad = ("invalid", "MALFORMED_LOGIN_RESPONSE")
    try:
        value = strict_json(body)
        is_json = True
    except ValueError:
        is_json = False
    if is_json:
        if not isinstance(value, str):
            return bad
        token = value
    else:
        token = body.strip(JSON_WS)
        if not B64TOKEN_RE.match(token):
            return bad
    if len(token.encode("utf-8")) > MAX_TOKEN_LEN or not B64TOKEN_RE.match(token):
        return bad
    return ("valid", {"token": token})


def parse_error(status, body):
    """('valid', {status, code, message}) or ('invalid', 'MALFORMED_ERROR_BODY')."""
    bad = ("invalid", "MALFORMED_ERROR_BODY")
    out = {"status": status, "code": None, "message": None}
    if body.strip(JSON_WS) == "":
        return ("valid", out)
    try:
        value = strict_json(body)
    except ValueError:
        return bad
    if isinstance(value, str):
        out["message"] = value
        return ("valid", out)
    if not isinstance(value, dict):
        return bad
    code = value.get("code")
    if code is None:
        pass
    elif isinstance(code, str):
        out["code"] = code
    elif isinstance(code, int) and not isinstance(code, bool):
        out["code"] = str(code)
    else:
        return bad
    for field in ["message", "detail", "title", "error"]:
        v = value.get(field)
        if v is None:
            continue
        if not isinstance(v, str):
            return bad
        if out["message"] is None:
            out["message"] = v
    return ("valid", out)


# ----------------------------------------------------------------------------
# Request builders
# ----------------------------------------------------------------------------


def ids(client_id=M1_ID, secret=M1_SECRET, broker="12345", username=ANA):
    return [["xClientID", client_id], ["xClientSecret", secret], ["brokerID", str(broker)], ["username", username]]


def tok(n):
    return "{{token:%d}}" % n


def bearer(n, scheme="Bearer", sep=" "):
    return ["Authorization", f"{scheme}{sep}{tok(n)}"]


def login(headers=None):
    return {"method": "POST", "target": LOGIN_PATH, "headers": headers if headers is not None else ids()}


def call(headers, path=SIMULATIONS, method="GET", body=None):
    r = {"method": method, "target": path, "headers": headers}
    if body is not None:
        r["body"] = body
    return r


def use(n, path=SIMULATIONS, **who):
    """A protected request with the identity headers and token N."""
    return call(ids(**who) + [bearer(n)], path)


def step(at, request, note=None):
    s = {"at": at, "request": request}
    if note:
        s["note"] = note
    return s


# ----------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------

FLAGS = {
    "LEVEL_FAILURE": "One of the three identification levels fails; the guide answers 401 for each, with one body for all (P2).",
    "SESSION_EXPIRY": "The 30-minute inactivity limit: valid while now - last activity < 1800 s, expired at exactly 1800 s (P3).",
    "TIMER_RESET": "Which answers reset the inactivity timer: every request that passes authentication (a 403 too), never a 401 (P3).",
    "TOKEN_BINDING": "A token is bound to the (master, broker, user) it was issued to; other identity headers are refused (P4).",
    "HEADER_SYNTAX": "Header names are case-insensitive and values are stripped of optional whitespace (RFC 9110); brokerID is a decimal integer (P1).",
    "AUTH_SYNTAX": "The Authorization header: `Bearer <token>` (RFC 6750 2.1).",
    "PERMISSION": "Authenticated, but the user lacks the permission for the resource: 403.",
    "BROKER_ID_ZEROS": "Acceptable: the guide says only that brokerID is an integer; the reference reads `012345` as 12345 (P1). Refusing leading zeros is also defensible.",
    "BEARER_CASE": "Acceptable: RFC 9110 11.1 makes the auth scheme case-insensitive, but a server written for `Bearer` alone may refuse `bearer`; the reference accepts it.",
    "BEARER_SPACES": "Acceptable: RFC 9110 11.4 allows 1*SP after the scheme; the reference accepts two spaces, a stricter server may refuse them.",
    "SECOND_LOGIN": "Acceptable: the guide does not say whether a new login ends the previous session; the reference keeps both alive (P-SECOND-LOGIN).",
    "USERNAME_CASE": "Acceptable: usernames are usually e-mail addresses, whose domain part is case-insensitive; the reference compares them byte for byte and refuses another case (P-USERNAME).",
    "LOGIN_BODY": "The shape of the 200 body of the login: a bare JSON string (P2, P-LOGIN-BODY).",
    "UNQUOTED_TOKEN": "Acceptable: a server that answers text/plain sends the token unquoted; the reference tolerates it when the text is a bare b64token and not itself JSON (P-LOGIN-BODY).",
    "ERROR_BODY": "The shape of an error body, which the guide does not document (P-ERROR-BODY).",
}

DECISIONS = {
    "P1": "Header names are the guide's xClientID, xClientSecret, brokerID and username, compared case-insensitively (RFC 9110 5.1); values are stripped of surrounding spaces and tabs; a header sent twice or sent empty fails like a missing one (401). brokerID is 1 to 18 ASCII digits, nothing else (no sign, no decimal point, no exponent); leading zeros are allowed and read as the same integer (`acceptable`); anything else is a failing level 2 (401).",
    "P2": "A login answers 200 with the token as a bare JSON string; any failing level answers 401 with the same body whichever level failed, so a caller cannot enumerate masters, brokers or users. The levels are checked in order: master (client id, then secret in constant time), broker (exists, belongs to that master, API access on), user (exists, belongs to that broker, API access on).",
    "P3": "A token is valid while now - last_activity < 30 minutes (1800 s); at exactly 30:00 it is expired, and an expired session is forgotten. Every request that passes authentication resets the timer, including one answered 403; a 401 (any level failing, a missing, malformed, unknown, expired or another identity's token) leaves it as it was.",
    "P4": "A token is bound to the (master, broker, user) of its login. Protected requests carry all three levels plus `Authorization: Bearer <token>`; the levels are checked against the directory as at login, then the token, which must be live and bound to exactly those levels, else 401. Tokens carry at least 128 random bits (the reference: 256 bits as 43 characters of unpadded base64url) and are compared in constant time; the reference stores only their SHA-256.",
    "P5": "The reference client logs in again before the inactivity limit (a configurable margin, 60 s by default) and retries a request once after a 401 with a fresh login; it never retries a 403.",
    "P-AUTH": "`Authorization: Bearer <token>` per RFC 6750 2.1: the scheme case-insensitive (`acceptable`), one or more spaces (more than one `acceptable`), then a b64token. A token in the query string is not accepted: the guide says to send it in the Authorization header and never in URLs.",
    "P-SECOND-LOGIN": "A second login of the same identity opens a second session and leaves the first alive (`acceptable`: ending it is defensible). The reference bounds live sessions per identity (16) and in all (100 000, then logins answer 503 rather than end live sessions); the vectors do not reach those bounds, which are the reference's, not the guide's.",
    "P-USERNAME": "Usernames are compared byte for byte, without case folding or Unicode normalisation (`acceptable` for another case of an e-mail address).",
    "P-ROUTES": "Which permission a resource needs is the server's business; each scenario lists its routes (method, path, permission). A user holding it gets 200, one lacking it 403.",
    "P-LOGIN-BODY": "The login body must be a JSON text (RFC 8259: whitespace around the value and escapes inside strings are fine) that is a string whose content is a b64token (RFC 6750) of at most 8192 bytes. Tolerated: the token unquoted (a text/plain answer), when the trimmed body is a b64token and is not itself JSON (`acceptable`). An object (the vendor's API reference describes a `sessionToken` member), an array, a number, null, a boolean, an empty body, other text, or a string that cannot travel in a Bearer header is MALFORMED_LOGIN_RESPONSE, whose message names what was found (member names, never values). A UTF-8 byte-order mark is not JSON and is refused.",
    "P-ERROR-BODY": "The guide documents no error body. The reference answers every 401 with the same JSON object and reads error bodies as: empty or whitespace (no code, no message); a JSON object whose `code` is a string or an integer (written in decimal) and whose message is the first present of `message`, `detail`, `title`, `error` (so RFC 9457 problem details read too), each a string when present and not null; a bare JSON string as the message. Other members are ignored; any other shape is MALFORMED_ERROR_BODY.",
}


class Cases:
    def __init__(self):
        self.cases = []
        self.counters = {}

    def add(self, op, comment, inp, expect, flags=()):
        n = self.counters.get(op, 0) + 1
        self.counters[op] = n
        for f in flags:
            assert f in FLAGS, f
        self.cases.append(
            {
                "id": f"{SCHEME}/{op}/{n:03d}",
                "op": op,
                "comment": comment,
                "flags": list(flags),
                "input": inp,
                "expect": expect,
            }
        )


def scenario(cases, comment, steps, want, flags=(), acceptable=False, want_reasons=None):
    inp = {"directory": DIRECTORY, "routes": ROUTES, "start": START, "steps": steps}
    statuses, reasons = run_scenario(inp)
    assert statuses == want, f"{comment}: the model gives {statuses} ({reasons}), the author {want}"
    if want_reasons is not None:
        assert reasons == want_reasons, f"{comment}: the model's reasons {reasons}, the author's {want_reasons}"
    if acceptable:
        expect = {"result": "acceptable", "reference": "valid", "output": {"statuses": statuses}}
    else:
        expect = {"result": "valid", "output": {"statuses": statuses}}
    cases.add("scenario", comment, inp, expect, flags)


def build_scenarios(c):
    L = "LEVEL_FAILURE"
    # --- logins ------------------------------------------------------------------------
    scenario(c, "A login with all three levels valid answers 200 with a token, which a protected request then uses.",
             [step(0, login()), step(1, use(0))], [200, 200], want_reasons=["LOGGED_IN", "OK"])
    scenario(c, "Level 1: an xClientID no master has.",
             [step(0, login(ids(client_id="network_zzz999")))], [401], [L], want_reasons=["MASTER_UNKNOWN"])
    scenario(c, "Level 1: the right xClientID with a wrong xClientSecret.",
             [step(0, login(ids(secret="secret_xyz780")))], [401], [L], want_reasons=["MASTER_SECRET_MISMATCH"])
    scenario(c, "Level 1: the xClientID of one master with the xClientSecret of another.",
             [step(0, login(ids(secret=M2_SECRET)))], [401], [L], want_reasons=["MASTER_SECRET_MISMATCH"])
    scenario(c, "Level 2: a brokerID no broker has.",
             [step(0, login(ids(broker="99999")))], [401], [L], want_reasons=["BROKER_UNKNOWN"])
    scenario(c, "Level 2: a broker of another master (22222 belongs to network_def456), with a user of that broker.",
             [step(0, login(ids(broker="22222", username=JOAO)))], [401], [L],
             want_reasons=["BROKER_OF_OTHER_MASTER"])
    scenario(c, "Level 2: a broker of the master whose API access is off.",
             [step(0, login(ids(broker="12346", username=EVA)))], [401], [L], want_reasons=["BROKER_API_ACCESS_OFF"])
    scenario(c, "Level 3: a username no broker has.",
             [step(0, login(ids(username="nobody@example.pt")))], [401], [L], want_reasons=["USER_UNKNOWN"])
    scenario(c, "Level 3: a user of another broker (joao belongs to 22222), presented under 12345.",
             [step(0, login(ids(username=JOAO)))], [401], [L], want_reasons=["USER_OF_OTHER_BROKER"])
    scenario(c, "Level 3: a user of the broker whose API access is off.",
             [step(0, login(ids(username=OFF)))], [401], [L], want_reasons=["USER_API_ACCESS_OFF"])
    scenario(c, "Levels 2 and 3 both fail (broker 12346 has API access off, and off@ is not its user): one 401 however many levels fail.",
             [step(0, login(ids(broker="12346", username=OFF)))], [401], [L], want_reasons=["BROKER_API_ACCESS_OFF"])
    bad_ids = ["12345abc", "-12345", "+12345", "12345.0", "1e4", "0x3039", "12 345", "1234567890123456789", ""]
    scenario(c, "brokerID is not a decimal integer (letters, a sign, a decimal point, an exponent, hex, an inner space, 19 digits, empty): 401 each.",
             [step(i, login(ids(broker=b))) for i, b in enumerate(bad_ids)], [401] * len(bad_ids), [L, "HEADER_SYNTAX"],
             want_reasons=["MALFORMED_BROKER_ID"] * 8 + ["MISSING_HEADER"])
    scenario(c, "brokerID with leading zeros reads as the same integer.",
             [step(0, login(ids(broker="012345"))), step(1, use(0))], [200, 200], ["BROKER_ID_ZEROS"], acceptable=True)
    scenario(c, "Optional whitespace around header values is not part of them: brokerID and username padded with spaces and tabs.",
             [step(0, login(ids(broker=" 12345\t", username=" " + ANA + " "))), step(1, use(0))], [200, 200], ["HEADER_SYNTAX"])
    lower = [[n.lower(), v] for n, v in ids()]
    upper = [[n.upper(), v] for n, v in ids()]
    mixed = [["XclientId", M1_ID], ["XCLIENTsecret", M1_SECRET], ["BrokerId", "12345"], ["UserName", ANA]]
    scenario(c, "Header names in lower, upper and mixed case, on the login and on protected requests (also `authorization`).",
             [step(0, login(lower)), step(1, call(upper + [["authorization", "Bearer " + tok(0)]])),
              step(2, login(mixed)), step(3, call(mixed + [["AUTHORIZATION", "Bearer " + tok(2)]]))],
             [200, 200, 200, 200], ["HEADER_SYNTAX"])
    full = ids()
    scenario(c, "Each of the four headers missing in turn: 401 each, and no session is opened.",
             [step(i, login([h for j, h in enumerate(full) if j != i])) for i in range(4)], [401] * 4, [L],
             want_reasons=["MISSING_HEADER"] * 4)
    scenario(c, "A header sent twice (username, same value both times; then xClientID with two values): 401.",
             [step(0, login(ids() + [["Username", ANA]])), step(1, login(ids() + [["xClientID", M2_ID]]))],
             [401, 401], [L, "HEADER_SYNTAX"], want_reasons=["DUPLICATE_HEADER", "DUPLICATE_HEADER"])
    scenario(c, "A header present but empty counts as missing.",
             [step(0, login(ids(username=""))), step(1, login(ids(client_id="  ")))], [401, 401], [L],
             want_reasons=["MISSING_HEADER", "MISSING_HEADER"])
    scenario(c, "Usernames are compared byte for byte: another case of the same e-mail address is another user.",
             [step(0, login(ids(username="Ana@Example.pt")))], [401], ["USERNAME_CASE"], acceptable=True,
             want_reasons=["USER_UNKNOWN"])
    # --- protected requests: the levels and the Authorization header ---------------------
    scenario(c, "A protected request with the identity headers but no Authorization header.",
             [step(0, login()), step(1, call(ids()))], [200, 401], [], want_reasons=["LOGGED_IN", "MISSING_AUTHORIZATION"])
    malformed = ["Token " + tok(0), "Bearer", "Bearer ", "Bearer" + tok(0), "Basic bmV0d29ya19hYmMxMjM6c2VjcmV0",
                 "Bearer " + tok(0) + " extra", "Bearer \"" + tok(0) + "\"", tok(0), "Bearer\t" + tok(0)]
    scenario(c, "Malformed Authorization values (another scheme, no token, no space, Basic, trailing text, a quoted token, the token alone, a tab): 401 each.",
             [step(0, login())] + [step(1 + i, call(ids() + [["Authorization", v]])) for i, v in enumerate(malformed)],
             [200] + [401] * len(malformed), ["AUTH_SYNTAX"])
    scenario(c, "The scheme `bearer` in lower case (RFC 9110: auth schemes are case-insensitive).",
             [step(0, login()), step(1, call(ids() + [bearer(0, scheme="bearer")]))], [200, 200], ["BEARER_CASE"],
             acceptable=True)
    scenario(c, "Two spaces between `Bearer` and the token (RFC 9110 allows 1*SP).",
             [step(0, login()), step(1, call(ids() + [bearer(0, sep="  ")]))], [200, 200], ["BEARER_SPACES"],
             acceptable=True)
    scenario(c, "Two Authorization headers, both with the live token: 401.",
             [step(0, login()), step(1, call(ids() + [bearer(0), bearer(0)]))], [200, 401], ["AUTH_SYNTAX"],
             want_reasons=["LOGGED_IN", "DUPLICATE_HEADER"])
    scenario(c, "A token no login issued, and the live token with one character added: 401 both.",
             [step(0, login()), step(1, call(ids() + [["Authorization", "Bearer " + "A" * 43]])),
              step(2, call(ids() + [["Authorization", "Bearer " + tok(0) + "A"]])), step(3, use(0))],
             [200, 401, 401, 200], [], want_reasons=["LOGGED_IN", "TOKEN_UNKNOWN", "TOKEN_UNKNOWN", "OK"])
    scenario(c, "The token in the query string instead of the Authorization header: 401 (the guide: never in URLs).",
             [step(0, login()), step(1, call(ids(), path=SIMULATIONS + "?access_token=" + tok(0)))], [200, 401],
             ["AUTH_SYNTAX"])
    scenario(c, "Protected requests need the three levels as well as the token: without the identity headers, 401.",
             [step(0, login()), step(1, call([bearer(0)]))], [200, 401], [L], want_reasons=["LOGGED_IN", "MISSING_HEADER"])
    scenario(c, "The live token with the right identity but a wrong xClientSecret: level 1 fails, 401.",
             [step(0, login()), step(1, call(ids(secret="secret_xyz780") + [bearer(0)]))], [200, 401], [L, "TOKEN_BINDING"])
    # --- binding -------------------------------------------------------------------------
    scenario(c, "A token presented with another username (rui, a valid user of the same broker): 401.",
             [step(0, login()), step(1, use(0, username=RUI))], [200, 401], ["TOKEN_BINDING"],
             want_reasons=["LOGGED_IN", "TOKEN_IDENTITY_MISMATCH"])
    scenario(c, "A token presented with another master's valid identity (network_def456, broker 22222, joao): 401.",
             [step(0, login()), step(1, use(0, client_id=M2_ID, secret=M2_SECRET, broker="22222", username=JOAO))],
             [200, 401], ["TOKEN_BINDING"], want_reasons=["LOGGED_IN", "TOKEN_IDENTITY_MISMATCH"])
    scenario(c, "Two users' tokens swapped: each is refused with the other's identity, and each works with its own.",
             [step(0, login()), step(1, login(ids(username=RUI))), step(2, use(1)), step(3, use(0, username=RUI)),
              step(4, use(0)), step(5, use(1, username=RUI))], [200, 200, 401, 401, 200, 200], ["TOKEN_BINDING"])
    scenario(c, "A token presented with a brokerID of the same master whose API access is off: level 2 fails, 401.",
             [step(0, login()), step(1, use(0, broker="12346"))], [200, 401], ["TOKEN_BINDING", L])
    # --- expiry --------------------------------------------------------------------------
    scenario(c, "A request 29:59 after the login is inside the limit.",
             [step(0, login()), step(1799, use(0))], [200, 200], ["SESSION_EXPIRY"])
    scenario(c, "A request exactly 30:00 after the login is expired; the token stays dead 1 s later.",
             [step(0, login()), step(1800, use(0)), step(1801, use(0))], [200, 401, 401], ["SESSION_EXPIRY"],
             want_reasons=["LOGGED_IN", "TOKEN_EXPIRED", "TOKEN_UNKNOWN"])
    scenario(c, "The timer slides: requests 29:59 apart keep the token alive for over an hour, then 30:00 of silence ends it.",
             [step(0, login()), step(1799, use(0)), step(3598, use(0)), step(5397, use(0)), step(7197, use(0))],
             [200, 200, 200, 200, 401], ["SESSION_EXPIRY", "TIMER_RESET"])
    scenario(c, "After expiry a new login gives a new token that works; the old one stays dead.",
             [step(0, login()), step(1800, use(0)), step(1800, login()), step(1801, use(2)), step(1802, use(0))],
             [200, 401, 200, 200, 401], ["SESSION_EXPIRY"])
    # --- what resets the timer -------------------------------------------------------------
    scenario(c, "A 403 resets the timer: rui is refused /processes at 16:40, then /simulations at 46:39 still works (29:59 after the 403).",
             [step(0, login(ids(username=RUI))), step(1000, use(0, path=PROCESSES, username=RUI)),
              step(2799, use(0, username=RUI))], [200, 403, 200], ["TIMER_RESET", "PERMISSION"],
             want_reasons=["LOGGED_IN", "PERMISSION_DENIED", "OK"])
    scenario(c, "A 403 resets the timer, and 30:00 after that 403 the token is expired.",
             [step(0, login(ids(username=RUI))), step(600, use(0, path=PROCESSES, username=RUI)),
              step(2400, use(0, username=RUI))], [200, 403, 401], ["TIMER_RESET", "SESSION_EXPIRY"],
             want_reasons=["LOGGED_IN", "PERMISSION_DENIED", "TOKEN_EXPIRED"])
    scenario(c, "A 401 does not reset the timer: the token with another username at 16:40 is refused, and at 30:00 the token is expired.",
             [step(0, login()), step(1000, use(0, username=RUI)), step(1800, use(0))], [200, 401, 401],
             ["TIMER_RESET", "TOKEN_BINDING"], want_reasons=["LOGGED_IN", "TOKEN_IDENTITY_MISMATCH", "TOKEN_EXPIRED"])
    scenario(c, "A 401 for a wrong secret does not reset the timer either; a request at 29:59 shows the token was alive.",
             [step(0, login()), step(1000, use(0, secret="wrong")), step(1799, use(0)), step(3598, use(0)),
              step(5398, use(0))], [200, 401, 200, 200, 401], ["TIMER_RESET"])
    scenario(c, "A 401 for a missing Authorization header does not move the timer of the session.",
             [step(0, login()), step(1500, call(ids())), step(1800, use(0))], [200, 401, 401], ["TIMER_RESET"])
    # --- second login, permissions --------------------------------------------------------------
    scenario(c, "A second login while the first token lives gives a second token, which works.",
             [step(0, login()), step(60, login()), step(120, use(1))], [200, 200, 200], [])
    scenario(c, "The first token still works after a second login of the same identity.",
             [step(0, login()), step(60, login()), step(120, use(0)), step(121, use(1))], [200, 200, 200, 200],
             ["SECOND_LOGIN"], acceptable=True)
    scenario(c, "Two live sessions of one identity expire independently, each 30:00 after its own last activity.",
             [step(0, login()), step(600, login()), step(1800, use(0)), step(2399, use(1)), step(4198, use(1)),
              step(5998, use(1))], [200, 200, 401, 200, 200, 401], ["SECOND_LOGIN", "SESSION_EXPIRY"], acceptable=True)
    scenario(c, "Permissions: ana may read processes, rui may not (403), and nobody may POST proposals (403).",
             [step(0, login()), step(1, login(ids(username=RUI))), step(2, use(0, path=PROCESSES)),
              step(3, use(1, path=PROCESSES, username=RUI)),
              step(4, call(ids() + [bearer(0)], path=PROPOSALS, method="POST", body='{"amount":100000}'))],
             [200, 200, 200, 403, 403], ["PERMISSION"])
    scenario(c, "A login carrying an Authorization header too is still a login (the header is ignored) and opens a new session.",
             [step(0, login()), step(1, login(ids() + [bearer(0)])), step(2, use(1))], [200, 200, 200], [])
    scenario(c, "A failed login opens no session and does not end a live one.",
             [step(0, login()), step(10, login(ids(secret="wrong"))), step(20, use(0))], [200, 401, 200], [L])


def build_login_body_cases(c):
    jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbmFAZXhhbXBsZS5wdCJ9.c2lnbmF0dXJlLWJ5dGVz"
    opaque = "q7Vh2mJ0cXy6wq3P9VbR1uTz8sKpLd4NfEoYgHaBjCi"

    def add(comment, body, flags=("LOGIN_BODY",), acceptable=False):
        result = parse_login(body)
        if acceptable:
            assert result[0] == "valid"
            expect = {"result": "acceptable", "reference": "valid", "output": result[1]}
        elif result[0] == "valid":
            expect = {"result": "valid", "output": result[1]}
        else:
            expect = {"result": "invalid", "error": result[1]}
        c.add("parse-login-response", comment, {"body": body}, expect, list(flags))

    add("The guide's shape: the token as a bare JSON string (a JWT, as the vendor's example).", json.dumps(jwt))
    add("An opaque base64url token as a bare JSON string.", json.dumps(opaque))
    add("Whitespace around the JSON string (RFC 8259 allows it), with a trailing CR LF.", " \t" + json.dumps(opaque) + "\r\n")
    add("A JSON escape inside the string is decoded (\\u0065 is e).", '"\\u0065yJhbGciOiJIUzI1NiJ9.e30.c2ln"')
    add("A token ending in base64 padding.", '"YWJjZA=="')
    add("An object with `sessionToken` (the vendor's API reference page) is not the guide's bare string.",
        json.dumps({"sessionToken": jwt}))
    add("An object with `token`.", json.dumps({"token": opaque, "expiresIn": 1800}))
    add("An empty object.", "{}")
    add("An array holding the token.", json.dumps([opaque]))
    add("A number.", "12345")
    add("JSON null.", "null")
    add("An empty body.", "")
    add("Whitespace only.", " \r\n")
    add("An empty JSON string.", '""')
    add("A JSON string with a space inside cannot travel in `Authorization: Bearer`.", '"abc def"')
    add("A JSON string with a quote inside.", '"abc\\"def"')
    add("A JSON string with non-ASCII text.", '"t\u00f3ken"')
    add("An HTML error page answered with 200.", "<html><body>Login</body></html>")
    add("Two JSON strings.", '"abc" "def"')
    add("A UTF-8 byte-order mark before the JSON string (not JSON).", "\ufeff" + json.dumps(opaque))
    add("A string longer than 8192 bytes.", json.dumps("A" * 8193))
    add("A string of exactly 8192 bytes.", json.dumps("A" * 8192))
    add("The token unquoted, as a text/plain answer.", jwt, ("UNQUOTED_TOKEN",), acceptable=True)
    add("The token unquoted with a trailing newline.", opaque + "\n", ("UNQUOTED_TOKEN",), acceptable=True)
    add("Unquoted text that is also JSON (`true`) is JSON first: a boolean, refused.", "true")


def build_error_body_cases(c):
    def add(comment, status, body):
        result = parse_error(status, body)
        if result[0] == "valid":
            expect = {"result": "valid", "output": result[1]}
        else:
            expect = {"result": "invalid", "error": result[1]}
        c.add("parse-error-body", comment, {"status": status, "body": body}, expect, ["ERROR_BODY"])

    add("The reference's 401 body: the same for every failing level.", 401,
        '{"status":401,"message":"Unauthorized: authentication failed; call POST /API/partnersPortal/authentication again"}')
    add("The reference's 403 body.", 403, '{"status":403,"message":"Forbidden: the user lacks permission for this resource"}')
    add("An empty body.", 401, "")
    add("Whitespace only.", 401, "\r\n")
    add("A six-digit string code with a message (the vendor's status-code convention).", 400,
        '{"code":"010101","message":"Simulation amount is required"}')
    add("An integer code is read as its decimal text.", 401, '{"code":401,"message":"Invalid token"}')
    add("RFC 9457 problem details (an ASP.NET Core default): the title is the message.", 401,
        '{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.2","title":"Unauthorized","status":401,"traceId":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}')
    add("`detail` is preferred to `title`.", 403, '{"title":"Forbidden","detail":"Missing permission processes.read"}')
    add("`message` null falls through to `error`.", 401, '{"message":null,"error":"invalid_token"}')
    add("A bare JSON string is the message.", 401, '"Invalid credentials"')
    add("`message` that is not a string.", 401, '{"message":5}')
    add("`code` that is a fraction.", 400, '{"code":1.5}')
    add("`code` that is a boolean.", 400, '{"code":true}')
    add("An array.", 401, "[1,2]")
    add("Text that is not JSON.", 401, "<html><body>401 Unauthorized</body></html>")
    add("A negative integer code.", 400, '{"code":-7}')


def build_doc():
    c = Cases()
    build_scenarios(c)
    build_login_body_cases(c)
    build_error_body_cases(c)
    used = sorted({f for case in c.cases for f in case["flags"]})
    assert set(used) == set(FLAGS), f"unused flags: {set(FLAGS) - set(used)}"
    return {
        "scheme": SCHEME,
        "formatVersion": 1,
        "description": "Partners portal three-level authentication with a bearer session: login scenarios (the three "
        "identification levels failing in every way), protected requests with the bearer token (binding to the identity, "
        "the 30-minute sliding inactivity limit, what resets it), and the parsers of the login response and of error "
        "bodies. Scenario steps name the token an earlier step's login returned as {{token:N}}.",
        "sources": [SPEC, URL_GUIDE, URL_RFC6750, URL_RFC9110, URL_RFC8259, URL_RFC9457],
        "flags": FLAGS,
        "decisions": DECISIONS,
        "cases": c.cases,
    }


def self_check(doc):
    ids_seen = set()
    for case in doc["cases"]:
        assert case["id"] not in ids_seen
        ids_seen.add(case["id"])
        if case["expect"]["result"] == "acceptable":
            assert case["flags"], case["id"]
        if case["op"] == "scenario":
            statuses, _ = run_scenario(case["input"])
            assert statuses == case["expect"]["output"]["statuses"], case["id"]
            for s in case["input"]["steps"]:
                for n, v in s["request"]["headers"]:
                    assert "\r" not in v and "\n" not in v
    counts = {}
    for case in doc["cases"]:
        counts[case["op"]] = counts.get(case["op"], 0) + 1
    assert counts["scenario"] >= 40, counts


def render_doc(doc):
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the file on disk differs from what would be written")
    args = ap.parse_args(argv)
    doc = build_doc()
    self_check(doc)
    want = render_doc(doc)
    path = VECTORS_DIR / FILE_NAME
    if args.check:
        try:
            have = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            have = None
        if have != want:
            print(f"vectors/{FILE_NAME} differs from what generators/partners_portal.py would write", file=sys.stderr)
            return 1
        return 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(want)
    return 0


if __name__ == "__main__":
    sys.exit(main())
