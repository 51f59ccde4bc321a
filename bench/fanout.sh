#!/bin/sh
# Memory per client and stop fan-out of gdbhub, pinned as
# /work/shared/BENCHMARKING.md asks (daemon, its QEMUs and the client on one
# core).
#
# 1. Start gdbhub with --targets TCG targets running the spin guest, each
#    with a control and an observe unix listener, and wait until every
#    target answers `?` (gdbhub-bench's handshake, nothing measured).
# 2. Memory: the daemon's VmRSS with no client, then with --clients idle
#    clients on target 1 (1 controller and the rest observers, handshake
#    done, held by `gdbhub-bench --fanout N --hold`); the difference per
#    client in KiB.
# 3. Fan-out: `gdbhub-bench --fanout N` on target 1: each round the
#    controller and every observer resume, the controller sends 0x03, and
#    every client's stop reply is timed. The spread (last reply - first
#    reply) approximates the time from the upstream stop to the last
#    client's stop reply; `last reply - 0x03 sent` is the whole path. Also
#    the daemon's CPU time (utime + stime) over the run.
#
# The targets use on_last_detach "stay": the readiness probes attach and
# leave, and with "resume" every VM would then spin on the pinned core and
# disturb the figures. Only target 1 runs, and only inside the rounds.
#
# On one core the client's timestamps are taken when it gets the CPU, so
# the figures include its own wake-ups; compare runs made the same way.
#
# usage: bench/fanout.sh [options] [-- FANOUT-OPTIONS]
#   --build DIR     build folder with bench/gdbhub-bench, proxy/gdbhub and
#                   tests/guests/spin.elf (default: build/ next to bench/)
#   --bench PATH    the gdbhub-bench binary (default DIR/bench/gdbhub-bench)
#   --gdbhub PATH   the gdbhub binary (default DIR/proxy/gdbhub)
#   --kernel PATH   the guest (default DIR/tests/guests/spin.elf)
#   --targets N     TCG targets (default 16)
#   --clients N     idle clients and fan-out clients on target 1 (default 64)
#   --rounds K      fan-out rounds (default 200)
#   --cpu N         the core everything is pinned to (default 0)
#   --keep          keep the work folder (config, daemon log)
# FANOUT-OPTIONS go to the fan-out run of gdbhub-bench (e.g. --ack, --settle 2000).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
build=$(dirname "$here")/build
targets=16 clients=64 rounds=200 cpu=0 keep=0
bench='' gdbhub='' kernel=''

# Print an error and exit.

# Whether $1 is a positive decimal number.
positive() {
	case $1 in ''|*[!0-9]*|0) return 1 ;; esac
}

while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--bench) bench=$2; shift 2 ;;
	--gdbhub) gdbhub=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--targets) targets=$2; shift 2 ;;
	--clients) clients=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--) shift; break ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
positive "$targets" || die "--targets needs a positive number"
positive "$clients" || die "--clients needs a positive number"
positive "$rounds" || die "--rounds needs a positive number"

: "${bench:=$build/bench/gdbhub-bench}"
: "${gdbhub:=$build/proxy/gdbhub}"
: "${kernel:=$build/tests/guests/spin.elf}"
[ -x "$bench" ] || die "no benchmark client at $bench (build it, or --bench PATH)"
[ -x "$gdbhub" ] || die "no gdbhub at $gdbhub (build it, or --gdbhub PATH)"
[ -f "$kernel" ] || die "no guest at $kernel"
kernel=$(cd "$(dirname "$kernel")" && pwd)/$(basename "$kernel")
for tool in qemu-system-i386 taskset; do
	command -v $tool >/dev/null || die "$tool is not installed"
done

work=$(mktemp -d /tmp/gdbhub-fanout.XXXXXX)
hub_pid='' hold_pid='' qemu_pids=''


# On exit: end the idle clients, stop the daemon (it quits its QEMUs), make
# sure none of its QEMUs outlived it, drop the work folder unless --keep.
cleanup() {
	exec 3>&-
	stop_pid "$hold_pid" 50
	[ -z "$hub_pid" ] || qemu_pids=$(ps -o pid= --ppid "$hub_pid" 2>/dev/null || true)
	stop_pid "$hub_pid" 150
	for p in $qemu_pids; do
		if kill -0 "$p" 2>/dev/null; then
			echo "fanout.sh: QEMU $p outlived gdbhub, killing it" >&2
			kill -KILL "$p" 2>/dev/null || true
		fi
	done
	drop_work "$work" "$keep"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The config: $targets spin guests, each with a control and an observe listener.
write_config() {
	echo '{'
	echo "	\"runtime_dir\": \"$work/run\","
	echo '	"targets": ['
	t=1
	while [ $t -le "$targets" ]; do
		sep=,
		[ $t -lt "$targets" ] || sep=
		cat <<EOF
		{ "name": "t$t", "backend": "tcg", "arch": "i386", "kernel": "$kernel",
		  "on_last_detach": "stay",
		  "listen": [ { "unix": "$work/t$t.sock" },
		              { "unix": "$work/t$t-obs.sock", "role": "observe" } ] }$sep
EOF
		t=$((t + 1))
	done
	echo '	]'
	echo '}'
}

# The daemon's resident memory in KiB.
hub_rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$hub_pid/status"
}

# CPU time (user + system, ms) the daemon has used so far.
hub_cpu_ms() {
	sed 's/.*) //' "/proc/$hub_pid/stat" | awk -v hz="$(getconf CLK_TCK)" \
		'{ printf "%.0f\n", ($12 + $13) * 1000 / hz }'
}

# Fail with the end of the daemon's log if it is gone.
hub_alive() {
	kill -0 "$hub_pid" 2>/dev/null ||
		die "gdbhub exited; the end of its log:
$(tail -15 "$work/gdbhub.log")"
}

# Wait up to 60 s until target $1 answers a handshake on its control listener.
wait_target() {
	i=0
	until "$bench" "unix:$work/t$1.sock" --rounds 0 --steps 0 --bytes 0 --timeout 2 \
		>"$work/probe.out" 2>"$work/probe.err"; do
		hub_alive
		[ $i -lt 300 ] || die "target t$1 not ready after 60 s: $(cat "$work/probe.err")"
		sleep 0.2
		i=$((i + 1))
	done
}

# Start $clients idle clients on target 1; they stay until fd 3 is closed.
start_idle_clients() {
	mkfifo "$work/hold.fifo"
	taskset -c "$cpu" "$bench" --fanout "$clients" --observe-address "unix:$work/t1-obs.sock" \
		--hold "unix:$work/t1.sock" <"$work/hold.fifo" >"$work/hold.out" 2>"$work/hold.err" &
	hold_pid=$!
	exec 3>"$work/hold.fifo"
	i=0
	until grep -q '^ready' "$work/hold.out"; do
		kill -0 "$hold_pid" 2>/dev/null ||
			die "the idle clients failed: $(cat "$work/hold.err")"
		[ $i -lt 600 ] || die "the idle clients did not connect within 60 s"
		sleep 0.1
		i=$((i + 1))
	done
}

# Let the idle clients go and check that they stayed idle without error.
stop_idle_clients() {
	exec 3>&-
	rc=0
	wait "$hold_pid" || rc=$?
	hold_pid=''
	[ $rc = 0 ] || die "the idle clients failed (exit $rc): $(cat "$work/hold.err")"
}

write_config >"$work/gdbhub.json"
"$gdbhub" check -c "$work/gdbhub.json" >"$work/check.log" 2>&1 ||
	die "gdbhub rejects its config: $(cat "$work/check.log")"

echo "starting gdbhub with $targets TCG targets (spin guest), pinned to CPU $cpu" >&2
taskset -c "$cpu" "$gdbhub" serve -c "$work/gdbhub.json" >"$work/gdbhub.log" 2>&1 &
hub_pid=$!
t=1
while [ $t -le "$targets" ]; do
	wait_target $t
	t=$((t + 1))
done
hub_alive
sleep 0.5

rss0=$(hub_rss_kib)
start_idle_clients
sleep 0.5
rss1=$(hub_rss_kib)
stop_idle_clients

echo "gdbhub memory ($targets targets; idle clients on t1: 1 controller, $((clients - 1)) observers):"
printf "  VmRSS with no client:  %8s KiB\n" "$rss0"
printf "  VmRSS with %3d clients: %8s KiB\n" "$clients" "$rss1"
awk -v a="$rss0" -v b="$rss1" -v n="$clients" \
	'BEGIN { printf "  per client:            %8.1f KiB\n", (b - a) / n }'

echo "fan-out on t1: $clients clients, $rounds rounds, pinned to CPU $cpu"
cpu0=$(hub_cpu_ms)
rc=0
taskset -c "$cpu" "$bench" --fanout "$clients" --observe-address "unix:$work/t1-obs.sock" \
	--rounds "$rounds" "$@" "unix:$work/t1.sock" >"$work/fanout.out" 2>"$work/fanout.err" || rc=$?
cpu1=$(hub_cpu_ms)
sed 's/^/  /' "$work/fanout.out"
[ $rc = 0 ] || die "the fan-out run failed (exit $rc): $(cat "$work/fanout.err")"
echo "  gdbhub CPU over the run (connects included): $((cpu1 - cpu0)) ms"
hub_alive
