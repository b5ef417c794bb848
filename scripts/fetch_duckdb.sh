#!/usr/bin/env bash
# Unpacks DuckDB v1.5.6 into ./duckdb from the PyPI source distribution (the only reachable
# source of the tree). The archive is cached outside the repository and checked by sha256.
set -euo pipefail
version=1.5.6
sha256=166a91dbfacfc0c9f08cc76c0243cb6d3d4296bfab5bad72a3cfb63140a5b7c8
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${SEMANTIC_VIEWS_CACHE:-$HOME/.cache/semantic_views}
archive=$cache/duckdb-$version.tar.gz

install_footer_step() {
  # build_loadable_extension() expects this script inside the DuckDB tree; the sdist lacks it.
  mkdir -p "$root/duckdb/scripts"
  cp "$root/cmake/append_metadata.cmake" "$root/duckdb/scripts/append_metadata.cmake"
  : > "$root/duckdb/scripts/null.txt"
}

if [ -f "$root/duckdb/.sdist-sha256" ] && [ "$(cat "$root/duckdb/.sdist-sha256")" = "$sha256" ]; then
  install_footer_step
  exit 0
fi
mkdir -p "$cache"
if [ ! -f "$archive" ] || ! echo "$sha256  $archive" | sha256sum -c --status; then
  echo "fetching duckdb==$version source distribution from PyPI"
  rm -f "$archive"
  python3 -m pip download --quiet --no-deps --no-binary duckdb "duckdb==$version" -d "$cache"
fi
echo "$sha256  $archive" | sha256sum -c --status || { echo "sha256 mismatch for $archive" >&2; exit 1; }

tmp=$(mktemp -d "$root/.duckdb-unpack.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$archive" -C "$tmp" "duckdb-$version/external/duckdb"
rm -rf "$root/duckdb"
mv "$tmp/duckdb-$version/external/duckdb" "$root/duckdb"
install_footer_step
echo "$sha256" > "$root/duckdb/.sdist-sha256"
echo "duckdb v$version unpacked into $root/duckdb"
