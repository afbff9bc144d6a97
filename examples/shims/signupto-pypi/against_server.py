#!/usr/bin/env python3
"""Drive the PyPI `signupto` 0.1 client against a server of our choosing.

The client hard-codes `https://api.sign-up.to/v<N>/` as its base URL; the only change
made here is that base URL (set right after each `Client` is built, which also covers
the temporary client its Token authorisation builds to log in). Everything else — the
signature, the headers, the token login, reading the answer — is the library's own.

    against_server.py BASE_URL < credentials.json

`credentials.json`: `{"hash": {"cid", "uid", "key"}, "token": {"username", "password"},
"resource": "list"}` (either scheme may be left out). Prints one JSON object with, per
scheme, `ok` and the `data` the library returned or the error it raised; exits 0 when
every scheme asked for succeeded.
"""

import json
import sys

sys.dont_write_bytecode = True

import signupto.client as sut  # noqa: E402

VERSION = "1"


def point_at(base):
    original = sut.Client.__init__

    def init(self, version="0", auth=None):
        original(self, version=version, auth=auth)
        self._baseurl = f"{base}/v{version}/"

    # Token authorisation logs in from inside Client.__init__, through a temporary
    # Client: it must be pointed at the server before that happens.
    sut.Client.__init__ = init


def attempt(make_auth, resource):
    try:
        client = sut.Client(version=VERSION, auth=make_auth())
        answer = getattr(client, resource).get()
        return {"ok": True, "data": answer.data, "count": answer.count, "next": answer.next}
    except Exception as exc:  # whatever the library raises is the finding
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} BASE_URL < credentials.json", file=sys.stderr)
        return 2
    point_at(argv[1].rstrip("/"))
    creds = json.load(sys.stdin)
    resource = creds.get("resource", "list")
    results = {}
    if "hash" in creds:
        h = creds["hash"]
        results["hash"] = attempt(
            lambda: sut.HashAuthorization(company_id=h["cid"], user_id=h["uid"], api_key=h["key"]), resource
        )
    if "token" in creds:
        t = creds["token"]
        results["token"] = attempt(
            lambda: sut.TokenAuthorization(username=t["username"], password=t["password"]), resource
        )
    print(json.dumps(results))
    return 0 if results and all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
