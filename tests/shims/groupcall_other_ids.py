#!/usr/bin/env python3
"""Another server's choices, for tests/groupcall_success_binds.rs.

It forwards every line to a real shim (argv[1:], e.g. `partner-auth shim`) and, in the
answer to each Groupcall `verify` case, replaces what a server chooses on every queued
element (a non-empty MessageId): another MessageId, MessageSentId, statusMsg and
transmitDateTime. Everything else is passed on unchanged.
"""
import json
import subprocess
import sys

real = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

for line in sys.stdin:
    real.stdin.write(line)
    real.stdin.flush()
    answer = real.stdout.readline()
    req = json.loads(line)
    if req.get("op") == "verify" and str(req.get("scheme", "")).startswith("groupcall-"):
        reply = json.loads(answer)
        response = (reply.get("output") or {}).get("response")
        for n, element in enumerate(response if isinstance(response, list) else []):
            if isinstance(element, dict) and element.get("MessageId"):
                element["MessageId"] = f"other-server-message-{n + 1}"
                element["MessageSentId"] = 700 + n
                element["statusMsg"] = "Accepted"
                element["transmitDateTime"] = "2031-01-02T03:04:05Z"
        answer = json.dumps(reply) + "\n"
    sys.stdout.write(answer)
    sys.stdout.flush()
real.stdin.close()
sys.exit(real.wait())
