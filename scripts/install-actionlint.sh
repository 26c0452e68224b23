#!/usr/bin/env bash
# Installs actionlint (the GitHub Actions workflow linter) from the Go module proxy into
# $KC_TOOLS/bin (default ~/.cache/kafka-chaos/bin). Idempotent.
set -euo pipefail
dir="${KC_TOOLS:-$HOME/.cache/kafka-chaos}/bin"
[ -x "$dir/actionlint" ] && { echo "$dir/actionlint"; exit 0; }
mkdir -p "$dir"
GOBIN="$dir" CGO_ENABLED=0 go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12 >&2
echo "$dir/actionlint"
