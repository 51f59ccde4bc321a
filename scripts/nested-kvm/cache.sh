# shellcheck shell=bash
# shellcheck disable=SC2154 # cache, here, verbose, refresh: set by run.sh
# Sourced by run.sh: fills the cache folder with what the nested VM boots.
#
#   $cache/debs/             the two Debian packages, as apt-get downloaded them
#   $cache/kernel/PKG/       the kernel package, extracted
#   $cache/kernel/PKG/vmlinux  its uncompressed image, when it can boot by PVH
#   $cache/busybox/          busybox-static, extracted
#   $cache/kernel.pkg        which kernel package (so later runs ask apt nothing)
#   $cache/initramfs-KEY.gz  busybox + modules + init.sh; KEY hashes those inputs
#
# Every function prints why it failed and returns non-zero; run.sh turns that
# into exit status 125.

# The modules init.sh needs; their dependencies are added from modinfo.
NESTED_MODULES="virtio_pci 9pnet_virtio 9p kvm_amd"

nested_log() {
	[ -n "${verbose:-}" ] && echo "nested-kvm: $*" >&2
	return 0
}

nested_err() {
	echo "nested-kvm: $*" >&2
	return 1
}

# apt's lists may be missing on a fresh machine: update once, then retry.
apt_retry() {
	"$@" 2>/dev/null && return 0
	apt-get update -q >/dev/null 2>&1 || nested_err "apt-get update failed"
	"$@"
}

need_tool() {
	local tool=$1 pkg=$2

	command -v "$tool" >/dev/null && return 0
	nested_log "installing $pkg (for $tool)"
	apt_retry apt-get install -y -q "$pkg" >/dev/null ||
		nested_err "cannot install $pkg"
}

# The one package linux-image-amd64 points at, e.g. linux-image-6.1.0-56-amd64.
kernel_package_name() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }'
}

# Download one package by exact name into $cache/debs; print the file.
download_deb() {
	local pkg=$1 deb

	deb=$(find "$cache/debs" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
	if [ -z "$deb" ]; then
		nested_log "downloading $pkg"
		(cd "$cache/debs" && apt_retry apt-get download -q "$pkg" \
			>/dev/null) || nested_err "apt-get download $pkg failed" ||
			return 1
		deb=$(find "$cache/debs" -maxdepth 1 -name "${pkg}_*.deb" |
			head -n 1)
	fi
	[ -n "$deb" ] || nested_err "no .deb for $pkg after download" || return 1
	echo "$deb"
}

# Extract once; the .done marker says a previous extraction finished.
extract_deb() {
	local deb=$1 dir=$2

	[ -e "$dir/.done" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg-deb -x "$deb" "$dir" || nested_err "cannot extract $deb" ||
		return 1
	touch "$dir/.done"
}

# Sets kernel_dir, kernel_image, modules_dir.
fetch_kernel() {
	local pkg deb

	pkg=$(cat "$cache/kernel.pkg" 2>/dev/null)
	if [ -z "$pkg" ] || [ -n "${refresh:-}" ]; then
		pkg=$(kernel_package_name)
		if [ -z "$pkg" ]; then
			apt-get update -q >/dev/null 2>&1
			pkg=$(kernel_package_name)
		fi
		[ -n "$pkg" ] ||
			nested_err "apt-cache finds no package behind linux-image-amd64" ||
			return 1
	fi
	deb=$(download_deb "$pkg") || return 1
	kernel_dir=$cache/kernel/$pkg
	extract_deb "$deb" "$kernel_dir" || return 1
	echo "$pkg" > "$cache/kernel.pkg"
	kernel_image=$(find "$kernel_dir/boot" -name 'vmlinuz-*' | head -n 1)
	modules_dir=$(find "$kernel_dir/lib/modules" -mindepth 1 -maxdepth 1 \
		-type d | head -n 1)
	if [ -z "$kernel_image" ] || [ -z "$modules_dir" ]; then
		nested_err "no vmlinuz or modules in $deb"
	fi
}

# The first ELF image found behind a compression magic in the bzImage.
decompress_vmlinux() {
	local image=$1 out=$2 entry magic tool off

	# grep -P pattern of the stream's first bytes, then its decompressor.
	for entry in '\xfd7zXZ\x00 xz -dc --single-stream' \
		'\x28\xb5\x2f\xfd zstd -dcq' '\x1f\x8b\x08 gzip -dc'; do
		magic=${entry%% *}
		tool=${entry#* }
		command -v "${tool%% *}" >/dev/null || continue
		off=$(LC_ALL=C grep -obUaP "$magic" "$image" | head -n 1 |
			cut -d: -f1)
		[ -n "$off" ] || continue
		# Trailing bytes after the stream make some tools complain:
		# judge by what came out, not by the exit status.
		tail -c +$((off + 1)) "$image" | $tool > "$out" 2>/dev/null
		[ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] &&
			return 0
	done
	return 1
}

# QEMU starts an ELF vmlinux with a PVH note at its 32-bit entry, which
# skips the decompressor: that saves seconds under TCG. Sets kernel_image to
# it when that works, else leaves the bzImage.
use_pvh_vmlinux() {
	local out=$kernel_dir/vmlinux

	if [ ! -s "$out" ]; then
		grep -q '^CONFIG_PVH=y' "$kernel_dir"/boot/config-* 2>/dev/null ||
			return 0
		nested_log "extracting vmlinux for PVH boot"
		if ! decompress_vmlinux "$kernel_image" "$out.tmp"; then
			rm -f "$out.tmp"
			nested_log "no vmlinux found in $kernel_image: booting it as is"
			return 0
		fi
		mv "$out.tmp" "$out"
	fi
	kernel_image=$out
}

# Sets busybox_bin.
fetch_busybox() {
	local deb

	deb=$(download_deb busybox-static) || return 1
	extract_deb "$deb" "$cache/busybox" || return 1
	busybox_bin=$cache/busybox/bin/busybox
	[ -x "$busybox_bin" ] || nested_err "no bin/busybox in $deb"
}

# A module file as plain ELF on stdout, whichever compression Debian used.
module_cat() {
	case $1 in
	*.ko.xz) xz -dc "$1" ;;
	*.ko.zst) zstd -dcq "$1" ;;
	*.ko.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

# "depends=" from the module's .modinfo section: NUL-separated key=value.
module_depends() {
	module_cat "$1" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n 1 |
		tr ',' ' '
}

# Fills module_path[name] for every module of the kernel; names use '_'.
index_modules() {
	local f name

	declare -gA module_path=()
	while IFS= read -r f; do
		name=${f##*/}
		name=${name%%.ko*}
		module_path[${name//-/_}]=$f
	done < <(find "$modules_dir/kernel" -name '*.ko*')
}

# Appends NAME to module_order after everything it depends on.
add_module() {
	local name=${1//-/_} dep

	[ -n "${module_added[$name]:-}" ] && return 0
	[ -n "${module_path[$name]:-}" ] ||
		nested_err "module $name not in $modules_dir" || return 1
	module_added[$name]=1
	for dep in $(module_depends "${module_path[$name]}"); do
		add_module "$dep" || return 1
	done
	module_order+=("$name")
}

# Sets module_order: NESTED_MODULES and their dependencies, each after what it
# needs. Resolving takes seconds, so the answer is kept beside the kernel.
resolve_modules() {
	local saved=$kernel_dir/.nested-modules name

	if [ "$(head -n 1 "$saved" 2>/dev/null)" = "$NESTED_MODULES" ]; then
		mapfile -t module_order < <(tail -n +2 "$saved")
		return 0
	fi
	index_modules
	declare -gA module_added=()
	module_order=()
	for name in $NESTED_MODULES; do
		add_module "$name" || return 1
	done
	{ echo "$NESTED_MODULES"; printf '%s\n' "${module_order[@]}"; } > "$saved"
}

# A key that changes whenever anything put into the initramfs changes.
initramfs_key() {
	{
		sha256sum "$here/init.sh" "$busybox_bin"
		echo "$kernel_dir"
		printf '%s\n' "${module_order[@]}"
	} | sha256sum | cut -c1-16
}

# Sets initramfs; builds it only if no image with the same key exists.
build_initramfs() {
	local key stage name

	resolve_modules || return 1
	key=$(initramfs_key)
	initramfs=$cache/initramfs-$key.gz
	[ -s "$initramfs" ] && return 0

	nested_log "building initramfs ($key): ${module_order[*]}"
	[ -n "${module_path[*]:-}" ] || index_modules
	stage=$(mktemp -d "$cache/stage.XXXXXX") || return 1
	mkdir -p "$stage"/{bin,lib/modules,proc,sys,dev,ctl,newroot}
	cp "$busybox_bin" "$stage/bin/busybox"
	cp "$here/init.sh" "$stage/init"
	chmod 755 "$stage/init" "$stage/bin/busybox"
	for name in "${module_order[@]}"; do
		module_cat "${module_path[$name]}" > "$stage/lib/modules/$name.ko"
	done
	printf '%s\n' "${module_order[@]}" > "$stage/modules.order"
	(cd "$stage" && find . | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet | gzip -1) > "$initramfs.tmp" ||
		nested_err "cpio failed" || return 1
	rm -rf "$stage"
	# Older images are from older inputs: never used again.
	find "$cache" -maxdepth 1 -name 'initramfs-*.gz' ! -name "${initramfs##*/}" \
		-delete
	mv "$initramfs.tmp" "$initramfs"
}

# Everything a boot needs, fetched or built as required.
fill_cache() {
	need_tool cpio cpio || return 1
	need_tool qemu-system-x86_64 qemu-system-x86 || return 1
	fetch_kernel || return 1
	use_pvh_vmlinux
	fetch_busybox || return 1
	build_initramfs
}

# Two runs starting at once must not extract or build over each other.
prepare_cache() {
	local lock status

	mkdir -p "$cache/debs" || nested_err "cannot create $cache" || return 1
	exec {lock}> "$cache/.lock"
	flock "$lock"
	fill_cache
	status=$?
	exec {lock}>&-
	return $status
}
