"""Primitives: SHA-1, SHA-256, HMAC-SHA1, HMAC-SHA256 (FIPS 180, RFC 2104) and
strict Base64 (RFC 4648 §4), all from the Python standard library.

Slugs: primitives/sha1, primitives/sha256, primitives/hmac-sha1,
primitives/hmac-sha256, primitives/base64.
"""

import base64
import binascii
import hashlib
import hmac
import re

from ._util import MALFORMED_INPUT, Fail, Unsupported, hex_bytes, is_int, need_str

# A digest of more input than this is refused as unsupported rather than left to
# run into the runner's timeout.
MAX_DIGEST_INPUT = 1 << 30


# ---------------------------------------------------------------- digest, mac

def _digest(algorithm):
    def digest(inp):
        data = hex_bytes(inp, "data_hex")
        repeat = inp.get("repeat", 1)
        if repeat is None:
            repeat = 1
        if not is_int(repeat) or repeat < 0:
            raise Fail(MALFORMED_INPUT, "repeat must be a non-negative integer")
        if len(data) * repeat > MAX_DIGEST_INPUT:
            raise Unsupported(f"input longer than {MAX_DIGEST_INPUT} bytes")
        h = hashlib.new(algorithm)
        if data and repeat:
            # Feed the repetition in chunks of about 64 KiB.
            per_chunk = max(1, 65536 // len(data))
            chunk = data * per_chunk
            full, rest = divmod(repeat, per_chunk)
            for _ in range(full):
                h.update(chunk)
            h.update(data * rest)
        return {"digest_hex": h.hexdigest()}

    return digest


def _mac(algorithm):
    def mac(inp):
        key = hex_bytes(inp, "key_hex")
        data = hex_bytes(inp, "data_hex")
        tag = hmac.new(key, data, algorithm).digest()
        truncate = inp.get("truncate_bytes")
        if truncate is not None:
            if not is_int(truncate) or not 1 <= truncate <= len(tag):
                raise Fail(MALFORMED_INPUT, f"truncate_bytes must be 1..{len(tag)}")
            tag = tag[:truncate]
        return {"mac_hex": tag.hex()}

    return mac


# ---------------------------------------------------------------- base64

MALFORMED_BASE64 = "MALFORMED_BASE64"

# RFC 4648 §4: groups of four alphabet characters, the last group optionally padded.
_B64_RE = re.compile(
    r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
)


def b64_decode_strict(text):
    """Decode canonical standard Base64 or raise Fail(MALFORMED_BASE64)."""
    if not _B64_RE.fullmatch(text):
        raise Fail(MALFORMED_BASE64, "not padded standard-alphabet Base64")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Fail(MALFORMED_BASE64, "not decodable Base64") from None
    # RFC 4648 §3.5: pad bits must be zero, i.e. the text is the canonical encoding.
    if base64.b64encode(data).decode("ascii") != text:
        raise Fail(MALFORMED_BASE64, "non-zero pad bits")
    return data


def b64_encode(inp):
    data = hex_bytes(inp, "data_hex")
    return {"text": base64.b64encode(data).decode("ascii")}


def b64_decode(inp):
    text = need_str(inp, "text")
    return {"data_hex": b64_decode_strict(text).hex()}


# ---------------------------------------------------------------- dispatch table

SCHEMES = {
    "primitives/sha1": {"digest": _digest("sha1")},
    "primitives/sha256": {"digest": _digest("sha256")},
    "primitives/hmac-sha1": {"mac": _mac("sha1")},
    "primitives/hmac-sha256": {"mac": _mac("sha256")},
    "primitives/base64": {"encode": b64_encode, "decode": b64_decode},
}
