# Debian packages gdbhub needs to build, test and run; sourced by the other
# scripts. Installs only what is missing (apt-get; needs root).
# gcc-12-multilib, not gcc-multilib: Debian's gcc-multilib conflicts with
# every cross compiler (apt would remove gcc-aarch64-linux-gnu for it, and
# a fresh install of both fails); gcc-12-multilib gives gcc -m32 alike.
GDBHUB_PACKAGES="gcc gcc-12-multilib libc6-dev meson ninja-build pkg-config
  libevent-dev libjson-c-dev libcmocka-dev libssh-dev openssh-client
  qemu-system-x86 qemu-utils gdb lldb socat python3 procps util-linux
  gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu qemu-system-arm qemu-system-misc
  gdb-multiarch"

ensure_deps() {
	local missing=""
	for p in $GDBHUB_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "gdbhub: installing missing packages:$missing"
	if [ "$(id -u)" -ne 0 ]; then
		echo "gdbhub: need root to install packages (or install them yourself)" >&2
		return 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null
}
