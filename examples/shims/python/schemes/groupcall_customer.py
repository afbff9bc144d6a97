"""Groupcall Messenger customer authentication (slug ``groupcall-customer``).

``POST /api/SendMessage_V3/SMS`` or ``/Email``: every ``messageData`` element
carries the customer's ``CustomerId`` and ``Password`` (its API key); no
Authorization header. The shared machinery is in groupcall_common.
"""

from ._util import MALFORMED_INPUT, Fail
from .groupcall_common import EMAIL, SMS, build, parse_response, verify


def _route(inp):
    route = inp.get("route")
    if route not in (SMS, EMAIL):
        raise Fail(MALFORMED_INPUT, 'route must be "SMS" or "Email"')
    return route


SCHEMES = {
    "groupcall-customer": {
        "build": lambda inp: build(inp, _route(inp)),
        "verify": lambda inp: verify(inp, _route(inp), partner_route=False),
        "parse-response": parse_response,
    },
}
