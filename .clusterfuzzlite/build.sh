#!/bin/bash -eu
# Builds every cargo-fuzz target with the sanitizer flags the OSS-Fuzz toolchain sets
# and copies each binary, its seed corpus (the vector-derived fuzz/corpus/<target>/ plus
# the past findings in fuzz/regressions/<target>/) and its dictionary into $OUT.
cd "$SRC/partner-auth"
. fuzz/targets.sh

cargo fuzz build -O --debug-assertions
bin_dir=fuzz/target/x86_64-unknown-linux-gnu/release

for target in $(fuzz_targets fuzz); do
  cp "$bin_dir/$target" "$OUT/"
  seeds=()
  for d in "fuzz/corpus/$target" "fuzz/regressions/$target"; do
    if [ -d "$d" ] && [ -n "$(ls -A "$d")" ]; then seeds+=("$d"/*); fi
  done
  if [ "${#seeds[@]}" -gt 0 ]; then
    zip -jq "$OUT/${target}_seed_corpus.zip" "${seeds[@]}"
  fi
  cp "$(fuzz_dict_for fuzz "$target")" "$OUT/$target.dict"
done
