#!/usr/bin/env python3
"""Send one Groupcall message for real, with the independent implementation's own code.

The request is built by the shim's `build` for the route (customer `SMS`/`Email`, or
`PartnerRoute`), sent with urllib (standard library only), and the answer is classified
by the shim's `parse-response`. Prints one JSON object: the HTTP status and the
classified results; exits 0 when every message was accepted, 1 when one was refused,
2 on bad usage or a transport error.

    python3 examples/shims/python/groupcall_send.py BASE_URL ROUTE < message.json

`message.json` is a vector `build` input: `{"messageData": [...]}` for a customer
route, plus `PartnerKey` and `styleClass` for `PartnerRoute`.
"""

import json
import sys
import urllib.error
import urllib.request

sys.dont_write_bytecode = True

from schemes._util import Fail  # noqa: E402
from schemes.groupcall_common import PARTNER, build, parse_response  # noqa: E402

TIMEOUT_SECONDS = 30


def main(argv):
    if len(argv) != 3 or argv[2] not in ("SMS", "Email", PARTNER):
        print(f"usage: {argv[0]} BASE_URL SMS|Email|{PARTNER} < message.json", file=sys.stderr)
        return 2
    base, route = argv[1].rstrip("/"), argv[2]
    message = json.load(sys.stdin)
    try:
        request = build(message, route, root=message if route == PARTNER else None)
    except Fail as failure:
        print(f"not sent: {failure.code}: {failure.message}", file=sys.stderr)
        return 2
    http = urllib.request.Request(
        base + request["target"],
        data=request["body"].encode("utf-8"),
        method=request["method"],
        headers=dict(request["headers"]),
    )
    # Credentials travel in the body: never follow a redirect to wherever it points.
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(http, timeout=TIMEOUT_SECONDS) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    except OSError as error:
        print(f"transport error: {error}", file=sys.stderr)
        return 2
    sent = len(message.get("messageData") or [])
    try:
        results = parse_response({"status": status, "body": body.decode("utf-8"), "sent": sent})["results"]
    except Fail as failure:
        print(json.dumps({"status": status, "error": failure.code, "message": failure.message}))
        return 1
    print(json.dumps({"status": status, "results": results}))
    return 0 if all(r["success"] for r in results) else 1


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


if __name__ == "__main__":
    sys.exit(main(sys.argv))
