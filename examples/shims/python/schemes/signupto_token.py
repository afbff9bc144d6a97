"""Sign-Up.to PMAPI "Token" v1.2 (slug ``signupto-token``).

``POST /v1/token`` with ``{"username":…,"password":…}`` answers ``data.token`` (96
characters of the Base64 alphabet) and ``data.expiry`` (Unix seconds); requests then
carry Date, X-SuT-Nonce and ``Authorization: SuTToken <token>`` (S-TOKEN,
S-TOKEN-AUTH, S-TOKEN-ORDER, S-TOKEN-REQUEST).
"""

import hmac
import json

from ._util import MALFORMED_INPUT, Fail, is_int, need_object
from .signupto_common import (
    MALFORMED_DATE, MALFORMED_NONCE, MALFORMED_RESPONSE, MALFORMED_TOKEN, NONCE_REPLAYED, check_date, check_nonce,
    check_window, op_parse_authorization, op_parse_response, parse_envelope,
    read_authorization, read_clock, read_date, read_nonce, read_request,
    read_state_nonces, token_ok,
)

TOKEN_REFUSED = "TOKEN_REFUSED"
UNKNOWN_TOKEN = "UNKNOWN_TOKEN"
TOKEN_EXPIRED = "TOKEN_EXPIRED"


def _check_token(token):
    if not token_ok(token):
        raise Fail(MALFORMED_TOKEN, "the token is not 96 characters of [A-Za-z0-9+/]")
    return token


def op_token_request(inp):
    username, password = inp.get("username"), inp.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise Fail(MALFORMED_INPUT, "username and password must be strings")
    # Compact JSON, username first; only what JSON requires is escaped.
    body = json.dumps({"username": username, "password": password},
                      separators=(",", ":"), ensure_ascii=False)
    return {"method": "POST", "target": "/v1/token",
            "headers": [["Content-Type", "application/json"]], "body": body}


def op_parse_token_response(inp):
    status = inp.get("status")
    if status is not None and not is_int(status):
        raise Fail(MALFORMED_INPUT, "status must be an integer")
    envelope = parse_envelope(inp.get("body"))
    if envelope["status"] == "error":
        raise Fail(TOKEN_REFUSED, f"the server refused: {envelope['code']} {envelope['message']}")
    data = envelope["data"]
    if not isinstance(data, dict):
        raise Fail(MALFORMED_RESPONSE, "data is not an object")
    token, expiry = data.get("token"), data.get("expiry")
    if not isinstance(token, str):
        raise Fail(MALFORMED_RESPONSE, "data.token is missing or not a string")
    if not is_int(expiry):
        raise Fail(MALFORMED_RESPONSE, "data.expiry is missing or not an integer")
    _check_token(token)
    return {"token": token, "expiry": expiry}


def op_sign(inp):
    token = inp.get("token")
    if not isinstance(token, str):
        raise Fail(MALFORMED_TOKEN, "token must be a string")
    _check_token(token)
    nonce = inp.get("nonce")
    if not isinstance(nonce, str):
        raise Fail(MALFORMED_NONCE, "nonce must be a string")
    check_nonce(nonce)
    date = inp.get("date")
    if not isinstance(date, str):
        raise Fail(MALFORMED_DATE, "date must be a string")
    check_date(date)
    return {"headers": [["Date", date], ["X-SuT-Nonce", nonce],
                        ["Authorization", f"SuTToken {token}"]]}


def _read_token_directory(inp):
    entries = inp.get("tokens", [])
    if not isinstance(entries, list):
        raise Fail(MALFORMED_INPUT, "tokens must be a list")
    directory = []
    for entry in entries:
        entry = need_object(entry, "a tokens entry")
        if not isinstance(entry.get("token"), str) or not is_int(entry.get("expiry")):
            raise Fail(MALFORMED_INPUT, "each tokens entry needs a string token and an integer expiry")
        directory.append(entry)
    return directory


def op_verify(inp):
    _method, _target, headers = read_request(inp)
    now, window = read_clock(inp)
    directory = _read_token_directory(inp)
    replay_store = read_state_nonces(inp, "token")

    headers.reject_duplicates()                        # DUPLICATE_HEADER
    token = read_authorization(headers, "SuTToken")    # MISSING_/MALFORMED_AUTHORIZATION, WRONG_SCHEME
    _check_token(token)                                # MALFORMED_TOKEN
    _date_text, when = read_date(headers, now)         # MISSING_/MALFORMED_DATE
    nonce = read_nonce(headers)                        # MISSING_/MALFORMED_NONCE
    entry = None
    for candidate in directory:                        # UNKNOWN_TOKEN
        if hmac.compare_digest(candidate["token"].encode("utf-8", "surrogatepass"),
                               token.encode("utf-8")) and entry is None:
            entry = candidate
    if entry is None:
        raise Fail(UNKNOWN_TOKEN, "the token was never issued")
    check_window(now, when, window)                    # DATE_OUT_OF_WINDOW
    if not now < entry["expiry"]:                      # TOKEN_EXPIRED
        raise Fail(TOKEN_EXPIRED, f"the token expired at {entry['expiry']} (now {now})")
    if (token, nonce) in replay_store:                 # NONCE_REPLAYED
        raise Fail(NONCE_REPLAYED, "nonce already used with this token")
    identity = {k: entry[k] for k in ("cid", "uid") if entry.get(k) is not None}
    return {"identity": identity}


def op_scenario(inp):
    """Several requests against one verifier; a nonce recorded once its token verified."""
    from ._scenario import request_header, run_scenario
    from .signupto_common import DEFAULT_WINDOW_SECONDS

    def used(one, _out):
        authorization = request_header(one, "authorization")
        return {"token": authorization.split(" ", 1)[1], "nonce": request_header(one, "x-sut-nonce")}
    return run_scenario(inp, op_verify, ("tokens", "window_seconds"), used, DEFAULT_WINDOW_SECONDS)


SCHEMES = {
    "signupto-token": {
        "scenario": op_scenario,
        "token-request": op_token_request,
        "parse-token-response": op_parse_token_response,
        "sign": op_sign,
        "verify": op_verify,
        "parse-authorization": op_parse_authorization,
        "parse-response": op_parse_response,
    },
}
