#!/usr/bin/env python3
"""partner-auth shim protocol, version 1: an independent implementation.

Standard-library Python (3.11) only, written from the vendors' pages and the
project's documented decisions, sharing no code with the Rust reference. Reads
JSON Lines on stdin, answers one line per message on stdout, exits when stdin
closes. See ../PROTOCOL.md; the schemes live in ./schemes/, one module each.

    partner-auth check --shim "python3 examples/shims/python/shim.py"
"""

import json
import platform
import sys
import traceback

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

from schemes import registry  # noqa: E402  (after dont_write_bytecode)
from schemes._util import MALFORMED_INPUT, Fail, Unsupported  # noqa: E402

PROTOCOL = 1
IMPLEMENTATION = f"python-stdlib-shim 1.0 (Python {platform.python_version()})"
INTERNAL_ERROR = "INTERNAL_ERROR"

OPS = registry()


def answer_hello(_message):
    return {"protocol": PROTOCOL, "implementation": IMPLEMENTATION, "schemes": sorted(OPS)}


def answer_case(message):
    """The answer to one case message (always a dict with its id)."""
    case_id = message.get("id")
    scheme, op = message.get("scheme"), message.get("op")
    ops = OPS.get(scheme) if isinstance(scheme, str) else None
    if ops is None:
        return {"id": case_id, "unsupported": f"scheme {scheme!r} is not implemented"}
    function = ops.get(op) if isinstance(op, str) else None
    if function is None:
        return {"id": case_id, "unsupported": f"op {op!r} of {scheme} is not implemented"}
    inp = message.get("input")
    try:
        if not isinstance(inp, dict):
            raise Fail(MALFORMED_INPUT, "input must be a JSON object")
        return {"id": case_id, "output": function(inp)}
    except Fail as failure:
        return {"id": case_id, "error": {"code": failure.code, "message": failure.message}}
    except Unsupported as reason:
        return {"id": case_id, "unsupported": str(reason) or "unsupported input"}
    except Exception as exc:  # a bug here must not kill the shim: report it on this case
        traceback.print_exc(file=sys.stderr)
        return {"id": case_id, "error": {"code": INTERNAL_ERROR, "message": f"{type(exc).__name__}: {exc}"}}


def answer_line(raw):
    """The answer to one input line, or None for a blank line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"id": None, "error": {"code": MALFORMED_INPUT, "message": "the line is not UTF-8"}}
    if not text.strip():
        return None
    try:
        message = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return {"id": None, "error": {"code": MALFORMED_INPUT, "message": f"the line is not JSON: {exc}"}}
    if not isinstance(message, dict):
        return {"id": None, "error": {"code": MALFORMED_INPUT, "message": "the line is not a JSON object"}}
    if message.get("op") == "hello" and "id" not in message:
        return answer_hello(message)
    return answer_case(message)


def main():
    out = sys.stdout.buffer
    for raw in sys.stdin.buffer:
        reply = answer_line(raw)
        if reply is None:
            continue
        # ensure_ascii: the line stays valid UTF-8 even if an input carried a lone
        # surrogate escape that ended up in an output string.
        line = json.dumps(reply, ensure_ascii=True, separators=(",", ":")) + "\n"
        try:
            out.write(line.encode("ascii"))
            out.flush()
        except BrokenPipeError:
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
