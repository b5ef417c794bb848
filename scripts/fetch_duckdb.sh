#!/usr/bin/env bash
# Usage: scripts/fetch_duckdb.sh <vX.Y.Z>
# Prints the DuckDB source tree to build against. An initialised `duckdb/` submodule is used as
# is (the community pipeline checks out the version it builds); otherwise the PyPI source
# distribution of that version — the only source of the tree reachable here — is unpacked into
# the ignored build/duckdb-src/<version>, leaving `duckdb/` free for `git submodule update`.
# Archives are cached outside the repository and checked by sha256.
set -euo pipefail
version=${1:?usage: fetch_duckdb.sh vX.Y.Z}
root=$(cd "$(dirname "$0")/.." && pwd)

if [ -e "$root/duckdb/.git" ]; then
  echo "$root/duckdb"
  exit 0
fi

case "$version" in
  v2.0.1) sha256=5b3f493140e35b75298ee0fc606d98e3065e8601e64fe81b09326de7a6fd68e0 ;;
  v1.5.6) sha256=166a91dbfacfc0c9f08cc76c0243cb6d3d4296bfab5bad72a3cfb63140a5b7c8 ;;
  *) echo "no checked source distribution for DuckDB $version (known: v2.0.1, v1.5.6)" >&2; exit 1 ;;
esac
plain=${version#v}
cache=${SEMANTIC_VIEWS_CACHE:-$HOME/.cache/semantic_views}
archive=$cache/duckdb-$plain.tar.gz
tree=$root/build/duckdb-src/$version

install_footer_step() {
  # build_loadable_extension() expects this script inside the DuckDB tree; the 1.5 sdist lacks it.
  # (2.0 ships DuckDB's own script; ours is recognised by the footer writer it calls.)
  if [ ! -f "$tree/scripts/append_metadata.cmake" ] || grep -q extension_footer "$tree/scripts/append_metadata.cmake"; then
    mkdir -p "$tree/scripts"
    cp "$root/cmake/append_metadata.cmake" "$tree/scripts/append_metadata.cmake"
    cp "$root/scripts/extension_footer.py" "$tree/scripts/extension_footer.py"
    : > "$tree/scripts/null.txt"
  fi
}

if [ -f "$tree/.sdist-sha256" ] && [ "$(cat "$tree/.sdist-sha256")" = "$sha256" ]; then
  install_footer_step
  echo "$tree"
  exit 0
fi
mkdir -p "$cache"
if [ ! -f "$archive" ] || ! echo "$sha256  $archive" | sha256sum -c --status; then
  echo "fetching duckdb==$plain source distribution from PyPI" >&2
  rm -f "$archive"
  python3 -m pip download --quiet --no-deps --no-binary duckdb "duckdb==$plain" -d "$cache" >&2
fi
echo "$sha256  $archive" | sha256sum -c --status || { echo "sha256 mismatch for $archive" >&2; exit 1; }

mkdir -p "$root/build/duckdb-src"
tmp=$(mktemp -d "$root/build/duckdb-src/.unpack.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$archive" -C "$tmp" "duckdb-$plain/external/duckdb"
rm -rf "$tree"
mv "$tmp/duckdb-$plain/external/duckdb" "$tree"
install_footer_step
echo "$sha256" > "$tree/.sdist-sha256"
echo "duckdb $version unpacked into $tree" >&2
echo "$tree"
