#!/usr/bin/env bash
# Tears the local Kubernetes down, and what a crashed one left: workloads first (so the kubelet
# runs CNI DEL for each pod), then the processes by their recorded pids, the containerd shims,
# mounts under the state directory, kube-proxy's, kubelet's and the CNI plugins' iptables chains
# (KUBE-*, CNI-*), the bridge, the kubepods cgroups and the data of runs' brokers on this node.
# Touches nothing it did not create. Safe to run when nothing is up.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/env.sh"
S=$K8S_STATE B=$K8S_HOME/bin
K="$B/kubectl --kubeconfig $K8S_KUBECONFIG --request-timeout=10s"
pid() { cat "$S/run/pids/$1" 2>/dev/null; }
alive() { local p; p=$(pid "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
stop() { local p; p=$(pid "$1"); [ -n "$p" ] || return 0; kill "$p" 2>/dev/null; for _ in $(seq 1 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done; kill -0 "$p" 2>/dev/null && kill -9 "$p"; rm -f "$S/run/pids/$1"; }
[ -d "$S/run" ] || { echo "k8s down: nothing to tear down"; exit 0; }
if alive kube-apiserver && alive kubelet; then
  $K delete namespace -l kafka-chaos.run --wait=false >/dev/null 2>&1
  $K delete statefulset,deployment,daemonset,job --all -A --wait=true --timeout=60s >/dev/null 2>&1
  $K delete pod --all -A --grace-period=1 --wait=true --timeout=60s >/dev/null 2>&1
  for _ in $(seq 1 30); do [ -z "$(ls "$S/run/containerd/state/io.containerd.runtime.v2.task/k8s.io" 2>/dev/null)" ] && break; sleep 1; done
fi
stop kube-proxy; [ -x "$B/kube-proxy" ] && "$B/kube-proxy" --cleanup >/dev/null 2>&1
stop kubelet
if alive containerd; then
  for t in $(ctr --address "$K8S_SOCK" -n k8s.io tasks ls -q 2>/dev/null); do ctr --address "$K8S_SOCK" -n k8s.io tasks kill -s KILL "$t" >/dev/null 2>&1; done
  sleep 1
fi
for n in containerd kube-scheduler kube-controller-manager kube-apiserver etcd; do stop $n; done
for f in "$S"/run/containerd/state/io.containerd.runtime.v2.task/*/*/shim.pid; do
  [ -f "$f" ] || continue; p=$(cat "$f"); kill -0 "$p" 2>/dev/null && kill -9 "$p"
done
sleep 0.5
# Mounts under the state directory (rootfs overlays, shm, netns, secrets), deepest first.
findmnt -rn -o TARGET | grep "^$S/" | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
# The chains of kube-proxy, the kubelet (KUBE-*) and the CNI firewall plugin (CNI-*): unhooked
# from the built-in chains, flushed, deleted.
for ipt in iptables ip6tables; do for t in filter nat mangle raw; do
  chains=$($ipt -t $t -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^(KUBE|CNI)-/ {print $2}')
  [ -n "$chains" ] || continue
  for c in $chains; do
    $ipt -t $t -S 2>/dev/null | grep -E "^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j $c( |\$)" | sed 's/^-A/-D/' | while read -r r; do eval "$ipt -t $t $r"; done
  done
  for c in $chains; do $ipt -t $t -F "$c" 2>/dev/null; done
  for c in $chains; do $ipt -t $t -X "$c" 2>/dev/null; done
done; done
rm -rf "$S/run/cni-ipam" /run/containerd/runc/k8s.io 2>/dev/null
rmdir /run/containerd/runc /var/lib/cni/results /var/lib/cni 2>/dev/null
ip link del "$K8S_BRIDGE" 2>/dev/null
for c in /sys/fs/cgroup/*/kubepods; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null; done
# Brokers' data of runs on this node (hostPath volumes the harness's agent did not get to remove).
rm -rf /var/lib/kafka-chaos/runs
left=$(ls "$S/run/pids" 2>/dev/null | tr '\n' ' ')
echo "k8s down: done (processes left: ${left:-none}; mounts: $(findmnt -rn -o TARGET | grep -c "^$S/"); KUBE/CNI chains: $(iptables-save 2>/dev/null | grep -cE '^:(KUBE|CNI)-'))"
