#!/bin/bash -eu
# Builds every cargo-fuzz target with the sanitizer flags the OSS-Fuzz toolchain sets
# and copies each binary, its seed corpus (the vector-derived fuzz/corpus/<target>/, the
# past findings in fuzz/regressions/<target>/ and, for vector_file, the vector files
# themselves) and its dictionary into $OUT.
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
  # Seed directories beyond the committed corpus (the vector files for vector_file),
  # every file under them, named by content so files of one name in two folders
  # (vectors/hmac-sha256.json, vectors/primitives/hmac-sha256.json) both go in.
  while read -r extra; do
    flat="$(mktemp -d)"
    while IFS= read -r -d '' f; do
      cp "$f" "$flat/$(sha1sum "$f" | cut -d' ' -f1)"
    done < <(find "$extra" -type f -print0)
    seeds+=("$flat"/*)
  done < <(fuzz_seed_dirs_for fuzz "$target")
  if [ "${#seeds[@]}" -gt 0 ]; then
    zip -jq "$OUT/${target}_seed_corpus.zip" "${seeds[@]}"
  fi
  cp "$(fuzz_dict_for fuzz "$target")" "$OUT/$target.dict"
done
