"""The ``scenario`` op of the verify schemes (Sign-Up.to Hash, Partner Hash, Token;
HMAC-SHA256): one verifier world (keys or tokens, window, client address), a clock
starting at ``start``, and ``steps`` verified in turn. A nonce is recorded only once
its request verified, and kept for two windows; each step answers
``{"result": "valid", ...output}`` or ``{"result": "invalid", "error": code}``.
"""

from ._util import MALFORMED_INPUT, Fail, is_int, need_object


def run_scenario(inp, verify, world_fields, nonce_entry, window_default):
    """Runs every step through ``verify(one_input)``. ``nonce_entry(one_input, output)``
    gives the ``state.nonces`` entry a verified request leaves behind."""
    start, steps = inp.get("start"), inp.get("steps")
    if not is_int(start):
        raise Fail(MALFORMED_INPUT, "start must be an integer (Unix seconds)")
    if not isinstance(steps, list):
        raise Fail(MALFORMED_INPUT, "steps must be a list")
    window = inp.get("window_seconds", window_default)
    if not is_int(window) or window < 0:
        raise Fail(MALFORMED_INPUT, "window_seconds must be a non-negative integer")
    recorded = []  # (state.nonces entry, kept until)
    answers = []
    last = 0
    for step in steps:
        step = need_object(step, "a steps entry")
        at = step.get("at")
        if not is_int(at) or at < last:
            raise Fail(MALFORMED_INPUT, "steps[].at must be an integer that never decreases")
        last = at
        now = start + at
        one = {name: inp[name] for name in world_fields if name in inp}
        one["request"] = step.get("request")
        one["now"] = now
        one["state"] = {"nonces": [entry for entry, until in recorded if now <= until]}
        try:
            output = verify(one)
        except Fail as failure:
            if failure.code == MALFORMED_INPUT:
                raise
            answers.append({"result": "invalid", "error": failure.code})
            continue
        recorded.append((nonce_entry(one, output), now + 2 * window))
        answer = {"result": "valid"}
        answer.update(output)
        answers.append(answer)
    return {"steps": answers}


def request_header(one, name):
    """The first value of header ``name`` (any case) of a step's request, trimmed."""
    for have, value in one["request"].get("headers", []):
        if have.lower() == name:
            return value.strip(" \t")
    return None
