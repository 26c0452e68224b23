#!/usr/bin/env bash
# Takes a bare Debian/Ubuntu machine to one that runs kafka-chaos, idempotently (what is there is
# kept): Node >= 22 (Node 24 from the npm registry when the machine's is older), the host tools
# the images need (Maven, mmdebstrap, nsenter), a JDK for the Java client, the libraries librdkafka builds against, the Docker
# engine, and the npm dependencies. Go >= 1.23 must be on the machine (it builds Toxiproxy from
# its Go module). Prints the bin directory of the Node it set up on its last line.
# Called by `npm run chaos` when something is missing, and by .ci/run.
set -uo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
step() { echo "== setup: $* ($(date +%T))" >&2; }
fail() { echo "setup: $*" >&2; exit 1; }
SUDO=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"

step "Node >= 22"
NODE_BIN=$(bash scripts/install-node.sh) || fail "could not install Node 24 from the npm registry"
export PATH="$NODE_BIN:$PATH"

step "host tools (Maven, a JDK, mmdebstrap, nsenter, librdkafka build libraries)"
need=()
command -v mvn >/dev/null || need+=(maven)
# The Java client's sidecar runs as a single-file source program: it needs the JDK's compiler.
command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v nsenter >/dev/null || need+=(util-linux)
# kc-clock, the clock nemesis's layer (docker/clock), is built with the host's C compiler.
command -v cc >/dev/null || need+=(gcc libc6-dev)
# @confluentinc/kafka-javascript builds librdkafka from source here (its prebuilt binary is a
# GitHub download), linked against Debian's libraries.
for pkg in zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
for pkg in ${KC_SETUP_EXTRA_PACKAGES:-}; do need+=("$pkg"); done
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need[@]}" >/dev/null || fail "apt-get install ${need[*]} failed"
fi
command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"; }
command -v go >/dev/null || echo "setup: no Go on PATH: building the Toxiproxy image needs Go >= 1.23 (install it from go.dev)" >&2

step "Docker engine"
$SUDO bash scripts/install-docker.sh >&2 || fail "no Docker engine"

step "npm dependencies"
if [ -z "${KC_SETUP_FORCE_NPM:-}" ] && [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "setup: node_modules is up to date" >&2
else
  # The native build of @confluentinc/kafka-javascript: link librdkafka against the system
  # libraries (its default static build downloads them), and compile against the headers of the
  # Node that runs it (a user npmrc may name another one).
  export CKJS_LINKING=dynamic
  node_dir=$(dirname "$NODE_BIN")
  [ -f "$node_dir/include/node/node.h" ] && export npm_config_nodedir="$node_dir"
  npm ci --no-audit --no-fund >&2 || fail "npm ci failed"
fi
echo "$NODE_BIN"
