"""Shared plumbing for every scheme module: failures and strict input accessors.

An operation is a function ``op(input: dict) -> dict`` that returns the output stages
or raises :class:`Fail` (graded error code) or :class:`Unsupported` (skipped).
"""

import base64
import re

# Error code for input the vector format does not allow at all (wrong JSON types,
# missing structural fields). Never the subject of a vector; it only keeps the shim
# answering instead of crashing.
MALFORMED_INPUT = "MALFORMED_INPUT"

_HEX_RE = re.compile(r"(?:[0-9a-fA-F]{2})*")


class Fail(Exception):
    """The operation failed with a graded error code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class Unsupported(Exception):
    """This shim does not implement the operation (or this input)."""


def is_int(value):
    """A JSON integer (JSON true/false are not integers here)."""
    return isinstance(value, int) and not isinstance(value, bool)


def need_object(value, what):
    if not isinstance(value, dict):
        raise Fail(MALFORMED_INPUT, f"{what} must be a JSON object")
    return value


def need_str(obj, name, code=MALFORMED_INPUT, what=None):
    """obj[name] as a string; absent or not a string fails with ``code``."""
    value = obj.get(name)
    if not isinstance(value, str):
        raise Fail(code, f"{what or name} must be a string")
    return value


def hex_bytes(obj, name):
    """obj[name], a string of hex digit pairs, as bytes (strict: no whitespace)."""
    text = need_str(obj, name)
    if not _HEX_RE.fullmatch(text):
        raise Fail(MALFORMED_INPUT, f"{name} is not an even-length hex string")
    return bytes.fromhex(text)


def utf8(text, code, what):
    """Encode to UTF-8; a lone surrogate (possible from JSON escapes) fails with ``code``."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise Fail(code, f"{what} is not valid Unicode text") from None


_B64_STRICT_RE = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def b64_input(text, what):
    """Bytes of a ``*_base64`` input field (standard alphabet, padded, no whitespace)."""
    if not isinstance(text, str) or not _B64_STRICT_RE.fullmatch(text):
        raise Fail(MALFORMED_INPUT, f"{what} must be padded standard Base64")
    return base64.b64decode(text)


# The largest body a vector may describe as a repeated pattern.
MAX_BODY_BYTES = 1 << 26


def read_body(obj, what="body"):
    """The body bytes of an input object: ``body`` (text, sent as UTF-8),
    ``body_base64`` (any bytes) or ``body_pattern`` repeated ``body_repeat`` times.
    Absent altogether, the body is empty."""
    forms = [name for name in ("body", "body_base64", "body_pattern") if obj.get(name) is not None]
    if len(forms) > 1:
        raise Fail(MALFORMED_INPUT, f"{what}: give only one of body, body_base64, body_pattern")
    if not forms:
        return b""
    if forms[0] == "body":
        text = obj["body"]
        if not isinstance(text, str):
            raise Fail(MALFORMED_INPUT, f"{what}: body must be a string")
        return utf8(text, MALFORMED_INPUT, what)
    if forms[0] == "body_base64":
        return b64_input(obj["body_base64"], f"{what}: body_base64")
    pattern, repeat = obj["body_pattern"], obj.get("body_repeat")
    if not isinstance(pattern, str) or not is_int(repeat) or repeat < 0:
        raise Fail(MALFORMED_INPUT, f"{what}: body_pattern must be a string and body_repeat a non-negative integer")
    chunk = utf8(pattern, MALFORMED_INPUT, what)
    if len(chunk) * repeat > MAX_BODY_BYTES:
        raise Fail(MALFORMED_INPUT, f"{what}: a body of more than {MAX_BODY_BYTES} bytes")
    return chunk * repeat
