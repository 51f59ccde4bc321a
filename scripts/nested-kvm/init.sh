#!/bin/busybox sh
# shellcheck shell=dash
# PID 1 of the nested VM (copied into the initramfs as /init by cache.sh).
#
# Loads KVM and 9p, mounts the host's / read-only and the project directory
# read-write (both over virtio-9p), and runs /run/gdbhub-nested/cmd.sh,
# written by run.sh, chrooted into that tree. Its exit status goes to
# /ctl/status, which run.sh reads back; everything this script says goes to
# the kernel console (ttyS0), which run.sh keeps as console.log.
#
# /ctl/status holds "running" while the command runs, then its exit status,
# or "error: WHY" if the VM could not be made ready.

/bin/busybox --install -s /bin
export PATH=/bin
ROOT=/newroot
OUT=/dev/ttyS1
module_error=

say() {
	echo "gdbhub-nested: $*"
}

# Shell builtins only after poweroff: it is the way out when exec fails.
halt_vm() {
	sync
	poweroff -f
	echo o > /proc/sysrq-trigger
	read -r _ < /dev/console	# wait for the power-off, never returns
	exit 1			# else PID 1 exits: panic=-1 and -no-reboot end QEMU
}

# The VM is useless without KVM or the host's files: tell run.sh and stop.
fail() {
	say "error: $*"
	if grep -q ' /ctl 9p ' /proc/mounts; then
		echo "error: $*" > /ctl/status
	fi
	halt_vm
}

mount_9p() {
	tag=$1 dir=$2 opts=$3
	mount -t 9p -o "trans=virtio,version=9p2000.L,msize=512000,$opts" \
		"$tag" "$dir" || fail "cannot mount 9p share '$tag' on $dir"
}

# Loads all it can; the first failure is reported once /ctl is mounted.
load_modules() {
	while read -r name; do
		insmod "/lib/modules/$name.ko" 2>/dev/null ||
			module_error=${module_error:-"insmod $name failed: $(insmod "/lib/modules/$name.ko" 2>&1)"}
	done < /modules.order
}

mount_tmpfs() {
	dir=$ROOT/$1 mode=$2
	# A symlink (e.g. /var/tmp -> /tmp) already leads to a tmpfs.
	[ -L "$dir" ] && return
	[ -d "$dir" ] || { say "no $1 on the host, left out"; return; }
	mount -t tmpfs -o "mode=$mode" tmpfs "$dir" || fail "tmpfs on /$1"
}

# The host's / read-only, with fresh kernel file systems and tmpfs areas on
# top: nothing the command writes outside the project reaches the host.
mount_root() {
	mount_9p hostroot "$ROOT" ro,cache=loose
	mount -t proc proc "$ROOT/proc" || fail "proc in the chroot"
	mount -t sysfs sysfs "$ROOT/sys" || fail "sysfs in the chroot"
	mount -t devtmpfs devtmpfs "$ROOT/dev" || fail "devtmpfs in the chroot"
	mkdir -p "$ROOT/dev/pts" "$ROOT/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts \
		"$ROOT/dev/pts" || fail "devpts in the chroot"
	mount -t tmpfs -o mode=1777 tmpfs "$ROOT/dev/shm" || fail "/dev/shm"
	mount_tmpfs tmp 1777
	mount_tmpfs var/tmp 1777
	mount_tmpfs run 0755
	mkdir -p "$ROOT/run/gdbhub-nested"
	mount --bind /ctl "$ROOT/run/gdbhub-nested" || fail "bind /ctl"
}

# Read-write at its own path; the path may lie in a tmpfs just mounted
# (a project under /tmp), so make the mount point if it is missing there.
mount_project() {
	share=$(cat /ctl/share)
	[ -n "$share" ] || return
	mkdir -p "$ROOT$share" 2>/dev/null
	mount_9p project "$ROOT$share" cache=mmap
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
load_modules
mount_9p ctl /ctl cache=none
[ -z "$module_error" ] || fail "$module_error"
[ -c /dev/kvm ] || fail "no /dev/kvm after loading kvm-amd: $(dmesg | grep -i -E 'kvm|svm' | tail -n 3)"
say "kvm: $(dmesg | grep -i -E 'nested (virtualization|paging)' | tr '\n' ' ')"
mount_root
mount_project
ip link set lo up || fail "cannot bring up lo"
hostname gdbhub-nested
# The command's bytes must reach run.sh unchanged: no CR added before LF.
stty -F "$OUT" raw -echo

say "running the command"
echo running > /ctl/status
chroot "$ROOT" /bin/sh /run/gdbhub-nested/cmd.sh < /dev/null > "$OUT" 2>&1
status=$?
echo "$status" > /ctl/status
say "command exited with status $status"
halt_vm
