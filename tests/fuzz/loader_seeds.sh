#!/usr/bin/env bash
# Writes the seed corpora of the loader fuzz targets into OUT/<target>/ (ctest fuzz.loader_seeds, before them):
#   loader_seeds.sh OUT SOURCE_DIR CONDITION_SEEDS_BINARY
# snapshot, snapshot_json, snapshot_yaml: every snapshot of the tests (YAML and JSON; JSON only; YAML only) and the
# hostile ones tests/hostile writes;
# knowledge_file: every YAML file of the shipped knowledge and of the test folders, hostile ones included;
# condition: every `when`/`applies_to` of those files. Generated into the build tree: no seeds in the repository.
set -euo pipefail
out=$1 src=$2 condition_seeds=$3
rm -rf "$out"
mkdir -p "$out/snapshot" "$out/snapshot_json" "$out/snapshot_yaml" "$out/knowledge_file"
bash "$src/tests/hostile/make_inputs.sh" "$out/hostile" "$src/tests/data/cli/kb_mini" >/dev/null

# copy_seeds DIR FILE...: each file as DIR/seedN.
copy_seeds() {
  local dir=$1 n=0; shift
  for f in "$@"; do n=$((n + 1)); cp "$f" "$dir/seed$n"; done
  echo "$dir: $n seeds"
  [ "$n" -gt 0 ]
}

mapfile -t snapshots < <(grep -rl --include='*.yaml' --include='*.json' 'kbdiag-snapshot/' "$src/tests" "$out/hostile" | sort)
mapfile -t json < <(printf '%s\n' "${snapshots[@]}" | grep '\.json$')
mapfile -t yaml < <(printf '%s\n' "${snapshots[@]}" | grep -v '\.json$')
mapfile -t knowledge < <(find "$src/knowledge" "$src/tests/data/cli" "$out/hostile" -name '*.yaml' -type f \
                         -exec grep -L 'kbdiag-snapshot/' {} + | sort)
copy_seeds "$out/snapshot" "${snapshots[@]}"
copy_seeds "$out/snapshot_json" "${json[@]}"
copy_seeds "$out/snapshot_yaml" "${yaml[@]}"
# and each without its comment lines, which the YAML fast path leaves to the general reader
for f in "${yaml[@]}"; do grep -v '^ *#' "$f" >"$out/snapshot_yaml/stripped-$(basename "$f")" || true; done
copy_seeds "$out/knowledge_file" "${knowledge[@]}"
"$condition_seeds" "$out/condition" "${knowledge[@]}"
