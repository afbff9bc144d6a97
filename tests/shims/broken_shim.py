#!/usr/bin/env python3
"""A deliberately broken shim for the runner's tests.

It forwards every line to a real shim (argv[2:], e.g. `partner-auth shim`) and breaks
the conversation in one way, chosen by argv[1]:

  wrong-signature:ID   flip one hex digit of the `signature` stage of case ID
  crash-after:N        exit with status 3 (after a line on stderr) when case N+1 arrives
  crash-on:ID          the same, on case ID only (a restarted shim goes on)
  hang-on:ID           never answer case ID
  garbage-on:ID        answer case ID with a line that is not JSON
  out-of-order:ID      answer case ID with another id
  unsupported-op:OP    answer `unsupported` for every case of op OP
  bad-hello            answer the hello with protocol 2
"""
import json
import subprocess
import sys
import time

mode, _, arg = sys.argv[1].partition(":")
real = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def ask(line):
    real.stdin.write(line + "\n")
    real.stdin.flush()
    return real.stdout.readline().rstrip("\n")


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


seen = 0
for line in sys.stdin:
    line = line.rstrip("\n")
    req = json.loads(line)
    if req.get("op") == "hello":
        answer = ask(line)
        if mode == "bad-hello":
            hello = json.loads(answer)
            hello["protocol"] = 2
            answer = json.dumps(hello)
        say(answer)
        continue
    seen += 1
    case_id = req["id"]
    if mode == "crash-after" and seen > int(arg):
        sys.stderr.write("broken shim: crashing on purpose\n")
        sys.exit(3)
    if mode == "crash-on" and case_id == arg:
        sys.stderr.write("broken shim: crashing on purpose\n")
        sys.exit(3)
    if mode == "hang-on" and case_id == arg:
        time.sleep(3600)
    if mode == "garbage-on" and case_id == arg:
        say("this is not json")
        continue
    if mode == "unsupported-op" and req["op"] == arg:
        say(json.dumps({"id": case_id, "unsupported": "not implemented here"}))
        continue
    answer = json.loads(ask(line))
    if mode == "wrong-signature" and case_id == arg:
        sig = answer["output"]["signature"]
        answer["output"]["signature"] = ("1" if sig[0] != "1" else "2") + sig[1:]
    if mode == "out-of-order" and case_id == arg:
        answer["id"] = case_id + "-other"
    say(json.dumps(answer))
