// The supervisor every node container runs as PID 1, whatever the product: it runs the node's
// process and keeps the container (its network namespace, iptables rules and data) alive across
// kills. The harness kills the process with SIGKILL and holds it down with the `hold` file, and
// starts it by removing that file. A product writes two files beside it:
//   - node.env, read again at every start (a rolling upgrade can point it at another release):
//     WHAT (what the start line names) and a shell function `run` that execs the process, so that
//     the pid the supervisor records is the process's own;
//   - prestart.sh, run once when the container starts (formatting storage, a database's schema).
// A deployment may add mount.sh, run once before prestart.sh: it puts the data dir on a layer of
// its own (kc-lazyfs for power cuts, deployments/shared/lazyfs.ts).
// The lines "kafka-chaos: starting ..." and "kafka-chaos: process exited with code N" are part
// of the contract: deployments wait for the second one (products' `exited`).

export const EXITED_LINE = /kafka-chaos: process exited/;

/** The supervisor's state in a node: while HOLD exists the process is not started again; PID is the running one's. */
export const SUPERVISOR_HOLD = "/var/lib/kc/hold";
export const SUPERVISOR_PID = "/var/lib/kc/pid";

export const SUPERVISOR = `#!/bin/sh
S=/var/lib/kc
mkdir -p $S/data
[ -f /etc/kc/mount.sh ] && . /etc/kc/mount.sh
. /etc/kc/node.env
. /etc/kc/prestart.sh
while true; do
  if [ -e $S/hold ]; then sleep 0.1; continue; fi
  . /etc/kc/node.env
  echo "kafka-chaos: starting $WHAT"
  run &
  echo $! > $S/pid
  wait $!
  code=$?
  rm -f $S/pid
  touch $S/hold
  echo "kafka-chaos: process exited with code $code"
done
`;
