#!/bin/sh
# Round trip and step rate over gdbhub's SSH door next to plain TCP, in one
# run, pinned as /work/shared/BENCHMARKING.md asks (daemon, its QEMU, the
# bench and the ssh client on one core), alternating TCP SSH TCP SSH.
#
# Starts gdbhub with one TCG target (the spin guest) that has a loopback TCP
# listener, plus the hub's ssh listener and one user with a key made here;
# then runs gdbhub-bench against "HOST:PORT" and against
# "| ssh ... attach spin" --pairs times each and prints every run and the
# median of the SSH/TCP ratios.
#
# usage: bench/ssh.sh [--build DIR] [--pairs N] [--cpu N] [--keep] [-- BENCH-OPTIONS]
#   --build DIR   build folder with bench/gdbhub-bench, proxy/gdbhub and
#                 tests/guests/spin.elf (default: build/ next to bench/)
#   --pairs N     TCP/SSH pairs (default 5)
#   --cpu N       the core everything is pinned to (default 0)
#   --keep        keep the work folder (config, keys, daemon log)
# BENCH-OPTIONS go to every gdbhub-bench run (default --rounds 2000 --steps 5000 --bytes 0).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
build=$(dirname "$here")/build
pairs=5 cpu=0 keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--pairs) pairs=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--) shift; break ;;
	*) die "unknown option $1 (see the comment at the top)" ;;
	esac
done
[ $# -gt 0 ] || set -- --rounds 2000 --steps 5000 --bytes 0
build=$(cd "$build" && pwd)
bench=$build/bench/gdbhub-bench gdbhub=$build/proxy/gdbhub kernel=$build/tests/guests/spin.elf
for f in "$bench" "$gdbhub" "$kernel"; do [ -e "$f" ] || die "missing $f (build first)"; done
command -v ssh >/dev/null || die "ssh is not installed (openssh-client)"

work=$(mktemp -d /tmp/gdbhub-bench-ssh.XXXXXX)
daemon=''
trap 'stop_pid "$daemon"; drop_work "$work" "$keep"' EXIT INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
tcp=$(free_port) sshport=$(free_port)
ssh-keygen -q -t ed25519 -N '' -f "$work/key"
cp "$work/key.pub" "$work/authorized_keys"
cat >"$work/config.json" <<JSON
{ "runtime_dir": "$work/run", "state_dir": "$work/state",
  "listen": [ {"ssh": "127.0.0.1:$sshport"} ],
  "users": [ {"name": "bench", "authorized_keys": "$work/authorized_keys"} ],
  "access": [ {"users": ["bench"], "targets": "*", "role": "control"} ],
  "targets": [ {"name": "spin", "backend": "tcg", "arch": "i386", "kernel": "$kernel",
                "on_last_detach": "stay", "listen": [ {"tcp": "127.0.0.1:$tcp"} ]} ] }
JSON
taskset -c "$cpu" "$gdbhub" serve -c "$work/config.json" 2>"$work/gdbhub.log" &
daemon=$!
ssh_cmd="ssh -F /dev/null -p $sshport -i $work/key -o IdentitiesOnly=yes -o BatchMode=yes \
-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=$work/known_hosts bench@127.0.0.1 attach spin"
i=0
until taskset -c "$cpu" "$bench" "127.0.0.1:$tcp" --rounds 1 --steps 0 --bytes 0 >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 200 ] || die "the daemon did not come up: $(cat "$work/gdbhub.log")"
	sleep 0.1
done

# One run: prints "rtt_us steps_per_s" from the bench's JSON.
run() {
	addr=$1
	shift
	taskset -c "$cpu" "$bench" "$addr" --json "$@" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("%.1f %.0f" % (r["g_median_us"], r["steps_per_s"]))'
}
echo "pair  tcp_rtt_us tcp_steps/s  ssh_rtt_us ssh_steps/s"
: >"$work/ratios"
k=1
while [ $k -le "$pairs" ]; do
	t=$(run "127.0.0.1:$tcp" "$@") s=$(run "| $ssh_cmd" "$@")
	echo "$k     $t    $s"
	echo "$t $s" >>"$work/ratios"
	k=$((k + 1))
done
python3 - "$work/ratios" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
print("median ssh/tcp: rtt %.2fx, step rate %.2fx" % (
    statistics.median(r[2] / r[0] for r in rows), statistics.median(r[3] / r[1] for r in rows)))
PY
