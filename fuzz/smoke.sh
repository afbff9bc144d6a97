#!/usr/bin/env bash
# Runs every fuzz target for SECS seconds each (default 30) with cargo-fuzz on the
# nightly toolchain, then prints each target's executions per second and coverage.
#
#   fuzz/smoke.sh            # 30 s per target (what .ci/run does)
#   fuzz/smoke.sh 600        # 10 minutes per target
#   fuzz/smoke.sh 60 hmac_verify signupto_response   # only these targets
#
# The committed seed corpus (fuzz/corpus/<target>/) and past findings
# (fuzz/regressions/<target>/) are read but never written: new inputs go to a scratch
# directory. A crash stops the run with a non-zero exit; libFuzzer's reproducer is in
# fuzz/artifacts/<target>/, and the fix lands with the file copied to
# fuzz/regressions/<target>/ so `cargo test --test fuzz_corpus` keeps it fixed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$root"
# shellcheck source=targets.sh
. "$here/targets.sh"

secs="${1:-30}"
shift || true
if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(fuzz_targets "$here"); fi

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz: no nightly toolchain on this machine; cargo-fuzz needs one, so the fuzz smoke run is skipped"
  exit 0
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cargo +nightly fuzz build 2>&1 | tail -n 3

summary=()
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  dirs=("$scratch/$t")
  [ -d "fuzz/corpus/$t" ] && dirs+=("fuzz/corpus/$t")
  [ -d "fuzz/regressions/$t" ] && dirs+=("fuzz/regressions/$t")
  while read -r extra; do dirs+=("$extra"); done < <(fuzz_seed_dirs_for "$here" "$t")
  dict="$(fuzz_dict_for "$here" "$t")"
  log="$scratch/$t.log"
  echo "==> fuzz $t for ${secs}s (dict $(basename "$dict"))"
  if ! cargo +nightly fuzz run "$t" "${dirs[@]}" -- \
      -max_total_time="$secs" -dict="$dict" -timeout=10 -rss_limit_mb=4096 \
      -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz: target $t FAILED; reproducer under fuzz/artifacts/$t/" >&2
    exit 1
  fi
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)"
  ft="$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)"
  corpus="$(grep -o 'corp: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)"
  line="$(printf '%-28s %12s %10s %8s %8s %8s' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corpus:-?}")"
  echo "    $line"
  summary+=("$line")
done

printf '\n%-28s %12s %10s %8s %8s %8s\n' target execs execs/s cov ft corpus
printf '%s\n' "${summary[@]}"
echo "fuzz: ${#targets[@]} targets ran ${secs}s each without a crash"
