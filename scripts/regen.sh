#!/usr/bin/env bash
# Regenerates everything derived from the vector generators, in order:
#   1. every vector file (vectors/generators/*.py),
#   2. the fuzz seed corpus derived from them (fuzz/corpus/<target>/; the vector_file
#      target needs none: its fuzz runs read vectors/ itself),
#   3. the insta snapshots of every canonical string and built request,
# then runs the tests that check each of them, and lists what changed.
#
#   scripts/regen.sh           # regenerate, then check
#   scripts/regen.sh --check   # only check: exit 1 if anything is out of date
#
# Review the diff (`git status`, `git diff --stat`) before committing: a changed
# expected value must come from a generator change you meant.
set -euo pipefail
cd "$(dirname "$0")/.."

check_only=false
case "${1:-}" in
  "") ;;
  --check) check_only=true ;;
  *) echo "usage: scripts/regen.sh [--check]" >&2; exit 2 ;;
esac

command -v python3 >/dev/null || { echo "regen: python3 is needed (the generators are stdlib-only Python)" >&2; exit 2; }

echo "==> vector files"
for g in vectors/generators/*.py; do
  if $check_only; then
    python3 "$g" --check
  else
    python3 "$g"
  fi
done

echo "==> fuzz seed corpus"
if $check_only; then
  cargo test -q --locked --test fuzz_corpus
else
  PARTNER_AUTH_WRITE_CORPUS=1 cargo test -q --locked --test fuzz_corpus
fi

echo "==> snapshots"
if $check_only; then
  INSTA_UPDATE=no cargo test -q --locked --test snapshots
else
  INSTA_UPDATE=always cargo test -q --locked --test snapshots
fi

echo "==> the vectors against the reference and the independent Python shim"
cargo test -q --locked --test vectors --test python_shim

if ! $check_only; then
  echo "==> changed files"
  git status --short -- vectors fuzz/corpus snapshots
fi
