# shellcheck shell=sh
# Shell helpers shared by the bench scripts (sourced, POSIX sh).

# Print an error naming the script and exit.
die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# Stop one process we started, by its pid: TERM, then KILL after $2 tenths of
# a second (default 50), and reap it.
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || return 0
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt "${2:-50}" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "$(basename "$0"): pid $1 ignored SIGTERM, killing it" >&2
		kill -KILL "$1" 2>/dev/null || true
	fi
	wait "$1" 2>/dev/null || true
}

# Remove the work folder $1, or say where it is when $2 is 1 (--keep).
drop_work() {
	if [ "$2" = 1 ]; then
		echo "work folder kept: $1" >&2
	else
		rm -rf "$1"
	fi
}
