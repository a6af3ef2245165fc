#!/usr/bin/env bash
# Runs the Wasm 2.0 snapshot of the spec suite (../shared/wasm-testsuite/*.wast): converts each
# file with Debian's wast2json (wabt 1.0.32) into OUT, then runs it with
# `chorus-wasm spectest --suite=wasm2`, which must report 0 failed.
# Usage: wasm2_snapshot_test.sh CHORUS_WASM SNAPSHOT_DIR OUT_DIR [EXECUTOR]
set -euo pipefail
chorus_wasm="$1" snapshot="$2" out="$3" executor="${4:-stack}"

# Files that wabt 1.0.32's text parser cannot read (it predates their syntax). The current suite
# in ../shared/wasm-testsuite/json, converted by a newer wabt, runs their 3.0 versions.
declare -A unconvertible=(
  [comments]="wast2json 1.0.32 aborts on a block comment at the end of the file"
  [if]="folded if with several condition expressions"
  [table_fill]="table instructions without a table index"
  [table_get]="table instructions without a table index"
  [table_grow]="table instructions without a table index"
  [table_set]="table instructions without a table index"
  [table_size]="table instructions without a table index"
)

command -v wast2json >/dev/null || { echo "wast2json (Debian package wabt) is missing" >&2; exit 1; }
mkdir -p "$out"
shopt -s nullglob
files=("$snapshot"/*.wast)
((${#files[@]} > 100)) || { echo "the Wasm 2.0 snapshot is missing under $snapshot" >&2; exit 1; }
for f in "${files[@]}"; do
  name=$(basename "$f" .wast)
  dir="$out/$name"
  if [[ -n "${unconvertible[$name]:-}" ]]; then
    echo "skipped file $name: ${unconvertible[$name]}"
    continue
  fi
  # Converted once per build folder; the snapshot never changes.
  [[ -f "$dir/$name.json" && "$dir/$name.json" -nt "$f" ]] && continue
  rm -rf "$dir" && mkdir -p "$dir"
  if ! wast2json "$f" -o "$dir/$name.json" 2>"$dir/wast2json.log"; then
    echo "wast2json cannot convert $name:" >&2
    cat "$dir/$name.log" "$dir/wast2json.log" >&2 2>/dev/null || true
    exit 1
  fi
done
exec "$chorus_wasm" spectest --suite=wasm2 --executor="$executor" "$out"
