#!/usr/bin/env bash
# Installs Debian's Docker engine (when no engine answers) and starts dockerd in the background.
# Idempotent: an engine that already answers is left alone.
set -euo pipefail
if docker info >/dev/null 2>&1; then echo "docker: engine already running"; exit 0; fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "docker: installing docker.io and iptables from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io iptables >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  echo "docker: starting dockerd (log: /var/log/dockerd.log)"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
fi
docker info >/dev/null 2>&1 || { echo "docker: engine did not start; last lines of /var/log/dockerd.log:"; tail -n 20 /var/log/dockerd.log; exit 1; }
echo "docker: engine ready ($(docker version --format '{{.Server.Version}}'))"
