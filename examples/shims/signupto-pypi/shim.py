#!/usr/bin/env python3
"""partner-auth shim protocol, version 1, around the PyPI package `signupto` 0.1.

The signing is the package's own: this program only feeds it a case's values and reads
back what it produced. Its clock (`format_date_time`), its nonce generator
(`HashAuthorization.make_nonce`) and its HTTP call (`Client.make_request_raw`) are
replaced for the duration of one case, so the request the library builds is captured
instead of sent; its SHA-1 is wrapped to record the bytes it hashes, which gives the
canonical string without re-implementing it.

    examples/shims/signupto-pypi/setup.sh
    partner-auth check --shim "examples/shims/signupto-pypi/.venv/bin/python examples/shims/signupto-pypi/shim.py"
"""

import hashlib
import json
import sys
from unittest import mock
from urllib.parse import urlsplit

sys.dont_write_bytecode = True

import importlib.metadata  # noqa: E402

import signupto.client as sut  # noqa: E402

VERSION = importlib.metadata.version("signupto")
IMPLEMENTATION = f"signupto {VERSION} (PyPI)"
# The package knows no partner key and no verifier; only these ops reach its code.
SUPPORTED = {
    ("signupto-hash", "sign"),
    ("signupto-hash", "parse-response"),
    ("signupto-token", "token-request"),
    ("signupto-token", "sign"),
}
ORIGIN = "https://api.sign-up.to"


class Captured(Exception):
    """Raised by the replaced HTTP call, carrying the request the library built."""

    def __init__(self, method, url, data, headers):
        super().__init__(method)
        self.method, self.url, self.data, self.headers = method, url, data, headers


def capture(method, url, data=None, params=None, headers=None):
    raise Captured(method, url, data, dict(headers or {}))


def send(call):
    """Runs `call`, which ends in the replaced HTTP call; returns the captured request."""
    try:
        call()
    except Captured as request:
        return request
    raise RuntimeError("the library sent no request")


def header_list(headers):
    return [[name, value] for name, value in headers.items()]


def hash_sign(inp):
    hashed = []

    def recording_sha1(data=b""):
        hashed.append(bytes(data))
        return hashlib.sha1(data)

    auth = sut.HashAuthorization(company_id=inp.get("cid"), user_id=inp.get("uid"), api_key=inp["key"])
    with (
        mock.patch.object(sut, "format_date_time", lambda _stamp: inp["date"]),
        mock.patch.object(sut, "sha1", recording_sha1),
        mock.patch.object(auth, "make_nonce", lambda: inp["nonce"]),
    ):
        request = send(lambda: auth.make_authorized_request(capture, inp["method"], ORIGIN + inp["target"]))
    headers = request.headers
    signed = hashed[-1].decode("utf-8")
    canonical, _, _key = signed.rpartition("\r\n")
    signature = headers["Authorization"].split('"')[1]
    return {"canonical": canonical, "signature": signature, "headers": header_list(headers)}


def token_request(inp):
    client = sut.Client(version="1", auth=None)
    with mock.patch.object(client, "make_request_raw", capture):
        request = send(lambda: client.token.post(username=inp["username"], password=inp["password"]))
    return {
        "method": request.method,
        "target": urlsplit(request.url).path,
        "headers": header_list(request.headers),
        "body": request.data,
    }


def token_sign(inp):
    auth = sut.TokenAuthorization(username="unused", password="unused")
    auth.token = inp["token"]
    request = send(lambda: auth.make_authorized_request(capture, inp["method"], ORIGIN + inp["target"]))
    return {"headers": header_list(request.headers)}


class FakeResponse:
    """What `Client.deserialize` reads of a `requests` response."""

    class _Request:
        method = "GET"
        url = ORIGIN + "/v1/list"

    def __init__(self, status, body):
        self.status_code = status
        self.content = body.encode("utf-8")
        self.request = self._Request()


def parse_response(inp):
    """The library's own response handling (`Client.handle_response`) on the case's
    answer: a `SignuptoResponse` is an ok envelope, a `ClientError` an error envelope;
    anything else it raises means it could not read the body."""
    client = sut.Client(version="1", auth=None)
    try:
        r = client.handle_response(FakeResponse(inp["status"], inp["body"]))
    except sut.ClientError as refused:
        info = refused.error_info if isinstance(refused.error_info, dict) else {}
        return {
            "status": "error",
            "code": info.get("code"),
            "message": info.get("message"),
            "subcode": info.get("subcode"),
            "additional_information": info.get("additional_information"),
        }
    except sut.ServerError as exc:
        raise Refused("MALFORMED_RESPONSE", f"ServerError: {exc}") from None
    except Exception as exc:  # json errors, assertions, missing members
        raise Refused("MALFORMED_RESPONSE", f"{type(exc).__name__}: {exc}") from None
    return {"status": "ok", "data": r.data, "count": r.count, "next": r.next}


class Refused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


OPS = {
    ("signupto-hash", "parse-response"): parse_response,
    ("signupto-hash", "sign"): hash_sign,
    ("signupto-token", "token-request"): token_request,
    ("signupto-token", "sign"): token_sign,
}


def answer(message):
    case_id = message.get("id")
    if message.get("op") == "hello" and "id" not in message:
        return {"protocol": 1, "implementation": IMPLEMENTATION, "schemes": sorted({s for s, _ in SUPPORTED})}
    key = (message.get("scheme"), message.get("op"))
    function = OPS.get(key)
    if function is None:
        return {"id": case_id, "unsupported": f"signupto {VERSION} has no {key[1]} for {key[0]}"}
    try:
        return {"id": case_id, "output": function(message.get("input") or {})}
    except Refused as refused:
        return {"id": case_id, "error": {"code": refused.code, "message": str(refused)}}
    except KeyError as missing:
        return {"id": case_id, "unsupported": f"input without {missing} cannot be given to the library"}
    except Exception as exc:  # the library raised: report it as its answer on this case
        return {"id": case_id, "error": {"code": "LIBRARY_ERROR", "message": f"{type(exc).__name__}: {exc}"}}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        reply = answer(json.loads(line))
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
