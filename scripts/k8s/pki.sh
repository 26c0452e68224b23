#!/usr/bin/env bash
# Certificates of the local cluster: a CA, the API server's serving certificate (also used by
# the kubelet), one client certificate in system:masters for every component and the harness,
# and the service-account key pair. Then the kubeconfig. Usage: pki.sh DIR HOSTIP KUBECONFIG
# Not secure by design: a throwaway cluster on one machine.
set -euo pipefail
D=$1 HOSTIP=$2 KC=$3
mkdir -p "$D"; cd "$D"
openssl genrsa -out ca.key 2048 2>/dev/null
openssl req -x509 -new -key ca.key -subj /CN=kafka-chaos-k8s-ca -days 365 -out ca.crt
printf 'subjectAltName=DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,DNS:kc-node,IP:127.0.0.1,IP:10.96.0.1,IP:%s\nextendedKeyUsage=serverAuth\n' "$HOSTIP" > apiserver.ext
openssl genrsa -out apiserver.key 2048 2>/dev/null
openssl req -new -key apiserver.key -subj /CN=kube-apiserver -out apiserver.csr
openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile apiserver.ext -out apiserver.crt 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl genrsa -out admin.key 2048 2>/dev/null
openssl req -new -key admin.key -subj "/O=system:masters/CN=kafka-chaos-admin" -out admin.csr
openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile client.ext -out admin.crt 2>/dev/null
openssl genrsa -out sa.key 2048 2>/dev/null
openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
echo "$HOSTIP" > hostip
cat > "$KC" <<X
apiVersion: v1
kind: Config
clusters:
- name: kafka-chaos-local
  cluster: {certificate-authority: $D/ca.crt, server: "https://${HOSTIP}:6443"}
users:
- name: admin
  user: {client-certificate: $D/admin.crt, client-key: $D/admin.key}
contexts:
- name: kafka-chaos-local
  context: {cluster: kafka-chaos-local, user: admin}
current-context: kafka-chaos-local
X
