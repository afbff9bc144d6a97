#!/usr/bin/env python3
"""A small, correct server for `partner-auth probe`, written from the vendors' pages
only (Python standard library, no code shared with the Rust reference).

It serves what `partner-auth serve` serves to the probe, with the same demo
credentials and routes, and answers in the vendors' own envelopes and error texts
(no `X-Partner-Auth-Error` header: a real server names no code):

- HMAC-SHA256 under `/api/v1/partner/` (`GET .../constants/countries`,
  `POST .../leads`): `{"version":"2.0.0","timestamp":<ms>,"success":…,"code":…,
  "message":…,"data":…}`, GA codes from the page's "Common Errors" table, 401 (403 for
  GA2021/GA2022), window ±60 s of the server's clock.
- Sign-Up.to PMAPI under `/v1/`: Hash, Partner Hash and Token, told apart by the
  `Authorization` scheme; `POST /v1/token` issues tokens. Refusals are
  `{"status":"error","response":{"message":…,"code":401,"subcode":null,
  "additional_information":…}}`, a bad signature with the message `Bad signature` and
  the canonical string without its key line (as the real server answers).

tests/mutants/server/variants.json patches this file to make the buggy variants that
tests/mutants/server_score.py runs the probe against.

    python3 server.py [--port N]   # prints "listening on http://127.0.0.1:N"
"""

import base64
import email.utils
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# ---------------------------------------------------------------- bounds

MAX_BODY = 1 << 20  # bytes of request body read at most
SOCKET_TIMEOUT = 10  # seconds a connection may stay silent
MAX_NONCES = 100_000  # nonces remembered at most (refuse rather than forget)
MAX_TOKENS = 1_000  # unexpired tokens held at most
TOKEN_LIFETIME = 3600  # seconds

# ---------------------------------------------------------------- demo credentials

HMAC_KEYS = {
    # api key: (secret, enabled)
    "pk_demo_4f1c2b7e": (b"sk_demo_9a8b7c6d5e4f3a2b1c0d", True),
    "pk_demo_disabled": (b"sk_demo_9a8b7c6d5e4f3a2b1c0d", False),
}
HASH_KEYS = {7654321: "2b2d77e014a30792d5048e262e306783"}  # company id: company key
HASH_USERS = {7654321: {23456789}}
PARTNER_KEYS = {4567: "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ"}  # partner id: key
LOGIN = ("demo@example.com", "demo-password", 7654321, 23456789)

HMAC_WINDOW = 60  # the page: "must be within ±60s of server time"
SUT_WINDOW = 900  # Sign-Up.to documents no window; the sandbox's default

ID_RE = re.compile(r"[0-9]{1,18}")
NONCE_RE = re.compile(r"[\x21-\x7e]{1,40}")
TOKEN_RE = re.compile(r"[A-Za-z0-9+/]{96}")
TIMESTAMP_RE = re.compile(r"[0-9]{1,18}")


class Nonces:
    """Nonces seen, each until its expiry; full means refuse."""

    def __init__(self):
        self.lock = threading.Lock()
        self.seen = {}

    def add(self, key, expiry, now):
        with self.lock:
            if len(self.seen) >= MAX_NONCES:
                self.seen = {k: e for k, e in self.seen.items() if e >= now}
            if key in self.seen and self.seen[key] >= now:
                return False
            if len(self.seen) >= MAX_NONCES:
                return False
            self.seen[key] = expiry
            return True


NONCES = Nonces()
TOKENS = {}  # token: (expiry, cid, uid)
TOKENS_LOCK = threading.Lock()


# ---------------------------------------------------------------- HMAC-SHA256

HMAC_MESSAGES = {
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


def hmac_envelope(success, code, message, data):
    return {
        "version": "2.0.0",
        "timestamp": int(time.time() * 1000),
        "success": success,
        "code": code,
        "message": message,
        "data": data,
    }


def hmac_refuse(code):
    status, message = HMAC_MESSAGES[code]
    return status, hmac_envelope(False, code, message, None)


def hmac_verify(method, target, headers, body):
    """The page's checks; returns (status, envelope)."""
    api_key = headers.get("X-Api-Key")
    if api_key is None:
        return hmac_refuse("GA2001")
    auth = headers.get("Authorization")
    if auth is None:
        return hmac_refuse("GA2002")
    ts = headers.get("X-Timestamp")
    if ts is None:
        return hmac_refuse("GA2003")
    nonce = headers.get("X-Nonce")
    if nonce is None:
        return hmac_refuse("GA2004")
    key = HMAC_KEYS.get(api_key)
    if key is None:
        return hmac_refuse("GA2011")
    secret, enabled = key
    if not enabled:
        return hmac_refuse("GA2021")
    now = int(time.time())
    if not TIMESTAMP_RE.fullmatch(ts):
        return hmac_refuse("GA2013")
    skew = int(ts) - now
    if abs(skew) > HMAC_WINDOW:
        return hmac_refuse("GA2013")
    if not auth.startswith("HMAC-SHA256 "):
        return hmac_refuse("GA2012")
    presented = auth[len("HMAC-SHA256 "):]
    path = target.split("?", 1)[0]
    signed_body = body
    message = f"{method}\n{path}\n{ts}\n{nonce}\n".encode("utf-8") + signed_body
    expected = base64.b64encode(hmac.new(secret, message, hashlib.sha256).digest()).decode("ascii")
    if not hmac.compare_digest(presented.encode("utf-8"), expected.encode("ascii")):
        return hmac_refuse("GA2012")
    if not NONCES.add(("hmac", api_key, nonce), now + HMAC_WINDOW, now):
        return hmac_refuse("GA2014")
    if method == "POST":
        data = {"id": 1, "status": "received"}
    else:
        data = [{"code": "PT", "name": "Portugal"}, {"code": "ES", "name": "Spain"}]
    return 200, hmac_envelope(True, "2000", "OK", data)


# ---------------------------------------------------------------- Sign-Up.to

class Refused(Exception):
    def __init__(self, message, info=None):
        super().__init__(message)
        self.message = message
        self.info = info


def sut_refuse(message, info=None):
    raise Refused(message, info)


def sut_error(status, message, info=None):
    return status, {
        "status": "error",
        "response": {"message": message, "code": status, "subcode": None, "additional_information": info},
    }


def sut_ok(data):
    return 200, {"status": "ok", "response": {"data": data, "count": 1, "next": None}}


def read_id(headers, name):
    value = headers.get(name)
    if value is None:
        return None
    if not ID_RE.fullmatch(value):
        sut_refuse(f"Invalid {name}")
    return int(value)


def check_date(headers, now):
    date = headers.get("Date")
    if date is None:
        sut_refuse("Missing Date header")
    try:
        signed_at = email.utils.parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        sut_refuse("Invalid Date header")
    if abs(signed_at - now) > SUT_WINDOW:
        sut_refuse("Date outside the allowed window")


def sut_hash(variant, method, target, headers, credentials):
    """Hash (company key) and Partner Hash (partner key)."""
    now = time.time()
    match = re.fullmatch(r'signature="([0-9A-Fa-f]{40})"', credentials)
    if match is None:
        sut_refuse("Malformed Authorization header")
    presented = match.group(1)
    pid = read_id(headers, "X-SuT-PID") if variant == "partner" else None
    cid = read_id(headers, "X-SuT-CID")
    uid = read_id(headers, "X-SuT-UID")
    nonce = headers.get("X-SuT-Nonce")
    if variant == "partner" and pid is None:
        sut_refuse("Missing X-SuT-PID header")
    requires_uid = variant == "hash"
    if variant == "hash" and cid is None:
        sut_refuse("Missing X-SuT-CID header")
    if requires_uid and uid is None:
        sut_refuse("Missing X-SuT-UID header")
    if uid is not None and cid is None:
        sut_refuse("X-SuT-UID given without X-SuT-CID")
    if nonce is None:
        sut_refuse("Missing X-SuT-Nonce header")
    if not NONCE_RE.fullmatch(nonce):
        sut_refuse("Invalid X-SuT-Nonce header")
    if variant == "partner":
        key = PARTNER_KEYS.get(pid)
    else:
        key = HASH_KEYS.get(cid)
    if key is None:
        sut_refuse("Unknown credentials")
    check_date(headers, now)
    lines = [f"{method} {target.split('?', 1)[0]}", f"Date: {headers.get('Date')}"]
    for name, value in (("X-SuT-PID", pid), ("X-SuT-CID", cid), ("X-SuT-UID", uid)):
        if value is not None:
            lines.append(f"{name}: {headers.get(name)}")
    lines.append(f"X-SuT-Nonce: {nonce}")
    canonical = "\r\n".join(lines)
    expected = hashlib.sha1((canonical + "\r\n" + key).encode("utf-8")).hexdigest()
    if not hmac.compare_digest(presented.lower(), expected):
        sut_refuse("Bad signature", canonical)
    if not NONCES.add((variant, pid or cid, nonce), now + SUT_WINDOW, now):
        sut_refuse("Nonce already used")
    item = {"scheme": "signupto-" + ("partner-hash" if variant == "partner" else "hash"), "method": method}
    for name, value in (("pid", pid), ("cid", cid), ("uid", uid)):
        if value is not None:
            item[name] = value
    return sut_ok([item])


def sut_token_auth(method, target, headers, token):
    now = time.time()
    with TOKENS_LOCK:
        found = TOKENS.get(token)
    if not TOKEN_RE.fullmatch(token) or found is None:
        sut_refuse("Invalid token")
    expiry, cid, uid = found
    if expiry < now:
        sut_refuse("Token expired")
    # The Token page requires neither a Date nor a nonce; when sent, they are checked.
    if headers.get("Date") is not None:
        check_date(headers, now)
    nonce = headers.get("X-SuT-Nonce")
    if nonce is not None and not NONCES.add(("token", token, nonce), now + SUT_WINDOW, now):
        sut_refuse("Nonce already used")
    return sut_ok([{"scheme": "signupto-token", "method": method, "cid": cid, "uid": uid}])


def sut_token_issue(body):
    try:
        login = json.loads(body)
        username, password = login["username"], login["password"]
    except (ValueError, KeyError, TypeError):
        return sut_error(400, "The body must be {\"username\": …, \"password\": …}")
    user_ok = hmac.compare_digest(hashlib.sha256(str(username).encode()).digest(), hashlib.sha256(LOGIN[0].encode()).digest())
    pass_ok = hmac.compare_digest(hashlib.sha256(str(password).encode()).digest(), hashlib.sha256(LOGIN[1].encode()).digest())
    if not (user_ok and pass_ok):
        return sut_error(401, "Invalid username or password")
    now = time.time()
    token = base64.b64encode(os.urandom(72)).decode("ascii")
    expiry = int(now) + TOKEN_LIFETIME
    with TOKENS_LOCK:
        for t in [t for t, v in TOKENS.items() if v[0] < now]:
            del TOKENS[t]
        if len(TOKENS) >= MAX_TOKENS:
            return sut_error(503, "Too many tokens")
        TOKENS[token] = (expiry, LOGIN[2], LOGIN[3])
    return sut_ok({"token": token, "expiry": expiry})


def sut(method, target, headers, body):
    if target.split("?", 1)[0] == "/v1/token":
        if method != "POST":
            return sut_error(405, "Use POST /v1/token")
        return sut_token_issue(body)
    auth = headers.get("Authorization")
    try:
        if auth is None:
            sut_refuse("Missing Authorization header")
        scheme, _, credentials = auth.partition(" ")
        if scheme == "SuTHash":
            return sut_hash("hash", method, target, headers, credentials)
        if scheme == "SuTPartner":
            return sut_hash("partner", method, target, headers, credentials)
        if scheme == "SuTToken":
            return sut_token_auth(method, target, headers, credentials)
        sut_refuse("Unknown authorization scheme")
    except Refused as r:
        return sut_error(401, r.message, r.info)


# ---------------------------------------------------------------- HTTP

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT

    def log_message(self, *args):
        pass

    def answer(self, status, doc):
        payload = json.dumps(doc).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def handle_any(self):
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            self.close_connection = True
            return self.answer(413, {"status": "error", "message": "body too large"})
        body = self.rfile.read(int(length))
        target = self.path
        if target.startswith("/api/v1/partner/"):
            status, doc = hmac_verify(self.command, target, self.headers, body)
        elif target.startswith("/v1/"):
            status, doc = sut(self.command, target, self.headers, body)
        else:
            status, doc = 404, {"status": "error", "message": "not found"}
        self.answer(status, doc)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any


def main():
    port = 0
    args = sys.argv[1:]
    if args[:1] == ["--port"] and len(args) == 2 and args[1].isdigit():
        port = int(args[1])
    elif args:
        sys.exit("usage: server.py [--port N]")
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
