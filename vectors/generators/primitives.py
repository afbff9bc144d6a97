#!/usr/bin/env python3
"""Write vectors/primitives/*.json from published test vectors.

Every expected value below is a literal copied from the publication named in the
case's comment (FIPS 180, RFC 2202, RFC 4231, RFC 4648). Before anything is written,
each literal is checked against python3's hashlib, hmac and base64; a mismatch
(a typo in a literal) aborts the program without touching any file.

    python3 vectors/generators/primitives.py           # rewrite the five files
    python3 vectors/generators/primitives.py --check   # exit 1 if a file on disk differs

Standard library only; Python 3.11 or later.
"""

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import sys
from pathlib import Path

VECTORS = Path(__file__).resolve().parent.parent
OUT_DIR = VECTORS / "primitives"

FORMAT_VERSION = 3

FIPS_180_4 = "https://nvlpubs.nist.gov/nistpubs/FIPS/NIST.FIPS.180-4.pdf"
NIST_EXAMPLES = (
    "https://csrc.nist.gov/projects/cryptographic-standards-and-guidelines/example-values"
)
CAVP_SHS = (
    "https://csrc.nist.gov/CSRC/media/Projects/Cryptographic-Algorithm-Validation-Program/"
    "documents/shs/shabytetestvectors.zip"
)
RFC_6234 = "https://www.rfc-editor.org/rfc/rfc6234"
RFC_2202 = "https://www.rfc-editor.org/rfc/rfc2202"
RFC_4231 = "https://www.rfc-editor.org/rfc/rfc4231"
RFC_4648 = "https://www.rfc-editor.org/rfc/rfc4648"


class LiteralMismatch(Exception):
    pass


def check(label, published, computed):
    """Fail loudly when a published literal disagrees with python's own computation.

    Not an `assert` statement, so it also runs under `python3 -O`.
    """
    if published != computed:
        raise LiteralMismatch(f"{label}: published {published!r}, computed {computed!r}")


# ---------------------------------------------------------------------------
# SHA-1 / SHA-256 (FIPS 180)
# ---------------------------------------------------------------------------

MSG_448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

# (message text, repeat, SHA-1 digest, SHA-256 digest, where the message comes from)
DIGEST_MESSAGES = [
    (
        "abc",
        None,
        "a9993e364706816aba3e25717850c26c9cd0d89d",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        {
            "sha1": 'FIPS 180 example: the one-block message "abc" '
            "(FIPS 180-2 Appendix A.1; RFC 6234 test driver TEST1)",
            "sha256": 'FIPS 180 example: the one-block message "abc" '
            "(FIPS 180-2 Appendix B.1; RFC 6234 test driver TEST1)",
        },
    ),
    (
        MSG_448,
        None,
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        {
            "sha1": "FIPS 180 example: the 448-bit two-block message "
            "(FIPS 180-2 Appendix A.2; RFC 6234 test driver TEST2_1)",
            "sha256": "FIPS 180 example: the 448-bit two-block message "
            "(FIPS 180-2 Appendix B.2; RFC 6234 test driver TEST2_1)",
        },
    ),
    (
        "a",
        1000000,
        "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
        {
            "sha1": "FIPS 180 example: one million repetitions of \"a\" "
            "(FIPS 180-2 Appendix A.3; RFC 6234 test driver TEST3)",
            "sha256": "FIPS 180 example: one million repetitions of \"a\" "
            "(FIPS 180-2 Appendix B.3; RFC 6234 test driver TEST3)",
        },
    ),
    (
        "",
        None,
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        {
            "sha1": "The empty message: NIST CAVP SHAVS SHA1ShortMsg.rsp, entry Len = 0 "
            "(written there as Msg = 00, meaning no bytes)",
            "sha256": "The empty message: NIST CAVP SHAVS SHA256ShortMsg.rsp, entry Len = 0 "
            "(written there as Msg = 00, meaning no bytes)",
        },
    ),
]


def digest_file(name, algo, title):
    cases = []
    for n, (text, repeat, sha1_hex, sha256_hex, comments) in enumerate(DIGEST_MESSAGES, 1):
        published = {"sha1": sha1_hex, "sha256": sha256_hex}[name]
        data = text.encode("ascii")
        whole = data * (repeat if repeat is not None else 1)
        check(f"{name} case {n}", published, hashlib.new(algo, whole).hexdigest())
        inp = {"data_hex": data.hex()}
        if repeat is not None:
            inp["repeat"] = repeat
        cases.append(
            {
                "id": f"primitives/{name}/digest/{n:03d}",
                "op": "digest",
                "comment": comments[name],
                "flags": [],
                # The empty message's digest is not printed in FIPS 180-4 but follows
                # from it; the CAVP file named in the comment prints it.
                "basis": ["fips180-4"],
                "input": inp,
                "expect": {"result": "valid", "output": {"digest_hex": published}},
            }
        )
    return {
        "scheme": f"primitives/{name}",
        "formatVersion": FORMAT_VERSION,
        "description": (
            f"{title} of the FIPS 180 example messages (\"abc\", the 448-bit two-block "
            "message, one million \"a\") and of the empty message. The input is `data_hex` "
            "repeated `repeat` times (once when `repeat` is absent); the output is the "
            "lowercase hex digest."
        ),
        "sources": [FIPS_180_4, NIST_EXAMPLES, RFC_6234, CAVP_SHS],
        "numberOfTests": len(cases),
        "flags": {},
        "decisions": {},
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# HMAC-SHA-1 (RFC 2202 §3)
# ---------------------------------------------------------------------------

# (test_case, key, data, digest, digest-96 or None), as printed in RFC 2202 §3.
RFC2202 = [
    (1, bytes([0x0B] * 20), b"Hi There",
     "b617318655057264e28bc0b6fb378c8ef146be00", None),
    (2, b"Jefe", b"what do ya want for nothing?",
     "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", None),
    (3, bytes([0xAA] * 20), bytes([0xDD] * 50),
     "125d7342b9ac11cd91a39af48aa17b4f63f175d3", None),
    (4, bytes.fromhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), bytes([0xCD] * 50),
     "4c9007f4026250c6bc8414f9bf50c86c2d7235da", None),
    (5, bytes([0x0C] * 20), b"Test With Truncation",
     "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04", "4c1a03424b55e07fe7f27be1"),
    (6, bytes([0xAA] * 80), b"Test Using Larger Than Block-Size Key - Hash Key First",
     "aa4ae5e15272d00e95705637ce8a3b55ed402112", None),
    (7, bytes([0xAA] * 80),
     b"Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
     "e8e99d0f45237d786d6bbaa7965c7808bbff1a91", None),
]

# key_len / data_len as printed in the RFC, checked so a mangled key or data shows.
RFC2202_LENGTHS = {1: (20, 8), 2: (4, 28), 3: (20, 50), 4: (25, 50), 5: (20, 20),
                   6: (80, 54), 7: (80, 73)}


def mac_case(scheme, n, key, data, mac_hex, comment, basis, truncate=None):
    inp = {"key_hex": key.hex(), "data_hex": data.hex()}
    if truncate is not None:
        inp["truncate_bytes"] = truncate
    return {
        "id": f"primitives/{scheme}/mac/{n:03d}",
        "op": "mac",
        "comment": comment,
        "flags": [],
        "basis": [basis],
        "input": inp,
        "expect": {"result": "valid", "output": {"mac_hex": mac_hex}},
    }


def hmac_sha1_file():
    cases = []
    for tc, key, data, digest, digest96 in RFC2202:
        check(f"RFC 2202 test_case {tc} key_len/data_len", RFC2202_LENGTHS[tc],
              (len(key), len(data)))
        full = hmac.new(key, data, hashlib.sha1).hexdigest()
        check(f"RFC 2202 test_case {tc} digest", digest, full)
        if digest96 is None:
            cases.append(mac_case("hmac-sha1", len(cases) + 1, key, data, digest,
                                  f"RFC 2202 §3 test_case {tc}", "rfc2202#3"))
            continue
        check(f"RFC 2202 test_case {tc} digest-96", digest96, full[:24])
        cases.append(mac_case("hmac-sha1", len(cases) + 1, key, data, digest,
                              f"RFC 2202 §3 test_case {tc}: the full 160-bit digest", "rfc2202#3"))
        cases.append(mac_case("hmac-sha1", len(cases) + 1, key, data, digest96,
                              f"RFC 2202 §3 test_case {tc}: digest-96, the MAC truncated "
                              "to its leftmost 12 bytes", "rfc2202#3", truncate=12))
    return {
        "scheme": "primitives/hmac-sha1",
        "formatVersion": FORMAT_VERSION,
        "description": (
            "HMAC-SHA-1 test cases of RFC 2202 §3. Keys and data are hex; the output is "
            "the lowercase hex MAC, truncated to its leftmost `truncate_bytes` bytes when "
            "that input is present. test_case 5 appears twice: with the full digest and "
            "with the 96-bit truncation the RFC also prints."
        ),
        "sources": [RFC_2202],
        "numberOfTests": len(cases),
        "flags": {},
        "decisions": {},
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# HMAC-SHA-256 (RFC 4231 §4)
# ---------------------------------------------------------------------------

# (test case, section, key hex, data hex, HMAC-SHA-256 hex, truncate_bytes), as printed
# in RFC 4231 §4 (keys and data are given in hex there).
RFC4231 = [
    (1, "4.2", "0b" * 20, "4869205468657265",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", None),
    (2, "4.3", "4a656665",
     "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", None),
    (3, "4.4", "aa" * 20, "dd" * 50,
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", None),
    (4, "4.5", "0102030405060708090a0b0c0d0e0f10111213141516171819", "cd" * 50,
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", None),
    (5, "4.6", "0c" * 20, "546573742057697468205472756e6361" "74696f6e",
     "a3b6167473100ee06e0c796c2955552b", 16),
    (6, "4.7", "aa" * 131,
     "54657374205573696e67204c61726765" "72205468616e20426c6f636b2d53697a"
     "65204b6579202d2048617368204b6579" "204669727374",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", None),
    (7, "4.8", "aa" * 131,
     "54686973206973206120746573742075" "73696e672061206c6172676572207468"
     "616e20626c6f636b2d73697a65206b65" "7920616e642061206c61726765722074"
     "68616e20626c6f636b2d73697a652064" "6174612e20546865206b6579206e6565"
     "647320746f2062652068617368656420" "6265666f7265206265696e6720757365"
     "642062792074686520484d414320616c" "676f726974686d2e",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", None),
]

# The ASCII glosses of the data, as the RFC prints them beside the hex.
RFC4231_TEXT = {
    1: b"Hi There",
    2: b"what do ya want for nothing?",
    5: b"Test With Truncation",
    6: b"Test Using Larger Than Block-Size Key - Hash Key First",
    7: b"This is a test using a larger than block-size key and a larger than "
       b"block-size data. The key needs to be hashed before being used by the HMAC "
       b"algorithm.",
}

RFC4231_WHAT = {
    1: "",
    2: ": a key shorter than the output",
    3: ": key and data together larger than 64 bytes (the SHA-256 block size)",
    4: ": key and data together larger than 64 bytes (the SHA-256 block size)",
    5: ": output truncated to 128 bits, the only value the RFC prints",
    6: ": a 131-byte key, larger than 128 bytes (the SHA-384/SHA-512 block size)",
    7: ": a 131-byte key and 152-byte data, both larger than 128 bytes",
}


def hmac_sha256_file():
    cases = []
    for tc, sec, key_hex, data_hex, mac_hex, truncate in RFC4231:
        key = bytes.fromhex(key_hex)
        data = bytes.fromhex(data_hex)
        if tc in RFC4231_TEXT:
            check(f"RFC 4231 test case {tc} data gloss", RFC4231_TEXT[tc], data)
        full = hmac.new(key, data, hashlib.sha256).hexdigest()
        computed = full if truncate is None else full[: 2 * truncate]
        check(f"RFC 4231 test case {tc} HMAC-SHA-256", mac_hex, computed)
        cases.append(mac_case("hmac-sha256", len(cases) + 1, key, data, mac_hex,
                              f"RFC 4231 §{sec} Test Case {tc}{RFC4231_WHAT[tc]}",
                              f"rfc4231#{sec}", truncate=truncate))
    return {
        "scheme": "primitives/hmac-sha256",
        "formatVersion": FORMAT_VERSION,
        "description": (
            "HMAC-SHA-256 test cases of RFC 4231 §4 (the SHA-224, SHA-384 and SHA-512 "
            "outputs of the same cases are not included). Keys and data are hex; the "
            "output is the lowercase hex MAC, truncated to its leftmost `truncate_bytes` "
            "bytes when that input is present (Test Case 5)."
        ),
        "sources": [RFC_4231],
        "numberOfTests": len(cases),
        "flags": {},
        "decisions": {},
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# Base64 (RFC 4648 §10)
# ---------------------------------------------------------------------------

# (input, BASE64) rows of RFC 4648 §10.
RFC4648_BASE64 = [
    ("", ""),
    ("f", "Zg=="),
    ("fo", "Zm8="),
    ("foo", "Zm9v"),
    ("foob", "Zm9vYg=="),
    ("fooba", "Zm9vYmE="),
    ("foobar", "Zm9vYmFy"),
]

# Encodings a strict RFC 4648 §4 decoder refuses: (text, comment, basis, flag). What
# decides each: §3.3 "Implementations MUST reject the encoded data if it contains
# characters outside the base alphabet when interpreting base-encoded data, unless the
# specification referring to this document explicitly states otherwise" (and only such
# a specification "MAY ignore the pad character ... if it is present before the end");
# §3.2 asks encoders for padding but says nothing of decoders meeting its absence;
# §3.5 leaves non-zero pad bits to the decoder ("decoders MAY chose to reject").
# Where RFC 4648 leaves the choice, the case is `acceptable` and pins the reference.
MALFORMED_BASE64 = [
    ("-_8=",
     "URL-safe alphabet (RFC 4648 §5): '-' and '_' are not in the base64 alphabet of "
     "§4; the standard encoding of the same bytes fb ff is '+/8='",
     ["rfc4648#3.3", "rfc4648#4"], "NON_ALPHABET"),
    ("Zg",
     "Missing padding: 'Zg' without its '==' (RFC 4648 §3.2, §4); RFC 4648 asks encoders "
     "to pad but does not say a decoder must refuse unpadded input, so this is acceptable",
     ["rfc4648#3.2", "decision:STRICT-DECODE"], "UNPADDED"),
    ("Zm9v!mFy",
     "A character outside the base64 alphabet ('!'); RFC 4648 §3.3 requires rejecting it",
     ["rfc4648#3.3"], "NON_ALPHABET"),
    ("Zg==Zg==",
     "Padding in the middle: '=' may only end the encoding (RFC 4648 §3.3, §4)",
     ["rfc4648#3.3", "rfc4648#4"], "NON_ALPHABET"),
    ("Zh==",
     "Non-zero pad bits: 'Zh==' would decode to 'f' but is not the canonical encoding "
     "'Zg=='; RFC 4648 §3.5 lets decoders reject it (MAY), so this is acceptable",
     ["rfc4648#3.5", "decision:STRICT-DECODE"], "NONCANONICAL"),
    ("Zm9v YmFy",
     "A space inside the text ('Zm9vYmFy' is 'foobar'): a space is outside the base64 "
     "alphabet, so RFC 4648 §3.3 requires rejecting it; only a referring specification "
     "(MIME) may say to ignore it",
     ["rfc4648#3.3"], "NON_ALPHABET"),
    ("Zm9v\r\nYmFy",
     "A line break (CR LF) inside the text: RFC 4648 §3.3 names CRLF \"non-alphabet "
     "characters\", which implementations MUST reject unless a referring specification "
     "says otherwise (§3.1: no line feeds in base-encoded data)",
     ["rfc4648#3.3", "rfc4648#3.1"], "NON_ALPHABET"),
]

BASE64_FLAGS = {
    "NON_ALPHABET": {
        "description": "Text with a character outside the base64 alphabet of RFC 4648 §4 "
        "(or '=' before the end), which RFC 4648 §3.3 says implementations MUST reject.",
        "bugType": "MALFORMED_INPUT",
    },
    "UNPADDED": {
        "description": "Acceptable: base64 without its padding. RFC 4648 §3.2 requires "
        "encoders to pad unless a referring specification says otherwise, but does not "
        "say what a decoder does with unpadded text; the reference refuses it "
        "(STRICT-DECODE).",
        "bugType": "SPEC_AMBIGUITY",
    },
    "NONCANONICAL": {
        "description": "Acceptable: non-zero pad bits. RFC 4648 §3.5 says decoders MAY "
        "reject such an encoding; the reference does (STRICT-DECODE).",
        "bugType": "SPEC_AMBIGUITY",
    },
}

STRICT_DECODE = (
    "decode is strict RFC 4648 §4: standard alphabet only, padding required and only at "
    "the end, no whitespace or other characters, and the pad bits must be zero (the "
    "canonical encoding, RFC 4648 §3.5). Anything else fails with MALFORMED_BASE64. RFC "
    "4648 itself decides only the characters outside the alphabet (§3.3); missing padding "
    "and non-zero pad bits are this decision, so those cases are acceptable."
)


def strict_b64decode(text):
    """Decode the way the vectors require, or raise ValueError."""
    raw = text.encode("ascii")  # non-ASCII text is itself malformed (UnicodeEncodeError)
    data = base64.b64decode(raw, validate=True)  # alphabet, padding placement and length
    if base64.b64encode(data) != raw:  # non-canonical: non-zero pad bits
        raise ValueError("non-canonical encoding")
    return data


def base64_file():
    enc, dec = [], []
    for n, (plain, encoded) in enumerate(RFC4648_BASE64, 1):
        data = plain.encode("ascii")
        check(f"RFC 4648 §10 BASE64({plain!r})", encoded, base64.b64encode(data).decode())
        check(f"RFC 4648 §10 decode {encoded!r}", data, strict_b64decode(encoded))
        enc.append(
            {
                "id": f"primitives/base64/encode/{n:03d}",
                "op": "encode",
                "comment": f'RFC 4648 §10: BASE64("{plain}") = "{encoded}"',
                "flags": [],
                "basis": ["rfc4648#10"],
                "input": {"data_hex": data.hex()},
                "expect": {"result": "valid", "output": {"text": encoded}},
            }
        )
        dec.append(
            {
                "id": f"primitives/base64/decode/{len(dec) + 1:03d}",
                "op": "decode",
                "comment": f'RFC 4648 §10: "{encoded}" decodes to "{plain}"',
                "flags": [],
                "basis": ["rfc4648#10"],
                "input": {"text": encoded},
                "expect": {"result": "valid", "output": {"data_hex": data.hex()}},
            }
        )
    # What the comments of the malformed cases claim.
    check("URL-safe '-_8='", b"\xfb\xff", base64.urlsafe_b64decode("-_8="))
    check("standard encoding of fb ff", "+/8=", base64.b64encode(b"\xfb\xff").decode())
    check("lax decoding of 'Zh=='", b"f", base64.b64decode("Zh==", validate=True))
    check("lax decoding of 'Zm9v YmFy'", b"foobar", base64.b64decode("Zm9v YmFy".replace(" ", "")))
    check("MIME-style decoding of 'Zm9v\\r\\nYmFy'", b"foobar", base64.b64decode("Zm9v\r\nYmFy"))
    for text, comment, basis, flag in MALFORMED_BASE64:
        try:
            strict_b64decode(text)
        except (ValueError, binascii.Error):
            pass
        else:
            raise LiteralMismatch(f"malformed base64 {text!r} was accepted by the strict decoder")
        dec.append(
            {
                "id": f"primitives/base64/decode/{len(dec) + 1:03d}",
                "op": "decode",
                "comment": comment,
                "flags": [flag],
                "basis": basis,
                "input": {"text": text},
                "expect": (
                    {"result": "acceptable", "reference": "invalid", "error": "MALFORMED_BASE64"}
                    if BASE64_FLAGS[flag]["description"].startswith("Acceptable: ")
                    else {"result": "invalid", "error": "MALFORMED_BASE64"}
                ),
            }
        )
    return {
        "scheme": "primitives/base64",
        "formatVersion": FORMAT_VERSION,
        "description": (
            "Base64 with the standard alphabet and padding (RFC 4648 §4): the seven BASE64 "
            "rows of RFC 4648 §10, each as an encode case (`data_hex` to `text`) and a "
            "decode case (`text` to `data_hex`), plus encodings a strict decoder must "
            "refuse with MALFORMED_BASE64."
        ),
        "sources": [RFC_4648],
        "numberOfTests": len(enc) + len(dec),
        "flags": BASE64_FLAGS,
        "decisions": {"STRICT-DECODE": STRICT_DECODE},
        "cases": enc + dec,
    }


# ---------------------------------------------------------------------------


def build():
    """Return {path: text} for every file this program owns."""
    files = {
        "sha1.json": digest_file("sha1", "sha1", "SHA-1"),
        "sha256.json": digest_file("sha256", "sha256", "SHA-256"),
        "hmac-sha1.json": hmac_sha1_file(),
        "hmac-sha256.json": hmac_sha256_file(),
        "base64.json": base64_file(),
    }
    return {
        OUT_DIR / name: json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
        for name, obj in files.items()
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if any file on disk differs")
    args = parser.parse_args(argv)

    try:
        outputs = build()
    except LiteralMismatch as e:
        print(f"primitives.py: published value does not match: {e}", file=sys.stderr)
        return 2

    if args.check:
        stale = []
        for path, text in outputs.items():
            try:
                on_disk = path.read_bytes()
            except FileNotFoundError:
                on_disk = None
            if on_disk != text.encode("utf-8"):
                stale.append(path)
        for path in stale:
            print(f"differs: {path.relative_to(VECTORS.parent)}", file=sys.stderr)
        if stale:
            print("run: python3 vectors/generators/primitives.py", file=sys.stderr)
            return 1
        return 0

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for path, text in outputs.items():
        path.write_bytes(text.encode("utf-8"))
        print(f"wrote {path.relative_to(VECTORS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
