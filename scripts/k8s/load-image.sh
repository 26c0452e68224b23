#!/usr/bin/env bash
# Side-loads an image of the Docker engine into the local node's containerd (no registry), once
# per content: a stamp beside containerd's root records the Docker image id that was loaded.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/env.sh"
img=${1:?usage: load-image.sh IMAGE}
id=$(docker image inspect -f '{{.Id}}' "$img" 2>/dev/null) || { echo "k8s: no image $img in the Docker engine (build it first: npm run images)" >&2; exit 1; }
stamps=$K8S_STATE/run/containerd/loaded; mkdir -p "$stamps"
stamp=$stamps/$(echo "$img" | tr '/:' '__')
ref=$img; case "${ref%%/*}" in *.*|*:*|localhost) ;; *) case "$ref" in */*) ref="docker.io/$ref";; *) ref="docker.io/library/$ref";; esac;; esac
if [ "$(cat "$stamp" 2>/dev/null)" = "$id" ] && ctr --address "$K8S_SOCK" -n k8s.io images ls -q | grep -qx "$ref"; then exit 0; fi
docker save "$img" | ctr --address "$K8S_SOCK" -n k8s.io images import - >/dev/null
echo "$id" > "$stamp"
echo "k8s: loaded $img into the node"
