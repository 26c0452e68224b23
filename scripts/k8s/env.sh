# Shared by the local Kubernetes scripts: versions and where things live.
K8S_VERSION=v1.34.4
COREDNS_VERSION=1.12.4
PAUSE_TAG=3.10.1
K8S_IMAGE_PREFIX=kafka-chaos-k8s
# Built binaries, images and the running cluster's state: one directory per Kubernetes release.
K8S_HOME=${KC_K8S_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-chaos/k8s/$K8S_VERSION}
# The running cluster: pids, logs, certificates, kubeconfig, rendered config, etcd and containerd data.
K8S_STATE=$K8S_HOME/state
K8S_KUBECONFIG=$K8S_STATE/kubeconfig
K8S_SOCK=$K8S_STATE/run/containerd/containerd.sock
# The node's bridge (CNI) and the address ranges of pods and services.
K8S_BRIDGE=kc-k8s0
K8S_POD_CIDR=10.244.0.0/24
K8S_SERVICE_CIDR=10.96.0.0/16
K8S_DNS_IP=10.96.0.10
