#!/usr/bin/env bash
# Run a command on a machine that has a hardware-style (AMD SVM) /dev/kvm:
# a Debian kernel under QEMU TCG (-cpu max emulates SVM) loads kvm-amd, sees
# the host's / read-only and the project directory read-write over 9p, and
# runs CMD there in the same directory. See README.md beside this file.
#
# Exit status: CMD's own; 124 on timeout; 125 when the VM did not boot, had
# no /dev/kvm, or stopped before CMD finished; 130 when interrupted.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${GDBHUB_NESTED_CACHE:-/var/cache/gdbhub-nested}
timeout_s=1800
memory_mib=3072
cpus=2
share=
verbose=
refresh=
keep=
smoke=
mttcg=
kernel_args=
extra_env=()
extra_qemu=()

# shellcheck source-path=SCRIPTDIR source=cache.sh
. "$here/cache.sh"

usage() {
	cat <<EOF
usage: ${0##*/} [options] -- CMD [ARGS...]
       ${0##*/} [options] --smoke

Runs CMD inside a QEMU TCG VM whose kernel has a working /dev/kvm (AMD SVM,
nested paging). CMD sees the host's / read-only, the project directory
read-write at the same path, tmpfs on /tmp /run /var/tmp, and loopback.

options:
  --share DIR          project directory shared read-write
                       (default: git top level of the current directory)
  --env NAME[=VALUE]   pass NAME into the VM (its host value if no =VALUE);
                       PATH, HOME, USER, LOGNAME, LANG, LC_ALL, TZ and TERM
                       are passed when set
  --timeout SECONDS    stop the VM after this long, exit 124 (default 1800)
  --memory MIB         guest memory (default 3072)
  --smp N              guest CPUs (default 2)
  --mttcg              one host thread per guest CPU (faster, but the guest
                       kernel can lock up: see README.md)
  --kernel-args TEXT   more kernel command line parameters
  --qemu-arg WORD      one more word for the QEMU command line (repeatable;
                       a later -cpu or -m overrides ours)
  --smoke              build kvm_smoke.c into the cache and run it instead
                       of CMD: proves that KVM in the VM runs guest code
  --refresh            ask apt again which kernel linux-image-amd64 means
  --keep               keep the run folder (console.log, cmd.sh, status)
  -v, --verbose        say what is fetched and built; copy the guest's
                       console (kernel and init messages) to stderr
  -h, --help           this text

cache: \$GDBHUB_NESTED_CACHE (default /var/cache/gdbhub-nested)
exit status: CMD's; 124 timeout; 125 the VM or its /dev/kvm failed;
130 interrupted.
EOF
}

die_usage() {
	echo "nested-kvm: $*" >&2
	echo "nested-kvm: see ${0##*/} --help" >&2
	exit 125
}

is_number() {
	[[ $1 =~ ^[1-9][0-9]*$ ]]
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--share) [ $# -ge 2 ] || die_usage "--share needs a folder"
			share=$2; shift ;;
		--env) [ $# -ge 2 ] || die_usage "--env needs NAME[=VALUE]"
			extra_env+=("$2"); shift ;;
		--timeout) is_number "${2:-}" || die_usage "--timeout needs seconds"
			timeout_s=$2; shift ;;
		--memory) is_number "${2:-}" || die_usage "--memory needs MiB"
			memory_mib=$2; shift ;;
		--smp) is_number "${2:-}" || die_usage "--smp needs a count"
			cpus=$2; shift ;;
		--kernel-args) [ $# -ge 2 ] || die_usage "--kernel-args needs text"
			kernel_args=$2; shift ;;
		--qemu-arg) [ $# -ge 2 ] || die_usage "--qemu-arg needs a word"
			extra_qemu+=("$2"); shift ;;
		--smoke) smoke=1 ;;
		--mttcg) mttcg=1 ;;
		--refresh) refresh=1 ;;
		--keep) keep=1 ;;
		-v|--verbose) verbose=1 ;;
		-h|--help) usage; exit 0 ;;
		--) shift; break ;;
		*) die_usage "unknown option '$1' (the command goes after --)" ;;
		esac
		shift
	done
	[ $# -gt 0 ] || [ -n "$smoke" ] || die_usage "no command given"
	command_args=("$@")
}

# The git top level of the current directory, else the directory itself;
# nothing (all read-only) when that is /.
choose_share() {
	if [ -n "$share" ]; then
		share=$(cd "$share" 2>/dev/null && pwd -P) ||
			die_usage "--share $share: no such folder"
		[ "$share" != / ] ||
			die_usage "--share /: the root is always shared read-only"
		return
	fi
	share=$(git rev-parse --show-toplevel 2>/dev/null) || share=$(pwd -P)
	[ "$share" != / ] || share=
}

# One word for /bin/sh: single quotes, each ' written as '\''.
shell_quote() {
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

# NAME=VALUE words for env -i: the usual variables and each --env.
env_words() {
	local name item

	for name in PATH HOME USER LOGNAME LANG LC_ALL TZ TERM; do
		[ -n "${!name+set}" ] && shell_quote "$name=${!name}" && echo
	done
	for item in "${extra_env[@]}"; do
		if [[ $item == *=* ]]; then
			shell_quote "$item"
		else
			[ -n "${!item+set}" ] || continue
			shell_quote "$item=${!item}"
		fi
		echo
	done
}

# The cache is visible read-only inside the VM, so the binary can live there.
build_smoke() {
	local bin=$cache/kvm_smoke

	need_tool cc gcc || return 1
	if [ ! -x "$bin" ] || [ "$here/kvm_smoke.c" -nt "$bin" ]; then
		nested_log "compiling kvm_smoke"
		cc -O2 -Wall -Wextra -Werror -o "$bin.tmp" "$here/kvm_smoke.c" ||
			nested_err "cannot compile kvm_smoke.c" || return 1
		mv "$bin.tmp" "$bin"
	fi
	command_args=("$bin")
}

# cmd.sh: run inside the chroot by the guest's /init.
write_command() {
	local word

	{
		echo "# written by run.sh: CMD in the caller's folder and environment"
		printf 'cd %s || { echo nested-kvm: no folder %s in the VM; exit 125; }\n' \
			"$(shell_quote "$PWD")" "$(shell_quote "$PWD")"
		printf 'exec env -i'
		while IFS= read -r word; do
			printf ' %s' "$word"
		done < <(env_words)
		for word in "${command_args[@]}"; do
			printf ' %s' "$(shell_quote "$word")"
		done
		echo
	} > "$rundir/cmd.sh"
	printf '%s\n' "$share" > "$rundir/share"
}

# Quiet, stop on panic, and skip boot work worth nothing here but costly
# under TCG: crypto self-tests, the clocksource watchdog, the timer check.
boot_args="console=ttyS0 quiet loglevel=3 panic=-1 mitigations=off"
boot_args+=" cryptomgr.notests tsc=reliable no_timer_check"

# ttyS0 (kernel console, init's messages) goes to console.log; ttyS1 is the
# command's stdout+stderr and goes to our stdout as it comes. TCG runs the
# guest's CPUs in one host thread unless --mttcg: with a thread per CPU,
# QEMU 7.2's kernel locked up (README.md, "Known limits").
qemu_args() {
	local threads=single

	[ -z "$mttcg" ] || threads=multi
	# shellcheck disable=SC2054 # the commas are QEMU's, inside one word
	qemu=(qemu-system-x86_64
		-accel "tcg,thread=$threads" -cpu max -smp "$cpus" -m "$memory_mib"
		-nographic -nodefaults -no-user-config -no-reboot
		-kernel "$kernel_image" -initrd "$initramfs"
		-append "$boot_args $kernel_args"
		-chardev "file,id=console,path=$rundir/console.log"
		-serial chardev:console
		-chardev stdio,id=out,signal=off
		-serial chardev:out
		-fsdev "local,id=ctl,path=$rundir,security_model=none"
		-device virtio-9p-pci,fsdev=ctl,mount_tag=ctl
		-fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap"
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot)
	if [ -n "$share" ]; then
		# shellcheck disable=SC2054 # QEMU's commas again
		qemu+=(-fsdev "local,id=project,path=$share,security_model=passthrough,multidevs=remap"
			-device virtio-9p-pci,fsdev=project,mount_tag=project)
	fi
	qemu+=("${extra_qemu[@]}")
}

show_console_tail() {
	echo "nested-kvm: last lines of the VM console ($rundir/console.log):" >&2
	tail -n 25 "$rundir/console.log" 2>/dev/null | tr -d '\r' |
		sed 's/^/  | /' >&2
}

# Map what the VM left in $rundir/status to our exit status.
finish() {
	local qemu_status=$1 status

	if [ -n "${interrupted:-}" ]; then
		echo "nested-kvm: interrupted" >&2
		return 130
	fi
	if [ "$qemu_status" -eq 124 ]; then
		echo "nested-kvm: timed out after $timeout_s s" >&2
		return 124
	fi
	status=$(cat "$rundir/status" 2>/dev/null)
	case $status in
	[0-9]|[0-9][0-9]|[0-9][0-9][0-9])
		return "$status" ;;
	error:*)
		echo "nested-kvm: the VM could not run the command: ${status#error: }" >&2 ;;
	running)
		echo "nested-kvm: the VM stopped while the command ran (kernel panic? qemu status $qemu_status)" >&2 ;;
	*)
		echo "nested-kvm: the VM did not boot (qemu status $qemu_status)" >&2 ;;
	esac
	keep=1
	show_console_tail
	return 125
}

# shellcheck disable=SC2317 # reached through the EXIT trap
cleanup() {
	[ -n "${tail_pid:-}" ] && kill "$tail_pid" 2>/dev/null
	if [ -n "$keep" ]; then
		echo "nested-kvm: run folder kept: $rundir" >&2
	else
		rm -rf "$rundir"
	fi
}

main() {
	local qemu_pid qemu_status

	parse_args "$@"
	choose_share
	prepare_cache || exit 125
	if [ -n "$smoke" ]; then
		build_smoke || exit 125
	fi
	rundir=$(mktemp -d /tmp/gdbhub-nested.XXXXXX) || exit 125
	trap cleanup EXIT
	write_command
	qemu_args
	: > "$rundir/console.log"
	if [ -n "$verbose" ]; then
		tail -n +1 -f "$rundir/console.log" >&2 &
		tail_pid=$!
	fi
	nested_log "booting $kernel_image, sharing ${share:-nothing} read-write"
	timeout -k 10 "$timeout_s" "${qemu[@]}" < /dev/null &
	qemu_pid=$!
	# timeout(1) puts QEMU in its own process group, out of reach of the
	# terminal's ^C: pass our signals on, or QEMU would outlive us.
	trap 'interrupted=1; kill -TERM "$qemu_pid" 2>/dev/null' INT TERM HUP
	wait "$qemu_pid"
	qemu_status=$?
	# A signal ends the first wait early; QEMU is still shutting down.
	while kill -0 "$qemu_pid" 2>/dev/null; do
		wait "$qemu_pid"
		qemu_status=$?
	done
	finish "$qemu_status"
}

# One line: bash has read it whole before main runs, so an edit of this file
# during a run cannot feed the running shell the new bytes afterwards.
main "$@"; exit
