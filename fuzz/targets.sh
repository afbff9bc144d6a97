# Sourced by fuzz/smoke.sh and .clusterfuzzlite/build.sh: the fuzz targets (one file in
# fuzz/fuzz_targets/ each) and the dictionary each one uses.

# Prints the target names, one per line.
fuzz_targets() {
  local dir="$1" f
  for f in "$dir"/fuzz_targets/*.rs; do
    basename "${f%.rs}"
  done
}

# Prints the dictionary for a target: fuzz/dict/<first word of its name>.dict when that
# exists (signupto_response -> signupto.dict), else the JSON dictionary.
fuzz_dict_for() {
  local dir="$1" target="$2"
  local own="$dir/dict/${target%%_*}.dict"
  if [ -f "$own" ]; then echo "$own"; else echo "$dir/dict/json.dict"; fi
}

# Prints the seed directories of a target besides its committed corpus
# (fuzz/corpus/<target>/) and past findings (fuzz/regressions/<target>/): the
# vector-file loader's seeds are the vector files themselves (the repository's
# vectors/, read recursively by libFuzzer), never copies of them.
fuzz_seed_dirs_for() {
  local dir="$1" target="$2"
  if [ "$target" = vector_file ]; then echo "$(dirname "$dir")/vectors"; fi
}
