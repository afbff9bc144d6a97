#!/usr/bin/env python3
"""A Groupcall verifier that queues nothing, for tests/groupcall_success_binds.rs.

It answers every `verify` case of `groupcall-customer` and `groupcall-partner` with the
authentication-errors page's "Data is not valid, no messages sent" body for every
messageData element (one, when the body holds no usable array), and `unsupported` for
every other op. The vectors must fail it wherever a page says a message is queued.
"""
import json
import sys

SCHEMES = ["groupcall-customer", "groupcall-partner"]
REFUSAL = {"WarningMessages": [], "errorMsg": "Data is not valid, no messages sent", "MessageSentId": 0,
           "MessageId": None, "statusMsg": None, "transmitDateTime": None, "ClientRef": None}


def elements(inp):
    try:
        root = json.loads(inp.get("body", ""))
    except ValueError:
        return 1
    data = root.get("messageData") if isinstance(root, dict) else None
    return len(data) if isinstance(data, list) and data else 1


for line in sys.stdin:
    req = json.loads(line)
    if req.get("op") == "hello":
        reply = {"protocol": 1, "implementation": "groupcall-refuse-all 1.0", "schemes": SCHEMES}
    elif req.get("op") == "verify":
        response = [dict(REFUSAL) for _ in range(elements(req.get("input") or {}))]
        reply = {"id": req.get("id", ""), "output": {"status": 200, "response": response}}
    else:
        reply = {"id": req.get("id", ""), "unsupported": "only verify"}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
