"""Sign-Up.to PMAPI "Partner Hash" v1.2 (slug ``signupto-partner-hash``).

From the vendor page (shared/specs/signupto-partner-hash-v1.2.txt): canonical string
'<VERB> <path>', Date, X-SuT-PID, [X-SuT-CID], [X-SuT-UID], X-SuT-Nonce lines, CR LF
joined, absent CID/UID lines fully omitted, then the 40-letter partner key with no
terminator; SHA-1, lowercase hex; ``Authorization: SuTPartner signature="<hex>"``.
A UID is only allowed together with a CID.
"""

from ._util import Fail
from .signupto_common import (
    MISSING_PID, UID_WITHOUT_CID, SignedMethod, op_parse_authorization,
    op_parse_response, sign_signed, verify_signed,
)


class _PartnerHash(SignedMethod):
    def sign_ids(self, ids):
        if ids["pid"] is None:
            raise Fail(MISSING_PID, "the Partner Hash method needs a partner id (pid)")
        if ids["uid"] is not None and ids["cid"] is None:
            raise Fail(UID_WITHOUT_CID, "a uid is only allowed together with a cid")

    def verify_ids(self, present):
        if present["pid"] is None:
            raise Fail(MISSING_PID, "no X-SuT-PID header")

    def verify_id_relations(self, present):
        if present["uid"] is not None and present["cid"] is None:
            raise Fail(UID_WITHOUT_CID, "X-SuT-UID without X-SuT-CID")


PARTNER_HASH = _PartnerHash(
    auth_scheme="SuTPartner",
    key_re=r"[a-zA-Z]{40}",
    key_description="a partner key of 40 characters [a-zA-Z]",
    id_fields=(("pid", "X-SuT-PID"), ("cid", "X-SuT-CID"), ("uid", "X-SuT-UID")),
    key_field="pid",
)


def _scenario(inp, method_def):
    """Several requests against one verifier; a nonce recorded once its request verified."""
    from .signupto_hash import _scenario as hash_like_scenario
    return hash_like_scenario(inp, method_def)

SCHEMES = {
    "signupto-partner-hash": {
        "sign": lambda inp: sign_signed(inp, PARTNER_HASH),
        "verify": lambda inp: verify_signed(inp, PARTNER_HASH),
        "scenario": lambda inp: _scenario(inp, PARTNER_HASH),
        "parse-authorization": op_parse_authorization,
        "parse-response": op_parse_response,
    },
}
