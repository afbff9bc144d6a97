"""Shared plumbing for every scheme module: failures and strict input accessors.

An operation is a function ``op(input: dict) -> dict`` that returns the output stages
or raises :class:`Fail` (graded error code) or :class:`Unsupported` (skipped).
"""

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
