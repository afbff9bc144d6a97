"""Sign-Up.to PMAPI "Hash" v1.2 (slug ``signupto-hash``).

Canonical string: '<VERB> <path>', Date, X-SuT-CID, X-SuT-UID, X-SuT-Nonce lines,
CR LF joined, then the 32-hex company key with no terminator; SHA-1, lowercase hex;
``Authorization: SuTHash signature="<hex>"``. Both CID and UID are required
(S-HASH-IDS: "other auth methods require a specific user ID").
"""

from ._util import Fail
from .signupto_common import (
    MISSING_CID, MISSING_UID, SignedMethod, op_parse_authorization,
    op_parse_response, sign_signed, verify_signed,
)


class _Hash(SignedMethod):
    def sign_ids(self, ids):
        if ids["cid"] is None:
            raise Fail(MISSING_CID, "the Hash method needs a company id (cid)")
        if ids["uid"] is None:
            raise Fail(MISSING_UID, "the Hash method needs a user id (uid)")

    def verify_ids(self, present):
        if present["cid"] is None:
            raise Fail(MISSING_CID, "no X-SuT-CID header")
        if present["uid"] is None:
            raise Fail(MISSING_UID, "no X-SuT-UID header")


HASH = _Hash(
    auth_scheme="SuTHash",
    key_re=r"[0-9a-f]{32}",
    key_description="a company key of 32 characters [0-9a-f]",
    id_fields=(("cid", "X-SuT-CID"), ("uid", "X-SuT-UID")),
    key_field="cid",
)


def _scenario(inp, method_def):
    """Several requests against one verifier; a nonce recorded once its request verified."""
    from ._scenario import request_header, run_scenario
    from .signupto_common import DEFAULT_WINDOW_SECONDS
    key_field = method_def.key_field
    return run_scenario(
        inp, lambda one: verify_signed(one, method_def), ("keys", "window_seconds"),
        lambda one, out: {key_field: out["identity"][key_field], "nonce": request_header(one, "x-sut-nonce")},
        DEFAULT_WINDOW_SECONDS)

SCHEMES = {
    "signupto-hash": {
        "sign": lambda inp: sign_signed(inp, HASH),
        "verify": lambda inp: verify_signed(inp, HASH),
        "scenario": lambda inp: _scenario(inp, HASH),
        "parse-authorization": op_parse_authorization,
        "parse-response": op_parse_response,
    },
}
