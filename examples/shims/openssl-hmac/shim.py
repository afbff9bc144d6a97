#!/usr/bin/env python3
"""partner-auth shim protocol, version 1: the `openssl` command line computes every MAC and
digest, the way the HMAC vendor's quickstart signs a request
(`openssl dgst -sha256 -hmac "$API_SECRET" -binary | base64`).

This program only assembles the bytes to sign from a case (the page's formula
METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nBODY, PATH without the query) and hands them to
openssl on standard input; it never computes a MAC, a digest or Base64 itself. It feeds
the bytes directly rather than through the quickstart's `echo -ne`, which would turn a
backslash escape inside a JSON body into another byte (see ../FINDINGS.md).

    partner-auth check --shim "python3 examples/shims/openssl-hmac/shim.py"

With `--quickstart` the string to sign goes through bash's `echo -ne "$STRING_TO_SIGN"`
before openssl, exactly as the quickstart script does, so the matrix shows what that
script gets wrong.
"""

import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True

QUICKSTART = "--quickstart" in sys.argv[1:]


class Unsupported(Exception):
    pass


def quickstart_echo(data):
    """The bytes `echo -ne "$STRING_TO_SIGN"` writes in bash for a variable holding `data`."""
    if b"\0" in data:
        raise Unsupported("a shell variable cannot hold a NUL byte")
    done = subprocess.run(
        ["bash", "-c", 'echo -ne "$STRING_TO_SIGN"'],
        env={**os.environ, "STRING_TO_SIGN": os.fsdecode(data)},
        capture_output=True,
        check=True,
    )
    return done.stdout


def openssl(args, data):
    done = subprocess.run(["openssl", *args], input=data, capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args[:2])} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def version():
    name = openssl(["version"], b"").decode().strip()
    return f"{name} via the quickstart's echo -ne" if QUICKSTART else name


def body_bytes(inp):
    if "body_base64" in inp:
        return openssl(["base64", "-d", "-A"], inp["body_base64"].encode())
    if "body_pattern" in inp:
        return inp["body_pattern"].encode() * int(inp.get("body_repeat", 1))
    return inp.get("body", "").encode()


def hmac_sign(inp):
    path = inp["target"].split("?", 1)[0]
    body = body_bytes(inp)
    to_sign = b"\n".join([inp["method"].encode(), path.encode(), str(inp["timestamp"]).encode(), inp["nonce"].encode(), body])
    if "\0" in inp["secret"]:
        raise Unsupported("openssl -hmac takes the secret as an argument, which cannot hold a NUL byte")
    # -hmac takes the secret as a string: its bytes are the key, as in the quickstart.
    mac = openssl(["dgst", "-sha256", "-hmac", inp["secret"], "-binary"], quickstart_echo(to_sign) if QUICKSTART else to_sign)
    signature = openssl(["base64", "-A"], mac).decode().strip()
    out = {}
    if "body_repeat" in inp:
        out["string_to_sign_sha256"] = openssl(["dgst", "-sha256", "-r"], to_sign).decode().split()[0]
    else:
        try:
            out["string_to_sign"] = to_sign.decode("utf-8")
        except UnicodeDecodeError:
            out["string_to_sign_base64"] = openssl(["base64", "-A"], to_sign).decode().strip()
    out["signature"] = signature
    out["headers"] = [
        ["X-Api-Key", inp["api_key"]],
        ["X-Timestamp", str(inp["timestamp"])],
        ["X-Nonce", inp["nonce"]],
        ["Authorization", f"HMAC-SHA256 {signature}"],
    ]
    return out


def digest(algorithm):
    def run(inp):
        data = bytes.fromhex(inp["data_hex"]) * int(inp.get("repeat", 1))
        return {"digest_hex": openssl(["dgst", f"-{algorithm}", "-r"], data).decode().split()[0]}

    return run


def mac(algorithm):
    def run(inp):
        data = bytes.fromhex(inp["data_hex"])
        args = ["dgst", f"-{algorithm}", "-mac", "HMAC", "-macopt", f"hexkey:{inp['key_hex']}", "-r"]
        full = openssl(args, data).decode().split()[0]
        if "truncate_bytes" in inp:
            full = full[: 2 * int(inp["truncate_bytes"])]
        return {"mac_hex": full}

    return run


def b64_encode(inp):
    return {"text": openssl(["base64", "-A"], bytes.fromhex(inp["data_hex"])).decode().strip()}


def b64_decode(inp):
    return {"data_hex": openssl(["base64", "-d", "-A"], inp["text"].encode()).hex()}


FULL_OPS = {
    ("hmac-sha256", "sign"): hmac_sign,
    ("primitives/hmac-sha256", "mac"): mac("sha256"),
    ("primitives/hmac-sha1", "mac"): mac("sha1"),
    ("primitives/sha256", "digest"): digest("sha256"),
    ("primitives/sha1", "digest"): digest("sha1"),
    ("primitives/base64", "encode"): b64_encode,
    ("primitives/base64", "decode"): b64_decode,
}
# The quickstart pipeline only signs requests.
OPS = {("hmac-sha256", "sign"): hmac_sign} if QUICKSTART else FULL_OPS


def answer(message):
    if message.get("op") == "hello" and "id" not in message:
        return {"protocol": 1, "implementation": version(), "schemes": sorted({s for s, _ in OPS})}
    case_id = message.get("id")
    key = (message.get("scheme"), message.get("op"))
    function = OPS.get(key)
    if function is None:
        return {"id": case_id, "unsupported": f"openssl is used here only for MACs, digests and Base64, not {key[1]} of {key[0]}"}
    try:
        return {"id": case_id, "output": function(message.get("input") or {})}
    except KeyError as missing:
        return {"id": case_id, "unsupported": f"input without {missing}"}
    except Unsupported as why:
        return {"id": case_id, "unsupported": str(why)}
    except (RuntimeError, ValueError) as exc:
        return {"id": case_id, "error": {"code": "OPENSSL_ERROR", "message": str(exc)}}


def main():
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps(answer(json.loads(line))) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
