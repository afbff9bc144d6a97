"""Groupcall Messenger partner authentication (slug ``groupcall-partner``).

``POST /api/SendMessage_V3/PartnerRoute``: a root ``PartnerKey`` (known and
enabled) and ``styleClass`` (present, non-empty), and per element the customer's
``CustomerId`` and ``Password``; the customer must have authorised the partner
(G2). SMS content only. The shared machinery is in groupcall_common.
"""

from .groupcall_common import PARTNER, build, parse_response, verify

SCHEMES = {
    "groupcall-partner": {
        "build": lambda inp: build(inp, PARTNER, root=inp),
        "verify": lambda inp: verify(inp, PARTNER, partner_route=True),
        "parse-response": parse_response,
    },
}
