"""Partners portal three-level identification with a bearer session
(slug ``partners-portal``).

Written from the vendor's authentication guide and the project's decisions P1-P5
(with P-AUTH, P-SECOND-LOGIN, P-USERNAME, P-ROUTES, P-LOGIN-BODY, P-ERROR-BODY).
Every request names a master (``xClientID`` + ``xClientSecret``), a broker of that
master with API access (``brokerID``, an integer) and a user of that broker with API
access (``username``). ``POST /API/partnersPortal/authentication`` answers 200 with a
bearer token as a bare JSON string; protected requests carry the three levels and
``Authorization: Bearer <token>``. A token lasts 30 minutes of inactivity; each
authenticated request resets the timer.

Ops: ``scenario`` (a timed sequence of requests against a server model, answering
the HTTP status of each), ``parse-login-response``, ``parse-error-body``.
"""

import hmac
import json
import re
import secrets

from ._util import MALFORMED_INPUT, Fail, b64_input, is_int, need_object

MALFORMED_LOGIN_RESPONSE = "MALFORMED_LOGIN_RESPONSE"
MALFORMED_ERROR_BODY = "MALFORMED_ERROR_BODY"

LOGIN_METHOD = "POST"
LOGIN_PATH = "/API/partnersPortal/authentication"
INACTIVITY_SECONDS = 30 * 60  # P3: valid while now - last_activity < 1800
MAX_TOKEN_BYTES = 8192  # P-LOGIN-BODY

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# P1: brokerID is 1 to 18 ASCII digits (leading zeros read as the same integer).
_BROKER_ID_RE = re.compile(r"[0-9]{1,18}")
# RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN_RE = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# P-AUTH: the scheme (any case), one or more spaces, the token; nothing else.
_BEARER_RE = re.compile(r"([Bb][Ee][Aa][Rr][Ee][Rr]) +(\S+)")
_JSON_WS = " \t\r\n"


def _lower(text):
    return text.translate(_ASCII_LOWER)


def _trim_ows(text):
    return text.strip(" \t")


# ---------------------------------------------------------------- the directory

class _Directory:
    """masters -> brokers -> users, each with its API-access flag and permissions."""

    def __init__(self, raw):
        raw = need_object(raw, "directory")
        masters = raw.get("masters", [])
        if not isinstance(masters, list):
            raise Fail(MALFORMED_INPUT, "directory.masters must be a list")
        self.masters = []
        for master in masters:
            master = need_object(master, "a directory master")
            client_id, secret = master.get("client_id"), master.get("client_secret")
            if not isinstance(client_id, str) or not isinstance(secret, str):
                raise Fail(MALFORMED_INPUT, "each master needs a string client_id and client_secret")
            brokers = []
            for broker in _list(master.get("brokers", []), "masters[].brokers"):
                broker = need_object(broker, "a directory broker")
                broker_id = broker.get("broker_id")
                if not is_int(broker_id):
                    raise Fail(MALFORMED_INPUT, "brokers[].broker_id must be an integer")
                users = []
                for user in _list(broker.get("users", []), "brokers[].users"):
                    user = need_object(user, "a directory user")
                    username = user.get("username")
                    permissions = _list(user.get("permissions", []), "users[].permissions")
                    if not isinstance(username, str) or not all(isinstance(p, str) for p in permissions):
                        raise Fail(MALFORMED_INPUT, "each user needs a string username and string permissions")
                    users.append((username, _flag(user, "api_access"), frozenset(permissions)))
                brokers.append((broker_id, _flag(broker, "api_access"), users))
            self.masters.append((client_id, secret, brokers))

    def identify(self, client_id, client_secret, broker_text, username):
        """P2 order: master (client id, then secret in constant time), broker (exists
        under that master, API access), user (exists under that broker, API access).
        Returns (identity, permissions) or None: which level failed is never told."""
        master = next((m for m in self.masters if m[0] == client_id), None)
        if master is None:
            return None
        if not hmac.compare_digest(master[1].encode("utf-8", "surrogatepass"),
                                   client_secret.encode("utf-8", "surrogatepass")):
            return None
        if not _BROKER_ID_RE.fullmatch(broker_text):
            return None
        broker_id = int(broker_text)
        broker = next((b for b in master[2] if b[0] == broker_id), None)
        if broker is None or not broker[1]:
            return None
        # P-USERNAME: byte for byte, no case folding, no normalisation.
        user = next((u for u in broker[2] if u[0] == username), None)
        if user is None or not user[1]:
            return None
        return (client_id, broker_id, username), user[2]


def _list(value, what):
    if not isinstance(value, list):
        raise Fail(MALFORMED_INPUT, f"{what} must be a list")
    return value


def _flag(obj, name):
    value = obj.get(name, False)
    if not isinstance(value, bool):
        raise Fail(MALFORMED_INPUT, f"{name} must be a boolean")
    return value


def _routes(raw):
    routes = {}
    for route in _list(raw if raw is not None else [], "routes"):
        route = need_object(route, "a route")
        method, path, permission = route.get("method"), route.get("path"), route.get("permission")
        if not all(isinstance(v, str) for v in (method, path, permission)):
            raise Fail(MALFORMED_INPUT, "each route needs a string method, path and permission")
        routes.setdefault((method, path), permission)
    return routes


# ---------------------------------------------------------------- one request

def _headers(raw):
    if not isinstance(raw, list):
        raise Fail(MALFORMED_INPUT, "request.headers must be a list of [name, value] pairs")
    out = []
    for pair in raw:
        if (not isinstance(pair, list) or len(pair) != 2
                or not isinstance(pair[0], str) or not isinstance(pair[1], str)):
            raise Fail(MALFORMED_INPUT, "each header must be a [name, value] pair of strings")
        out.append((_lower(pair[0]), pair[1]))
    return out


def _single(headers, name):
    """P1: the one OWS-trimmed, non-empty value of ``name``, or None (absent, empty
    or sent more than once all fail like a missing header)."""
    values = [_trim_ows(v) for n, v in headers if n == name]
    if len(values) != 1 or values[0] == "":
        return None
    return values[0]


def _levels(headers, directory):
    fields = [_single(headers, n) for n in ("xclientid", "xclientsecret", "brokerid", "username")]
    if any(f is None for f in fields):
        return None
    return directory.identify(*fields)


def _bearer(headers):
    """P-AUTH: the token of the one Authorization header, or None."""
    value = _single(headers, "authorization")
    if value is None:
        return None
    m = _BEARER_RE.fullmatch(value)
    if m is None or not _B64TOKEN_RE.fullmatch(m.group(2)):
        return None
    return m.group(2)


class _Server:
    def __init__(self, directory, routes):
        self.directory = directory
        self.routes = routes
        self.sessions = {}  # token -> [identity, last_activity]

    def login(self, headers, now):
        """(status, token or None). An Authorization header on a login is ignored."""
        found = _levels(headers, self.directory)
        if found is None:
            return 401, None
        # P4: at least 128 random bits; here 256 bits as unpadded base64url.
        token = secrets.token_urlsafe(32)
        self.sessions[token] = [found[0], now]
        return 200, token

    def protected(self, method, path, headers, now):
        found = _levels(headers, self.directory)
        if found is None:
            return 401
        identity, permissions = found
        token = _bearer(headers)
        if token is None:
            return 401
        session = self._session(token)
        if session is None:
            return 401
        if now - session[1] >= INACTIVITY_SECONDS:
            del self.sessions[session[2]]  # P3: an expired session is forgotten
            return 401
        if session[0] != identity:
            return 401  # P4: bound to the (master, broker, user) of its login
        session[3][1] = now  # P3: authenticated (200 or 403) resets the timer
        permission = self.routes.get((method, path))
        if permission is None:
            return 404
        return 200 if permission in permissions else 403

    def _session(self, presented):
        """The live session of ``presented``, compared in constant time."""
        hit = None
        for token, entry in self.sessions.items():
            if hmac.compare_digest(token.encode("ascii"), presented.encode("ascii")):
                hit = (entry[0], entry[1], token, entry)
        return hit


_TOKEN_REF_RE = re.compile(r"\{\{token:([0-9]+)\}\}")


def op_scenario(inp):
    directory = _Directory(inp.get("directory"))
    server = _Server(directory, _routes(inp.get("routes")))
    start = inp.get("start", 0)
    if not is_int(start):
        raise Fail(MALFORMED_INPUT, "start must be an integer (Unix seconds)")
    steps = _list(inp.get("steps"), "steps")
    tokens = {}  # step index -> the token its login returned
    statuses = []

    def substitute(text):
        def one(m):
            index = int(m.group(1))
            if index not in tokens:
                raise Fail(MALFORMED_INPUT, f"{{{{token:{index}}}}} names a step that returned no token")
            return tokens[index]
        return _TOKEN_REF_RE.sub(one, text)

    for index, step in enumerate(steps):
        step = need_object(step, "a step")
        at = step.get("at")
        if not is_int(at):
            raise Fail(MALFORMED_INPUT, "steps[].at must be an integer (seconds after start)")
        now = start + at
        request = need_object(step.get("request"), "steps[].request")
        method, target = request.get("method"), request.get("target")
        if not isinstance(method, str) or not isinstance(target, str):
            raise Fail(MALFORMED_INPUT, "request.method and request.target must be strings")
        target = substitute(target)
        headers = [(n, substitute(v)) for n, v in _headers(request.get("headers", []))]
        path = target.split("?", 1)[0]  # a token in the query is never read (P-AUTH)
        if method == LOGIN_METHOD and path == LOGIN_PATH:
            status, token = server.login(headers, now)
            if token is not None:
                tokens[index] = token
        else:
            status = server.protected(method, path, headers, now)
        statuses.append(status)
    return {"statuses": statuses}


# ---------------------------------------------------------------- parsers

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


def _json(text):
    """(True, value) if ``text`` is one JSON text (RFC 8259), else (False, None)."""
    try:
        return True, json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return False, None


def _kind(value):
    if isinstance(value, dict):
        names = ", ".join(sorted(value)) or "none"
        return f"an object (members: {names})"
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string"


def _usable_token(token):
    return (_B64TOKEN_RE.fullmatch(token) is not None
            and len(token.encode("utf-8", "surrogatepass")) <= MAX_TOKEN_BYTES)


def op_parse_login_response(inp):
    """P-LOGIN-BODY: a JSON string holding a b64token of at most 8192 bytes; an
    unquoted b64token that is not itself JSON is tolerated."""
    text = _body_text(inp, MALFORMED_LOGIN_RESPONSE)
    ok, value = _json(text)
    if ok:
        if not isinstance(value, str):
            raise Fail(MALFORMED_LOGIN_RESPONSE, f"the login body is {_kind(value)}, not a JSON string")
        if not _usable_token(value):
            raise Fail(MALFORMED_LOGIN_RESPONSE,
                       "the token is empty, longer than 8192 bytes or not a b64token (RFC 6750)")
        return {"token": value}
    bare = text.strip(_JSON_WS)
    if bare and _usable_token(bare):
        return {"token": bare}
    raise Fail(MALFORMED_LOGIN_RESPONSE, "the login body is neither JSON nor a bare token")


_MESSAGE_MEMBERS = ("message", "detail", "title", "error")


def op_parse_error_body(inp):
    """P-ERROR-BODY."""
    status = inp.get("status")
    if not is_int(status):
        raise Fail(MALFORMED_INPUT, "status must be an integer")
    text = _body_text(inp, MALFORMED_ERROR_BODY)
    if text.strip(_JSON_WS) == "":
        return {"status": status, "code": None, "message": None}
    ok, value = _json(text)
    if not ok:
        raise Fail(MALFORMED_ERROR_BODY, "the error body is not JSON")
    if isinstance(value, str):
        return {"status": status, "code": None, "message": value}
    if not isinstance(value, dict):
        raise Fail(MALFORMED_ERROR_BODY, f"the error body is {_kind(value)}")
    code = value.get("code")
    if code is None:
        pass
    elif is_int(code):
        code = str(code)
    elif not isinstance(code, str):
        raise Fail(MALFORMED_ERROR_BODY, f"code is {_kind(code)}, not a string or an integer")
    message = None
    for name in _MESSAGE_MEMBERS:
        member = value.get(name)
        if member is None:
            continue
        if not isinstance(member, str):
            raise Fail(MALFORMED_ERROR_BODY, f"{name} is {_kind(member)}, not a string")
        if message is None:
            message = member
    return {"status": status, "code": code, "message": message}


SCHEMES = {
    "partners-portal": {
        "scenario": op_scenario,
        "parse-login-response": op_parse_login_response,
        "parse-error-body": op_parse_error_body,
    },
}
