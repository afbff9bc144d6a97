"""One module per scheme family; each exports ``SCHEMES = {slug: {op: function}}``.

To add a scheme, write its module and append it to ``MODULES``.
"""

from . import (
    groupcall_customer,
    groupcall_partner,
    hmac_sha256,
    partners_portal,
    primitives,
    signupto_hash,
    signupto_partner_hash,
    signupto_token,
)

MODULES = (
    signupto_hash,
    signupto_partner_hash,
    signupto_token,
    hmac_sha256,
    partners_portal,
    groupcall_customer,
    groupcall_partner,
    primitives,
)


def registry():
    """slug -> {op -> function(input) -> output}, over every module."""
    table = {}
    for module in MODULES:
        for slug, ops in module.SCHEMES.items():
            if slug in table:
                raise RuntimeError(f"scheme {slug} registered twice")
            table[slug] = dict(ops)
    return table
