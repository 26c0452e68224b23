#!/usr/bin/env bash
# Builds a one-node Kubernetes once into a cache, from the Go module proxy and Debian's packages
# only (no image registry): Kubernetes 1.34.4 server binaries, kubectl and etcd 3.6.4; CoreDNS
# with a few plugins; the pause binary; Debian's CNI plugins; the pause and CoreDNS
# images as tarballs for containerd. Idempotent: what is built is kept (a stamp per piece).
# Cold about 8 minutes on 2 cores (3 GB of Go build cache), warm under a second.
# Prints the cache directory on its last line.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/env.sh"
log() { echo "k8s build: $* ($(date +%T))" >&2; }
command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"; }
command -v go >/dev/null || { echo "k8s build: Go >= 1.24 is needed (install it from go.dev)" >&2; exit 1; }
# Host tools the node runs with (Debian's): containerd and runc (also Docker's), iptables, and
# what the scripts use.
need=()
for pair in containerd:containerd ctr:containerd runc:runc iptables:iptables conntrack:conntrack curl:curl ss:iproute2 ip:iproute2 openssl:openssl findmnt:util-linux gcc:gcc; do
  command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]} from Debian"
  apt-get update -qq && apt-get install -y -qq $(printf '%s\n' "${need[@]}" | sort -u) libc6-dev >/dev/null || { echo "k8s build: apt-get install ${need[*]} failed" >&2; exit 1; }
fi
mkdir -p "$K8S_HOME/bin" "$K8S_HOME/images" "$K8S_HOME/root"
export GOFLAGS=-modcacherw CGO_ENABLED=0
SRC="$K8S_HOME/src"

if [ ! -f "$K8S_HOME/bin/.k8s-$K8S_VERSION" ]; then
  log "Kubernetes $K8S_VERSION and etcd from the Go module proxy (cold: ~7 min)"
  rm -rf "$SRC/k8s"; mkdir -p "$SRC/k8s"; cp "$HERE/go/k8s/go.mod" "$HERE/go/k8s/tools.go" "$SRC/k8s/"
  (cd "$SRC/k8s" && go mod tidy >&2)
  LDF=""
  for kv in gitVersion=$K8S_VERSION gitMajor=1 gitMinor=34 gitTreeState=clean gitCommit=0000000000000000000000000000000000000000 buildDate=2026-01-01T00:00:00Z; do
    LDF="$LDF -X k8s.io/client-go/pkg/version.$kv -X k8s.io/component-base/version.$kv"
  done
  (cd "$SRC/k8s" && go build -trimpath -tags selinux,notest,grpcnotrace -ldflags "-s -w $LDF" -o "$K8S_HOME/bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl go.etcd.io/etcd/server/v3 >&2)
  mv "$K8S_HOME/bin/server" "$K8S_HOME/bin/etcd"
  touch "$K8S_HOME/bin/.k8s-$K8S_VERSION"
fi

if [ ! -f "$K8S_HOME/bin/.coredns-$COREDNS_VERSION" ]; then
  log "CoreDNS $COREDNS_VERSION (cluster DNS only, no forwarding)"
  rm -rf "$SRC/coredns"; mkdir -p "$SRC/coredns"; cp "$HERE/go/coredns/go.mod" "$HERE/go/coredns/main.go" "$SRC/coredns/"
  (cd "$SRC/coredns" && go mod tidy >&2 && go build -trimpath -ldflags "-s -w" -o "$K8S_HOME/bin/coredns" . >&2)
  touch "$K8S_HOME/bin/.coredns-$COREDNS_VERSION"
fi

if [ ! -x "$K8S_HOME/bin/pause" ]; then
  log "pause (static, from the kubernetes module's source)"
  pause_c=$(cd "$SRC/k8s" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c
  gcc -Os -static -o "$K8S_HOME/bin/pause" "$pause_c"
fi

if [ ! -x "$K8S_HOME/root/usr/lib/cni/bridge" ]; then
  log "CNI plugins from Debian's packages (unpacked, not installed)"
  tmp=$(mktemp -d); (cd "$tmp" && apt-get download containernetworking-plugins >&2 2>/dev/null || { apt-get update -qq && apt-get download containernetworking-plugins >&2; })
  for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$K8S_HOME/root"; done
  rm -rf "$tmp"
fi

# Images for the node's containerd, made FROM scratch and saved as tarballs (imported at start).
image() { # name tag dir
  local tar="$K8S_HOME/images/$1-$2.tar"
  [ -f "$tar" ] && return 0
  log "image $K8S_IMAGE_PREFIX/$1:$2"
  docker build -q -t "$K8S_IMAGE_PREFIX/$1:$2" --label kafka-chaos.k8s=1 "$3" >/dev/null
  docker save "$K8S_IMAGE_PREFIX/$1:$2" -o "$tar.part" && mv "$tar.part" "$tar"
  docker rmi "$K8S_IMAGE_PREFIX/$1:$2" >/dev/null
}
ctx=$(mktemp -d)
mkdir -p "$ctx/pause" "$ctx/coredns"
cp "$K8S_HOME/bin/pause" "$ctx/pause/"; printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' > "$ctx/pause/Dockerfile"
cp "$K8S_HOME/bin/coredns" "$ctx/coredns/"; printf 'FROM scratch\nCOPY coredns /coredns\nEXPOSE 53 53/udp\nENTRYPOINT ["/coredns"]\n' > "$ctx/coredns/Dockerfile"
image pause "$PAUSE_TAG" "$ctx/pause"
image coredns "$COREDNS_VERSION" "$ctx/coredns"
rm -rf "$ctx"
echo "$K8S_HOME"
