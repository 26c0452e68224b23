#!/usr/bin/env bash
# Starts the local one-node Kubernetes (building it first when the cache lacks it): etcd,
# kube-apiserver, controller-manager, scheduler, a containerd of its own (own socket, root and
# state, CRI enabled), kubelet, kube-proxy (iptables), then CoreDNS. What a crashed run left is
# torn down first (down.sh). About 20 s warm. Prints the kubeconfig's path on its last line.
# Usage: up.sh [--image IMAGE ...]   (images of the Docker engine to side-load into the node)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/env.sh"
log() { echo "k8s up: $* ($(date +%T))" >&2; }
images=()
while [ $# -gt 0 ]; do case "$1" in --image) images+=("$2"); shift 2;; *) echo "k8s up: unknown argument $1 (use --image IMAGE)" >&2; exit 2;; esac; done

bash "$HERE/build.sh" >/dev/null
bash "$HERE/down.sh" >&2
for port in 6443 2379 2380 10248 10249 10250 10256 10257 10259; do
  if ss -Hltn "sport = :$port" | grep -q .; then
    echo "k8s up: port $port is in use by another program ($(ss -Hltnp "sport = :$port" | sed 's/.*users:((//;s/)).*//')); the local Kubernetes needs ports 6443, 2379-2380 and 10248-10259: stop that program, or use your own cluster with --kubeconfig" >&2
    exit 1
  fi
done

S=$K8S_STATE; B=$K8S_HOME/bin
mkdir -p "$S/run/pids" "$S/logs" "$S/run/etcd" "$S/run/kubelet" "$S/run/pod-logs" "$S/run/containerd" "$S/conf/cni" "$S/pki"
HOSTIP=$(ip route get 1.1.1.1 | sed -n 's/.* src \([0-9.]*\).*/\1/p')
[ -n "$HOSTIP" ] || { echo "k8s up: this machine has no default route; the node needs an address" >&2; exit 1; }
render() { sed -e "s#@STATE@#$S#g" -e "s#@HOME@#$K8S_HOME#g" -e "s#@BRIDGE@#$K8S_BRIDGE#g" -e "s#@POD_CIDR@#$K8S_POD_CIDR#g" -e "s#@DNS_IP@#$K8S_DNS_IP#g" -e "s#@PAUSE@#$K8S_IMAGE_PREFIX/pause:$PAUSE_TAG#g" -e "s#@COREDNS@#$K8S_IMAGE_PREFIX/coredns:$COREDNS_VERSION#g" "$1" > "$2"; }
render "$HERE/conf/containerd.toml" "$S/conf/containerd.toml"
render "$HERE/conf/kubelet.yaml" "$S/conf/kubelet.yaml"
render "$HERE/conf/kube-proxy.yaml" "$S/conf/kube-proxy.yaml"
render "$HERE/conf/cni.conflist" "$S/conf/cni/10-kafka-chaos.conflist"
render "$HERE/manifests/coredns.yaml" "$S/conf/coredns.yaml"
# Certificates for this host's address (made again when the address changed).
if [ ! -f "$S/pki/ca.crt" ] || [ "$(cat "$S/pki/hostip" 2>/dev/null)" != "$HOSTIP" ]; then
  log "certificates for $HOSTIP"
  bash "$HERE/pki.sh" "$S/pki" "$HOSTIP" "$K8S_KUBECONFIG"
fi

start() { local name=$1; shift; setsid "$@" >"$S/logs/$name.log" 2>&1 </dev/null & echo $! >"$S/run/pids/$name"; }
waitfor() { local what=$1; shift; for _ in $(seq 1 240); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "k8s up: $what did not come up; its log is in $S/logs/" >&2; exit 1; }
K="$B/kubectl --kubeconfig $K8S_KUBECONFIG"
P=$S/pki

log "etcd, kube-apiserver"
start etcd "$B/etcd" --data-dir "$S/run/etcd" --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380 --log-level warn
waitfor etcd curl -sf http://127.0.0.1:2379/health
start kube-apiserver "$B/kube-apiserver" --etcd-servers=http://127.0.0.1:2379 --advertise-address="$HOSTIP" --bind-address=0.0.0.0 --secure-port=6443 \
  --service-cluster-ip-range="$K8S_SERVICE_CIDR" --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" --client-ca-file="$P/ca.crt" \
  --service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --authorization-mode=Node,RBAC --kubelet-client-certificate="$P/admin.crt" --kubelet-client-key="$P/admin.key" --allow-privileged=true \
  --kubelet-preferred-address-types=InternalIP,Hostname --enable-priority-and-fairness=false --profiling=false
waitfor kube-apiserver $K get --raw /readyz
log "controller-manager, scheduler, containerd"
start kube-controller-manager "$B/kube-controller-manager" --kubeconfig="$K8S_KUBECONFIG" --authentication-kubeconfig="$K8S_KUBECONFIG" --authorization-kubeconfig="$K8S_KUBECONFIG" \
  --service-account-private-key-file="$P/sa.key" --root-ca-file="$P/ca.crt" --cluster-signing-cert-file="$P/ca.crt" --cluster-signing-key-file="$P/ca.key" \
  --use-service-account-credentials=true --leader-elect=false --allocate-node-cidrs=true --cluster-cidr=10.244.0.0/16 --node-cidr-mask-size=24 \
  --service-cluster-ip-range="$K8S_SERVICE_CIDR" --profiling=false
start kube-scheduler "$B/kube-scheduler" --kubeconfig="$K8S_KUBECONFIG" --authentication-kubeconfig="$K8S_KUBECONFIG" --authorization-kubeconfig="$K8S_KUBECONFIG" --leader-elect=false --profiling=false
start containerd containerd --config "$S/conf/containerd.toml"
waitfor containerd ctr --address "$K8S_SOCK" version
for t in "$K8S_HOME"/images/*.tar; do ctr --address "$K8S_SOCK" -n k8s.io images import "$t" >/dev/null; done
for img in "${images[@]}"; do bash "$HERE/load-image.sh" "$img" >&2; done
log "kubelet, kube-proxy"
start kubelet "$B/kubelet" --config="$S/conf/kubelet.yaml" --kubeconfig="$K8S_KUBECONFIG" --root-dir="$S/run/kubelet" --hostname-override=kc-node --node-ip="$HOSTIP" --v=1
start kube-proxy "$B/kube-proxy" --config="$S/conf/kube-proxy.yaml" --hostname-override=kc-node
waitfor "the node (Ready)" sh -c "$K get node kc-node -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -q True"
log "CoreDNS"
$K apply -f "$S/conf/coredns.yaml" >/dev/null
$K -n kube-system rollout status deploy/coredns --timeout=120s >&2
# A Service answers from this machine only once kube-proxy has written its rules; the first
# cluster started after a fresh start waited minutes for its Service (fresh-clone CIs,
# 2026-12-04). Ready means CoreDNS answers through its cluster IP, as the harness reaches
# Toxiproxy through its own.
dns_ip=$($K -n kube-system get service kube-dns -o jsonpath='{.spec.clusterIP}')
t0=$(date +%s)
for _ in $(seq 1 360); do timeout 1 bash -c "</dev/tcp/$dns_ip/53" 2>/dev/null && break; sleep 0.5; done
timeout 1 bash -c "</dev/tcp/$dns_ip/53" 2>/dev/null || { echo "k8s up: the kube-dns Service ($dns_ip:53) does not answer through kube-proxy after $(( $(date +%s) - t0 )) s; see $S/logs/kube-proxy.log" >&2; exit 1; }
log "Services answer through kube-proxy (after $(( $(date +%s) - t0 )) s)"
log "ready: KUBECONFIG=$K8S_KUBECONFIG"
echo "$K8S_KUBECONFIG"
