#!/usr/bin/env python3
"""Mutation score of the test vectors, measured on the independent Python shim.

Each entry of tests/mutants/shim/catalogue.json is a plausible implementer bug written
as a find/replace patch over a copy of examples/shims/python. For every entry the
script copies the shim, applies the patch and runs

    partner-auth check --shim "python3 <copy>/shim.py" --scheme <its schemes>

A bug mutant is *caught* when at least one case fails. An entry with ``allowed`` (the
vendor-page reason the variant conforms) is a *must-pass* mutant: `check` must pass
it; under ``--profile hardened`` an entry that also has ``hardened`` (the security
property the hardened profile adds) is a bug mutant again.

    python3 tests/mutants/shim_score.py target/debug/partner-auth [--profile hardened]

Exit status: 0 when the score reaches ``--min`` and every must-pass mutant passes; 1
when not, or when the unmutated shim does not pass; 2 for a broken catalogue (a
``find`` that does not occur exactly once names its mutant), bad arguments, a
``--profile`` the binary does not take, or a run that produced no report. Python 3
standard library only.
"""

import argparse
import concurrent.futures
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_CATALOGUE = os.path.join(ROOT, "tests", "mutants", "shim", "catalogue.json")
DEFAULT_SHIM_DIR = os.path.join(ROOT, "examples", "shims", "python")
PROFILES = ("conformance", "hardened")
MAX_JOBS = 2  # the machines that run this have two cores shared with other builds
DEFAULT_MIN_PERCENT = 90.0
DEFAULT_CASE_TIMEOUT = 10  # seconds, passed to `check --timeout`
RUN_TIMEOUT = 600  # seconds one `check` run of one mutant may take in all
FIRST_FAILURES = 3  # failing case ids shown per caught mutant
VECTORS = os.path.join(ROOT, "vectors")

FIELDS = {"id", "scheme", "run", "description", "bugType", "file", "find", "replace", "allowed", "hardened", "kill"}
REQUIRED = ("id", "scheme", "description", "bugType", "file", "find", "replace")
BUG_TYPES = {"AUTH_BYPASS", "REPLAY", "FRESHNESS", "CANONICALIZATION", "INTEROP",
             "MALFORMED_INPUT", "INFORMATION_LEAK", "SPEC_AMBIGUITY", "BASIC"}


class CatalogueError(Exception):
    """The catalogue cannot be used as it is (exit 2)."""


def text_field(entry, name):
    """A find/replace value: a string, or a list of lines joined by LF."""
    value = entry[name]
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "\n".join(value)
    if isinstance(value, str):
        return value
    raise CatalogueError(f"mutant {entry.get('id')!r}: {name} must be a string or a list of lines")


def hardened_properties(vectors_dir=VECTORS):
    """{scheme: set of the property ids in its vector file's `hardened` table}."""
    out = {}
    for folder, _, files in os.walk(vectors_dir):
        for name in sorted(files):
            if not name.endswith(".json") or name == "schema.json":
                continue
            try:
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    data = json.load(f)
            except (OSError, ValueError) as exc:
                raise CatalogueError(f"cannot read the vector file {name}: {exc}") from None
            if isinstance(data, dict) and isinstance(data.get("scheme"), str):
                out.setdefault(data["scheme"], set()).update(data.get("hardened") or {})
    return out


def load_catalogue(path, vectors_dir=VECTORS):
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except (OSError, ValueError) as exc:
        raise CatalogueError(f"cannot read the catalogue {path}: {exc}") from None
    mutants = raw.get("mutants") if isinstance(raw, dict) else None
    if not isinstance(mutants, list) or not mutants:
        raise CatalogueError(f"{path}: expected an object with a non-empty array `mutants`")
    seen = set()
    out = []
    properties = None  # read from the vector files at the first `hardened` entry
    for index, entry in enumerate(mutants):
        where = f"{path}: mutants[{index}]"
        if not isinstance(entry, dict):
            raise CatalogueError(f"{where} is not an object")
        unknown = set(entry) - FIELDS
        if unknown:
            raise CatalogueError(f"{where} ({entry.get('id')!r}): unknown field(s) {sorted(unknown)}; "
                                 f"allowed: {sorted(FIELDS)}")
        for name in REQUIRED:
            if name not in entry:
                raise CatalogueError(f"{where} ({entry.get('id')!r}): missing field `{name}`")
        mid = entry["id"]
        if not isinstance(mid, str) or not mid:
            raise CatalogueError(f"{where}: id must be a non-empty string")
        if mid in seen:
            raise CatalogueError(f"{where}: duplicate id {mid!r}")
        seen.add(mid)
        if entry["bugType"] not in BUG_TYPES:
            raise CatalogueError(f"mutant {mid}: bugType {entry['bugType']!r} is not one of {sorted(BUG_TYPES)}")
        run = entry.get("run", [entry["scheme"]])
        if not isinstance(run, list) or not run or not all(isinstance(s, str) and s for s in run):
            raise CatalogueError(f"mutant {mid}: run must be a non-empty list of scheme slugs")
        for name in ("allowed", "hardened", "kill"):
            if name in entry and (not isinstance(entry[name], str) or not entry[name]):
                raise CatalogueError(f"mutant {mid}: {name} must be a non-empty string (the reason)")
        if "hardened" in entry and "allowed" not in entry:
            raise CatalogueError(f"mutant {mid}: `hardened` only makes sense with `allowed` "
                                 "(a bug under every profile needs neither)")
        if "hardened" in entry:
            if properties is None:
                properties = hardened_properties(vectors_dir)
            known = set().union(*(properties.get(s, set()) for s in run))
            if entry["hardened"] not in known:
                raise CatalogueError(
                    f"mutant {mid}: hardened {entry['hardened']!r} is no property in the `hardened` tables of "
                    f"{', '.join(run)} (they have: {', '.join(sorted(known)) or 'none'}); name the property whose "
                    "hardened case catches the mutant, or drop `hardened` (then the mutant is must-pass under "
                    "both profiles)")
        find, replace = text_field(entry, "find"), text_field(entry, "replace")
        if not find:
            raise CatalogueError(f"mutant {mid}: find is empty")
        if find == replace:
            raise CatalogueError(f"mutant {mid}: replace equals find (the patch changes nothing)")
        out.append(dict(entry, find=find, replace=replace, run=run))
    return out


def kind(mutant, profile):
    """'bug' (must be caught) or 'must-pass' under ``profile``."""
    if "allowed" not in mutant:
        return "bug"
    if profile == "hardened" and "hardened" in mutant:
        return "bug"
    return "must-pass"


def copy_shim(shim_dir, dest):
    shutil.copytree(shim_dir, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def apply_patch(copy_dir, mutant):
    """Patch the copy in place; CatalogueError unless ``find`` occurs exactly once and
    the patched file still compiles."""
    path = os.path.join(copy_dir, mutant["file"])
    try:
        with open(path, encoding="utf-8") as f:
            source = f.read()
    except OSError as exc:
        raise CatalogueError(f"mutant {mutant['id']}: cannot read {mutant['file']}: {exc}") from None
    count = source.count(mutant["find"])
    if count != 1:
        raise CatalogueError(
            f"mutant {mutant['id']}: `find` occurs {count} times in {mutant['file']} (must be exactly once); "
            f"the shim changed: rewrite the mutant's find/replace against the current code")
    patched = source.replace(mutant["find"], mutant["replace"], 1)
    try:
        compile(patched, path, "exec")
    except SyntaxError as exc:
        raise CatalogueError(f"mutant {mutant['id']}: the patched {mutant['file']} does not compile: {exc}") from None
    with open(path, "w", encoding="utf-8") as f:
        f.write(patched)


def check_command(binary, copy_dir, schemes, profile):
    shim = f"python3 {shlex.quote(os.path.join(copy_dir, 'shim.py'))}"
    cmd = [binary, "check", "--shim", shim, "--format", "json", "--timeout", str(DEFAULT_CASE_TIMEOUT)]
    for scheme in schemes:
        cmd += ["--scheme", scheme]
    # `--profile` is passed only when it is not the default, so this script also runs
    # against a binary that predates the flag as long as the default profile is asked.
    if profile != "conformance":
        cmd += ["--profile", profile]
    return cmd


class RunError(Exception):
    """`check` produced no usable report."""


def run_check(binary, copy_dir, schemes, profile):
    """(failed case ids, skipped count, crash count, case count) of one `check --shim` run."""
    cmd = check_command(binary, copy_dir, schemes, profile)
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RunError(f"`check` ran longer than {RUN_TIMEOUT} s") from None
    except OSError as exc:
        raise RunError(f"cannot run {binary}: {exc}") from None
    try:
        report = json.loads(proc.stdout)
        cases = [case for scheme in report["schemes"] for case in scheme["cases"]]
    except (ValueError, KeyError, TypeError):
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        raise RunError(f"`check` exited {proc.returncode} without a JSON report: {stderr[-2000:]}") from None
    if not cases:
        raise RunError(f"`check` ran no case of {', '.join(schemes)} (a misspelt scheme slug?)")
    failed = [c["id"] for c in cases if c.get("outcome") == "failed"]
    skipped = sum(1 for c in cases if c.get("outcome") == "skipped")
    crashes = sum(1 for c in cases if c.get("outcome") == "failed" and "INTERNAL_ERROR" in json.dumps(c.get("actual")))
    if proc.returncode not in (0, 1):
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        raise RunError(f"`check` exited {proc.returncode}: {stderr[-2000:]}")
    return failed, skipped, crashes, len(cases)


def vector_cases(schemes):
    """{scheme: [protocol line of each case]} of the vector files under vectors/."""
    out = {}
    for folder, _, files in os.walk(VECTORS):
        for name in sorted(files):
            if not name.endswith(".json") or name == "schema.json":
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                data = json.load(f)
            scheme = data.get("scheme")
            if scheme not in schemes:
                continue
            out.setdefault(scheme, []).extend(
                json.dumps({"id": c["id"], "scheme": scheme, "op": c["op"], "input": c["input"]})
                for c in data.get("cases", []) if not c.get("withdrawn"))
    return out


def answers(copy_dir, lines):
    """{case id: the graded part of its answer} of the shim in ``copy_dir``."""
    feed = json.dumps({"op": "hello", "protocol": 1}) + "\n" + "".join(line + "\n" for line in lines)
    try:
        proc = subprocess.run(["python3", os.path.join(copy_dir, "shim.py")], input=feed.encode("utf-8"),
                              capture_output=True, timeout=RUN_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RunError(f"cannot run the shim directly: {exc}") from None
    out = {}
    for raw in proc.stdout.decode("utf-8", "replace").splitlines()[1:]:
        try:
            answer = json.loads(raw)
        except ValueError:
            continue
        if isinstance(answer, dict):
            out[answer.get("id")] = graded(answer)
    return out


def graded(answer):
    """What of an answer the runner grades: the output, the error code, or that the
    case is unsupported (an error's message is for people and is left out)."""
    if "output" in answer:
        return json.dumps({"output": answer["output"]}, sort_keys=True)
    if "error" in answer:
        error = answer["error"]
        return json.dumps({"error": error.get("code") if isinstance(error, dict) else error})
    return json.dumps({"unsupported": "unsupported" in answer})


def score_one(args, mutant, workdir, base_answers, cases):
    """The result dict of one mutant."""
    copy_dir = os.path.join(workdir, mutant["id"])
    copy_shim(args.shim_dir, copy_dir)
    apply_patch(copy_dir, mutant)
    started = time.monotonic()
    try:
        failed, skipped, crashes, total = run_check(args.binary, copy_dir, mutant["run"], args.profile)
        error = None
    except RunError as exc:
        failed, skipped, crashes, total, error = [], 0, 0, 0, str(exc)
    # The cases a must-pass mutant answers differently from the unmutated shim: with
    # none, no vector exercises the variant and its "passes" says nothing.
    changed = []
    if error is None and kind(mutant, args.profile) == "must-pass":
        lines = [line for scheme in mutant["run"] for line in cases.get(scheme, [])]
        try:
            mine = answers(copy_dir, lines)
            changed = sorted(i for i, a in mine.items() if base_answers.get(i) != a)
        except RunError as exc:
            error = str(exc)
    shutil.rmtree(copy_dir, ignore_errors=True)
    return {"mutant": mutant, "kind": kind(mutant, args.profile), "failed": failed, "skipped": skipped,
            "crashes": crashes, "cases": total, "changed": changed, "error": error,
            "seconds": time.monotonic() - started}


def line_of(result):
    m = result["mutant"]
    head = f"{m['id']:<40} {m['scheme']:<22}"
    if result["error"]:
        return f"ERROR   {head} {result['error']}"
    n = len(result["failed"])
    first = ", ".join(result["failed"][:FIRST_FAILURES]) + (", …" if n > FIRST_FAILURES else "")
    extra = ""
    if result["crashes"]:
        extra += f" ({result['crashes']} by a shim crash)"
    if result["skipped"]:
        extra += f" ({result['skipped']} skipped)"
    if result["kind"] == "bug":
        if n:
            return f"caught  {head} {n}/{result['cases']} failed{extra}: {first}"
        return f"MISSED  {head} 0/{result['cases']} failed{extra}: {m['description']}"
    if n:
        return f"BROKEN  {head} must pass, {n}/{result['cases']} failed{extra}: {first}"
    changed = result["changed"]
    seen = (f"; answers {len(changed)} case(s) otherwise: " + ", ".join(changed[:FIRST_FAILURES])
            + (", …" if len(changed) > FIRST_FAILURES else "")) if changed else "; UNEXERCISED: answers every case alike"
    return f"passes  {head} must pass, 0/{result['cases']} failed{extra}{seen}"


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Mutation score of the test vectors on the independent Python shim "
                    "(catalogue: tests/mutants/shim/catalogue.json).")
    p.add_argument("binary", help="path of the partner-auth binary (built with the cli feature)")
    p.add_argument("--profile", default="conformance",
                   help="conformance (default) or hardened; passed to `check --profile` when not conformance")
    p.add_argument("--only", action="append", metavar="ID", help="only this mutant (repeatable)")
    p.add_argument("--min", type=float, default=DEFAULT_MIN_PERCENT, metavar="PERCENT",
                   help=f"the lowest passing score, caught / bug mutants in percent (default {DEFAULT_MIN_PERCENT:g})")
    p.add_argument("--jobs", type=int, default=MAX_JOBS, metavar="N",
                   help=f"mutants checked at once, 1 to {MAX_JOBS} (default {MAX_JOBS})")
    p.add_argument("--catalogue", default=DEFAULT_CATALOGUE, help="the mutant catalogue (JSON)")
    p.add_argument("--shim-dir", default=DEFAULT_SHIM_DIR, help="the shim to mutate (default examples/shims/python)")
    args = p.parse_args(argv)
    if args.profile not in PROFILES:
        p.error(f"--profile must be one of {', '.join(PROFILES)}, not {args.profile!r}")
    if not 1 <= args.jobs <= MAX_JOBS:
        p.error(f"--jobs must be 1 to {MAX_JOBS}, not {args.jobs}")
    if not 0 <= args.min <= 100:
        p.error(f"--min must be a percentage from 0 to 100, not {args.min:g}")
    args.binary = os.path.abspath(args.binary)
    if not os.access(args.binary, os.X_OK):
        p.error(f"the partner-auth binary {args.binary} does not exist or is not executable "
                "(build it: cargo build --bin partner-auth)")
    if not os.path.isfile(os.path.join(args.shim_dir, "shim.py")):
        p.error(f"--shim-dir {args.shim_dir} holds no shim.py")
    return args


def main(argv):
    started = time.monotonic()
    args = parse_args(argv)
    try:
        mutants = load_catalogue(args.catalogue)
        if args.only:
            known = {m["id"] for m in mutants}
            missing = [i for i in args.only if i not in known]
            if missing:
                raise CatalogueError(f"--only names no mutant of the catalogue: {', '.join(missing)}")
            mutants = [m for m in mutants if m["id"] in args.only]
        workdir = tempfile.mkdtemp(prefix="shim-mutants-")
        try:
            # Every patch must apply before anything runs: a refactor of the shim that
            # voids a mutant stops the run here, naming it.
            probe = os.path.join(workdir, "_probe")
            for m in mutants:
                copy_shim(args.shim_dir, probe)
                apply_patch(probe, m)
                shutil.rmtree(probe)
            return run(args, mutants, workdir, started)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    except CatalogueError as exc:
        print(f"shim_score: {exc}", file=sys.stderr)
        return 2


def has_profile_flag(binary):
    """Whether this `partner-auth check` takes `--profile`."""
    try:
        proc = subprocess.run([binary, "check", "--help"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RunError(f"cannot run {binary} check --help: {exc}") from None
    return b"--profile" in proc.stdout


def run(args, mutants, workdir, started):
    if args.profile != "conformance":
        try:
            supported = has_profile_flag(args.binary)
        except RunError as exc:
            print(f"shim_score: {exc}", file=sys.stderr)
            return 2
        if not supported:
            print(f"shim_score: {args.binary} has no `check --profile` flag, so --profile {args.profile} "
                  "cannot be scored; build a partner-auth that has it, or leave --profile at conformance",
                  file=sys.stderr)
            return 2
    print(f"shim mutants: {len(mutants)} from {os.path.relpath(args.catalogue, ROOT)}, "
          f"profile {args.profile}, {args.jobs} worker(s)", flush=True)

    # The unmutated copy must pass, else every "caught" below would mean nothing.
    schemes = sorted({s for m in mutants for s in m["run"]})
    base = os.path.join(workdir, "_unmutated")
    copy_shim(args.shim_dir, base)
    try:
        failed, skipped, crashes, total = run_check(args.binary, base, schemes, args.profile)
        cases = vector_cases(set(schemes))
        base_answers = answers(base, [line for lines in cases.values() for line in lines])
    except RunError as exc:
        print(f"the unmutated shim: {exc}", file=sys.stderr)
        return 2
    if failed or skipped:
        cmd = check_command(args.binary, base, schemes, args.profile)
        cmd[cmd.index("--format") + 1] = "text"
        shown = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=RUN_TIMEOUT)
        print(shown.stdout.decode("utf-8", "replace")[-20000:], file=sys.stderr)
        print(f"the unmutated shim does not pass: {len(failed)} failed, {skipped} skipped of {total} "
              f"({', '.join(failed[:10])}); every score below would mean nothing", file=sys.stderr)
        return 1
    print(f"unmutated shim: {total} cases of {len(schemes)} schemes pass", flush=True)

    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for result in pool.map(lambda m: score_one(args, m, workdir, base_answers, cases), mutants):
            print(line_of(result), flush=True)
            results.append(result)

    errors = [r for r in results if r["error"]]
    bugs = [r for r in results if r["kind"] == "bug" and not r["error"]]
    caught = [r for r in bugs if r["failed"]]
    missed = [r for r in bugs if not r["failed"]]
    must_pass = [r for r in results if r["kind"] == "must-pass" and not r["error"]]
    broken = [r for r in must_pass if r["failed"]]

    print("\nper scheme (caught / bug mutants, must-pass):")
    for scheme in sorted({r["mutant"]["scheme"] for r in results}):
        mine = [r for r in results if r["mutant"]["scheme"] == scheme]
        b = [r for r in mine if r["kind"] == "bug"]
        print(f"  {scheme:<24} {sum(1 for r in b if r['failed'])}/{len(b)}, "
              f"{sum(1 for r in mine if r['kind'] == 'must-pass')} must-pass")

    percent = 100.0 * len(caught) / len(bugs) if bugs else 100.0
    print(f"\nscore ({args.profile}): {len(caught)}/{len(bugs)} bug mutants caught = {percent:.1f} % "
          f"(minimum {args.min:g} %)")
    if missed:
        print(f"missed ({len(missed)}):")
        for r in missed:
            m = r["mutant"]
            print(f"  {m['id']} [{m['bugType']}] {m['description']}")
            print(f"      kill case: {m.get('kill', 'none proposed yet: add one to the entry (`kill`)')}")
    if must_pass:
        print(f"must-pass ({len(must_pass)}): the vendor's pages allow these variants "
              "(unexercised: no case is answered otherwise, so no vector pins the variant)")
        for r in must_pass:
            m = r["mutant"]
            if r["failed"]:
                verdict = f"CAUGHT ({', '.join(r['failed'][:FIRST_FAILURES])})"
            else:
                verdict = "passes" if r["changed"] else "passes, unexercised"
            print(f"  {verdict:<19} {m['id']}: {m['allowed']}")
    for r in errors:
        print(f"error: mutant {r['mutant']['id']}: {r['error']}", file=sys.stderr)
    print(f"run time: {time.monotonic() - started:.1f} s")

    status = 0
    if errors:
        print(f"{len(errors)} mutant run(s) produced no report", file=sys.stderr)
        status = 2
    if broken:
        print(f"{len(broken)} must-pass mutant(s) fail `check`: "
              f"{', '.join(r['mutant']['id'] for r in broken)}", file=sys.stderr)
        status = status or 1
    if percent < args.min:
        print(f"the score {percent:.1f} % is below the minimum {args.min:g} %", file=sys.stderr)
        status = status or 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
