#!/usr/bin/env python3
"""Scores `partner-auth probe` against buggy variants of a small correct server.

    python3 tests/mutants/server_score.py PATH/TO/partner-auth [conformance|hardened]
        [--only ID[,ID…]] [--timeout SECS] [--jobs N]

1. Checks that every variant's `find` occurs exactly once in its file (else exits 2
   naming the variant) before running anything.
2. Starts the correct server (tests/mutants/server/server.py) on a free port and
   probes it for every scheme: it must pass (else exits 1).
3. For each variant of tests/mutants/server/variants.json (--jobs N of them side by side,
   default 2): writes the patched server to a temporary directory, starts it, probes
   the variant's schemes with `--profile` (each probe run bounded by --timeout SECS,
   default 60), and prints one line: caught (by which scheme/case), missed, or, for a variant the
   vendor's page allows, passed (and why it is allowed).
4. Prints the score: bugs caught / bugs the profile must catch. A `bug` variant whose
   `profile` is above the run's is not scored: it must not fail the run (its cases are
   informational).

Exits 1 when the score is below 90 %, when an allowed variant (or a bug of a higher
profile) fails the run, or when the correct server fails; 2 on a usage or set-up
error. Python 3 standard library only; every server and probe is bounded by a timeout.
"""

import concurrent.futures
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_DIR = os.path.join(HERE, "server")
CATALOGUE = os.path.join(SERVER_DIR, "variants.json")
SCHEMES = ["hmac-sha256", "signupto-hash", "signupto-partner-hash", "signupto-token"]
PROFILES = ["conformance", "hardened"]
TARGET = 0.90  # the score below which the script fails
STARTUP_SECS = 10  # how long a server may take to print its address
PROBE_SECS = 60  # how long one probe run may take (--timeout)
JOBS = 2  # variants run side by side (--jobs)
MAX_JOBS = 16
EXIT_CONFORMANT, EXIT_NONCONFORMANT = 0, 1


def die(message, code=2):
    print(f"server_score: {message}", file=sys.stderr)
    sys.exit(code)


def parse_args(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if argv else 2)
    binary, rest = argv[0], argv[1:]
    profile, only, timeout, jobs = "conformance", None, PROBE_SECS, JOBS
    while rest:
        arg = rest.pop(0)
        if arg in PROFILES:
            profile = arg
        elif arg == "--only" and rest:
            only = set(rest.pop(0).split(","))
        elif arg == "--jobs" and rest:
            text = rest.pop(0)
            if not text.isdigit() or not 1 <= int(text) <= MAX_JOBS:
                die(f"--jobs: expected a whole number from 1 to {MAX_JOBS}, e.g. 2")
            jobs = int(text)
        elif arg == "--timeout" and rest:
            try:
                timeout = float(rest.pop(0))
            except ValueError:
                die("--timeout: expected a number of seconds, e.g. 60")
        else:
            die(f"unexpected argument {arg!r}; usage: server_score.py PARTNER_AUTH [conformance|hardened] [--only ID,…] [--timeout SECS] [--jobs N]")
    if not os.access(binary, os.X_OK):
        die(f"{binary}: not an executable; give the path of the partner-auth binary (e.g. target/debug/partner-auth)")
    return binary, profile, only, timeout, jobs


def load_variants(only):
    with open(CATALOGUE, encoding="utf-8") as f:
        variants = json.load(f)["variants"]
    ids = [v["id"] for v in variants]
    if len(set(ids)) != len(ids):
        die("variants.json: duplicate ids")
    sources = {}
    for v in variants:
        for field in ("id", "kind", "schemes", "description", "file", "find", "replace"):
            if field not in v:
                die(f"variant {v.get('id', '?')}: no `{field}`")
        if v["kind"] not in ("bug", "allowed"):
            die(f"variant {v['id']}: kind must be `bug` or `allowed`")
        if v["kind"] == "bug" and v.get("profile", "conformance") not in PROFILES:
            die(f"variant {v['id']}: profile must be one of {PROFILES}")
        if v["kind"] == "allowed" and not v.get("allowed_because"):
            die(f"variant {v['id']}: an allowed variant says why (`allowed_because`)")
        unknown = [s for s in v["schemes"] if s not in SCHEMES]
        if unknown or not v["schemes"]:
            die(f"variant {v['id']}: schemes must be some of {SCHEMES}")
        path = os.path.join(SERVER_DIR, v["file"])
        if path not in sources:
            with open(path, encoding="utf-8") as f:
                sources[path] = f.read()
        count = sources[path].count(v["find"])
        if count != 1:
            die(f"variant {v['id']}: `find` occurs {count} times in {v['file']} (it must occur exactly once); fix the variant or the server")
    if only is not None:
        missing = only - set(ids)
        if missing:
            die(f"--only: no variant {', '.join(sorted(missing))}")
        variants = [v for v in variants if v["id"] in only]
    return variants, sources


class Server:
    """A server.py (patched or not) in its own process, stopped on exit."""

    def __init__(self, source):
        self.dir = tempfile.TemporaryDirectory(prefix="server-variant-")
        path = os.path.join(self.dir.name, "server.py")
        with open(path, "w", encoding="utf-8") as f:
            f.write(source)
        # stderr to a file: a server printing tracebacks never blocks on a full pipe.
        self.errors = open(os.path.join(self.dir.name, "stderr.txt"), "w+", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, path, "--port", "0"],
            stdout=subprocess.PIPE, stderr=self.errors, text=True,
        )
        self.url = None
        deadline = time.monotonic() + STARTUP_SECS
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if sel.select(timeout=max(0.0, deadline - time.monotonic())):
                line = self.proc.stdout.readline()
                if line.startswith("listening on "):
                    self.url = line.split(" ", 2)[2].strip()
                    break
                if not line:
                    break
        sel.close()
        if self.url is None:
            self.errors.seek(0)
            err = self.errors.read()
            self.stop()
            raise RuntimeError(f"the server did not start within {STARTUP_SECS} s: {err.strip()[-500:]}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.errors.close()
        self.dir.cleanup()


def probe(binary, scheme, url, profile, has_profile, timeout):
    """(exit code, failed cases, informational cases, output)."""
    cmd = [binary, "probe", scheme, "--url", url, "--format", "json", "--timeout", "5"]
    if has_profile:
        cmd += ["--profile", profile]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, [], [], f"the probe took longer than {timeout} s"
    try:
        doc = json.loads(done.stdout)
        failed, info = doc.get("failed", []), doc.get("informational", [])
    except ValueError:
        failed, info = [], []
    return done.returncode, failed, info, done.stdout + done.stderr


def main():
    binary, profile, only, timeout, jobs = parse_args(sys.argv[1:])
    variants, sources = load_variants(only)
    helptext = subprocess.run([binary, "probe", "--help"], capture_output=True, text=True, timeout=30).stdout
    has_profile = "--profile" in helptext
    level = PROFILES.index(profile)
    print(f"partner-auth probe against buggy servers: {binary}, profile {profile}"
          + ("" if has_profile else " (this probe has no --profile: every case counts)"))
    started = time.monotonic()

    correct = Server(sources[os.path.join(SERVER_DIR, "server.py")])
    try:
        for scheme in SCHEMES:
            code, failed, _, out = probe(binary, scheme, correct.url, profile, has_profile, timeout)
            if code != EXIT_CONFORMANT:
                print(out)
                die(f"the correct server fails `probe {scheme}` ({', '.join(failed) or 'exit ' + str(code)}): fix the server or the probe first", 1)
    finally:
        correct.stop()
    print("correct server: passes every scheme")

    caught = scored = 0
    missed, violations = [], []
    def run(v):
        """Starts the variant and probes its schemes: (error or None, results)."""
        path = os.path.join(SERVER_DIR, v["file"])
        source = sources[path].replace(v["find"], v["replace"], 1)
        try:
            server = Server(source)
        except RuntimeError as e:
            return str(e), []
        results = []
        try:
            for scheme in v["schemes"]:
                results.append((scheme,) + probe(binary, scheme, server.url, profile, has_profile, timeout))
        finally:
            server.stop()
        return None, results

    # Variants run side by side (each its own server on its own port); the lines are
    # printed in the catalogue's order.
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = list(pool.map(run, variants))
    for v, (error, results) in zip(variants, runs):
        if error is not None:
            violations.append(v["id"])
            print(f"ERROR   {v['id']}: {error}")
            continue
        errors = [(s, out) for s, code, _, _, out in results if code not in (EXIT_CONFORMANT, EXIT_NONCONFORMANT)]
        if errors:
            violations.append(v["id"])
            s, out = errors[0]
            print(f"ERROR   {v['id']}: probe {s} did not run: {out.strip()[-300:]}")
            continue
        by = [f"{s}:{c}" for s, code, failed, _, _ in results if code == EXIT_NONCONFORMANT for c in failed]
        info = [f"{s}:{c}" for s, _, _, inf, _ in results for c in inf]
        failed_run = bool(by)
        if v["kind"] == "allowed":
            if failed_run:
                violations.append(v["id"])
                print(f"VIOLATED {v['id']}: an allowed variant failed the probe ({', '.join(by)}); allowed because {v['allowed_because']}")
            else:
                print(f"pass    {v['id']}: allowed ({v['allowed_because']})")
            continue
        bug_level = PROFILES.index(v.get("profile", "conformance"))
        if bug_level > level:
            if failed_run and has_profile:
                violations.append(v["id"])
                print(f"VIOLATED {v['id']}: a {v['profile']}-profile bug failed a {profile} run ({', '.join(by)})")
            elif failed_run:
                print(f"n/s     {v['id']}: caught by {', '.join(by)} (a {v['profile']} bug, not scored under {profile})")
            else:
                seen = f"; informational: {', '.join(info)}" if info else ""
                print(f"n/s     {v['id']}: a {v['profile']} property, not scored under {profile}{seen}")
            continue
        scored += 1
        if failed_run:
            caught += 1
            print(f"caught  {v['id']}: by {', '.join(by)}")
        else:
            missed.append(v["id"])
            print(f"MISSED  {v['id']}: {v['description']}")

    score = caught / scored if scored else 1.0
    took = time.monotonic() - started
    print(f"score ({profile}): {caught}/{scored} bugs caught = {score:.0%} (target {TARGET:.0%}); "
          f"missed: {', '.join(missed) or 'none'}; {len(violations)} violation(s){': ' + ', '.join(violations) if violations else ''}; {took:.0f} s")
    if violations or score < TARGET:
        sys.exit(1)


if __name__ == "__main__":
    main()
