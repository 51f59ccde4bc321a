#!/bin/sh
# Pinned side-by-side comparison of three paths to one QEMU gdbstub, as
# /work/shared/BENCHMARKING.md asks: every process on one core, rounds
# alternating A B C A B C ..., medians and median per-round ratios.
#
#   A  QEMU's stub directly (unix socket)
#   B  a bare byte relay: socat UNIX-LISTEN:relay.sock,fork UNIX-CONNECT:qemu.sock
#   C  gdbhub serve, target backend "remote" pointing at QEMU's stub
#
# QEMU serves one debugger at a time, so A, B and C connect one after another,
# each closing its connection before the next starts. A new connection waits
# in QEMU's listen backlog until the previous one is gone, so no extra wait is
# needed (the bench's handshake, which is not timed, absorbs it). gdbhub keeps
# its upstream connection for its whole life, so C starts a fresh gdbhub each
# round and stops it afterwards; only the bench's timed loops are compared,
# never the daemon's start-up.
#
# QEMU starts with -S, then `cont` on its monitor lets the guest run into its
# spin loop for --boot seconds; the first debugger to connect stops it there
# (QEMU sends that debugger a stop reply before any request; the bench
# acknowledges and ignores it, as gdb does). Every later round steps the spin
# loop, not the firmware.
#
# usage: bench/compare.sh [options] [KERNEL] [-- BENCH-OPTIONS]
#   --rounds N        rounds of A B C (default 5)
#   --build DIR       build folder with bench/gdbhub-bench, proxy/gdbhub and
#                     tests/guests/spin.elf (default: build/ next to bench/)
#   --bench PATH      the gdbhub-bench binary (default DIR/bench/gdbhub-bench)
#   --gdbhub PATH     the gdbhub binary (default DIR/proxy/gdbhub)
#   --kernel PATH     the guest (default DIR/tests/guests/spin.elf)
#   --hub-config F    config template for C; @QEMU_SOCK@, @HUB_SOCK@ and
#                     @RUN_DIR@ are replaced (default: written below)
#   --cpu N           the core everything is pinned to (default 0)
#   --boot SEC        how long the guest runs before the first round (default 1)
#   --keep            keep the work folder (logs, JSON of every run)
# BENCH-OPTIONS go to every gdbhub-bench run (e.g. --steps 2000 --bytes 1M).
#
# Each run negotiates what its peer offers, as gdb would: QEMU 7.2 offers no
# QStartNoAckMode, so A and B run with acks (and socat relays every `+` as a
# hop of its own), while gdbhub may offer no-ack and a larger PacketSize. The
# table names both per variant. For a like-with-like proxy cost, pass
# `-- --ack --chunk 2047` (acks everywhere, QEMU's m size everywhere).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
build=$(dirname "$here")/build
rounds=5 cpu=0 boot=1 keep=0
bench='' gdbhub='' kernel='' hub_template=''

# Print an error and exit.

# Parse the command line; what follows -- is kept in "$@" for the bench.
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--bench) bench=$2; shift 2 ;;
	--gdbhub) gdbhub=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--hub-config) hub_template=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--boot) boot=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--) shift; break ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) kernel=$1; shift ;;
	esac
done
case $rounds in ''|*[!0-9]*|0) die "--rounds needs a positive number" ;; esac

: "${bench:=$build/bench/gdbhub-bench}"
: "${gdbhub:=$build/proxy/gdbhub}"
[ -n "$kernel" ] || kernel=$build/tests/guests/spin.elf
[ -x "$bench" ] || die "no benchmark client at $bench (build it, or --bench PATH)"
[ -f "$kernel" ] || die "no guest at $kernel (pass a multiboot kernel path)"
for tool in qemu-system-i386 socat taskset; do
	command -v $tool >/dev/null || die "$tool is not installed"
done

work=$(mktemp -d /tmp/gdbhub-compare.XXXXXX)
qemu_pid='' socat_pid='' hub_pid=''


# On exit: stop what we started, drop the work folder unless --keep.
cleanup() {
	stop_pid "$hub_pid"
	stop_pid "$socat_pid"
	stop_pid "$qemu_pid"
	drop_work "$work" "$keep"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Wait up to 10 s for a unix socket to appear while process $2 lives.
wait_socket() {
	i=0
	while [ ! -S "$1" ]; do
		kill -0 "$2" 2>/dev/null || return 1
		[ $i -lt 100 ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# Start QEMU pinned, stopped (-S), with its stub and monitor on unix sockets;
# then let the guest run into its spin loop.
start_qemu() {
	taskset -c "$cpu" qemu-system-i386 -display none -nodefaults -m 64 -S \
		-gdb "unix:$work/qemu.sock,server=on,wait=off" \
		-monitor "unix:$work/monitor.sock,server=on,wait=off" \
		-kernel "$kernel" >"$work/qemu.log" 2>&1 &
	qemu_pid=$!
	wait_socket "$work/monitor.sock" $qemu_pid || die "QEMU did not start: $(cat "$work/qemu.log")"
	wait_socket "$work/qemu.sock" $qemu_pid || die "QEMU has no gdb socket"
	echo cont | socat - "UNIX-CONNECT:$work/monitor.sock" >/dev/null
	sleep "$boot"
}

# Start the bare relay pinned (its forked children inherit the pinning).
start_relay() {
	taskset -c "$cpu" socat "UNIX-LISTEN:$work/relay.sock,fork" \
		"UNIX-CONNECT:$work/qemu.sock" 2>"$work/socat.log" &
	socat_pid=$!
	wait_socket "$work/relay.sock" $socat_pid || die "socat did not start: $(cat "$work/socat.log")"
}

# Write gdbhub's config: one remote target on QEMU's stub, one unix listener.
write_hub_config() {
	mkdir -p "$work/run"
	if [ -n "$hub_template" ]; then
		sed -e "s|@QEMU_SOCK@|$work/qemu.sock|g" -e "s|@HUB_SOCK@|$work/hub.sock|g" \
			-e "s|@RUN_DIR@|$work/run|g" "$hub_template" >"$work/gdbhub.json"
	else
		default_hub_config >"$work/gdbhub.json"
	fi
	"$gdbhub" check -c "$work/gdbhub.json" >"$work/gdbhub-check.log" 2>&1 ||
		die "gdbhub rejects $work/gdbhub.json: $(cat "$work/gdbhub-check.log")"
}

# The default config for C.
default_hub_config() {
	cat <<EOF
{
	"runtime_dir": "$work/run",
	"targets": [
		{
			"name": "bench",
			"backend": "remote",
			"gdb": "unix:$work/qemu.sock",
			"listen": [ { "unix": "$work/hub.sock" } ]
		}
	]
}
EOF
}

# Start gdbhub pinned for one round.
start_hub() {
	rm -f "$work/hub.sock"
	taskset -c "$cpu" "$gdbhub" serve -c "$work/gdbhub.json" >>"$work/gdbhub.log" 2>&1 &
	hub_pid=$!
	wait_socket "$work/hub.sock" $hub_pid ||
		die "gdbhub did not listen on $work/hub.sock: $(tail -5 "$work/gdbhub.log")"
}

# Run the bench pinned as run $1 against address $2 with the options that
# follow, its JSON into $work/$1.json.
run_bench() {
	name=$1 addr=$2 rc=0
	shift 2
	taskset -c "$cpu" "$bench" "$addr" --json "$@" >"$work/$name.json" \
		2>"$work/$name.err" || rc=$?
	[ $rc = 0 ] || die "run $name against $addr failed (exit $rc): $(cat "$work/$name.err")"
	[ ! -s "$work/$name.err" ] || cat "$work/$name.err" >&2
}

# CPU time (user + system, ms) process $1 has used so far, from /proc.
hub_cpu_ms() {
	sed 's/.*) //' "/proc/$1/stat" | awk -v hz="$(getconf CLK_TCK)" \
		'{ printf "%.0f\n", ($12 + $13) * 1000 / hz }'
}

# One value from a flat JSON object: a number, or nothing for null.
json_get() {
	sed -n "s/.*\"$2\": \([-0-9.e+]*\)[,}].*/\1/p" "$1"
}

# Acknowledgement mode the run in file $1 used: "no-ack" or "ack".
ack_mode() {
	if grep -q '"no_ack": true' "$1"; then echo no-ack; else echo ack; fi
}

# Median of the numbers on stdin (nothing if there are none).
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit
		if (NR % 2) printf "%.6g\n", v[(NR + 1) / 2]
		else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Median over rounds of variant $1's metric $2.
median_of() {
	r=1
	while [ $r -le "$rounds" ]; do
		json_get "$work/$1.$r.json" "$2"
		r=$((r + 1))
	done | median
}

# Median over rounds of the ratio of $1's metric $3 to $2's.
median_ratio() {
	r=1
	while [ $r -le "$rounds" ]; do
		a=$(json_get "$work/$1.$r.json" "$3")
		b=$(json_get "$work/$2.$r.json" "$3")
		[ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" 'BEGIN { if (b != 0) print a / b }'
		r=$((r + 1))
	done | median
}

# Print one value or a dash, right-aligned in $2 columns with $3 decimals.
cell() {
	if [ -n "$1" ]; then printf "%${2}.${3}f" "$1"; else printf "%${2}s" -; fi
}

# One table row for metric $1 shown as $2.
row() {
	printf "%-20s" "$2"
	for v in A B C; do
		if [ $v = C ] && [ $have_hub = 0 ]; then cell "" 10 2; continue; fi
		cell "$(median_of $v "$1")" 10 2
	done
	cell "$(median_ratio B A "$1")" 8 3
	if [ $have_hub = 1 ]; then cell "$(median_ratio C B "$1")" 8 3; else cell "" 8 3; fi
	echo
}

# The results table: medians per variant, median per-round ratios.
print_table() {
	echo
	echo "medians over $rounds rounds, all pinned to CPU $cpu (ratios: median of per-round ratios)"
	printf "%-20s%10s%10s%10s%8s%8s\n" metric "A direct" "B socat" "C gdbhub" B/A C/B
	row g_median_us "g rtt median (us)"
	row g_p90_us "g rtt p90 (us)"
	row steps_per_s "steps/s"
	row m_mb_per_s "m read (MB/s)"
	if [ -n "$(median_of A x_mb_per_s)$(median_of B x_mb_per_s)" ] ||
		{ [ $have_hub = 1 ] && [ -n "$(median_of C x_mb_per_s)" ]; }; then
		row x_mb_per_s "x read (MB/s)"
	else
		echo "x: unsupported by every path"
	fi
	print_setting acknowledgements ack_mode
	print_setting "m bytes/packet" m_chunk
	[ $have_hub = 0 ] || print_verdict
	[ $have_hub = 0 ] || echo "gdbhub CPU per run (start-up to end of bench, median):" \
		"$(cat "$work"/C.*.cpu | median) ms"
}

# One line naming what each variant negotiated in round 1: $2 is ack_mode or
# a JSON key. Unlike settings make the figures unlike: see --ack and --chunk.
print_setting() {
	printf "%s:" "$1"
	for v in A B C; do
		[ $v != C ] || [ $have_hub = 1 ] || continue
		if [ "$2" = ack_mode ]; then
			printf " %s %s" $v "$(ack_mode "$work/$v.1.json")"
		else
			printf " %s %s" $v "$(json_get "$work/$v.1.json" "$2")"
		fi
	done
	echo
}

# The round-trip target of BENCHMARKING.md: C at most 15% above B.
print_verdict() {
	ratio=$(median_ratio C B g_median_us)
	if awk -v r="$ratio" 'BEGIN { exit !(r <= 1.15) }'; then
		echo "target met: g rtt C/B = $ratio <= 1.15"
	else
		echo "target missed: g rtt C/B = $ratio > 1.15"
	fi
}

have_hub=0
if [ -x "$gdbhub" ]; then
	have_hub=1
else
	echo "compare.sh: no gdbhub at $gdbhub yet: skipping C" >&2
fi

start_qemu
start_relay
[ $have_hub = 0 ] || write_hub_config
r=1
while [ $r -le "$rounds" ]; do
	echo "round $r/$rounds" >&2
	run_bench A.$r "unix:$work/qemu.sock" "$@"
	run_bench B.$r "unix:$work/relay.sock" "$@"
	if [ $have_hub = 1 ]; then
		start_hub
		run_bench C.$r "unix:$work/hub.sock" "$@"
		hub_cpu_ms "$hub_pid" >"$work/C.$r.cpu"
		stop_pid "$hub_pid"
		hub_pid=
	fi
	r=$((r + 1))
done
print_table
