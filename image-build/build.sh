#!/usr/bin/env bash
# Build an SD-card image of a Pathstone station for a Raspberry Pi 3 or 4, from Debian
# bookworm arm64. Needs root (mmdebstrap --mode=root, binfmt_misc); see README.md.
#
#   sudo image-build/build.sh [--out DIR] [--station "School name"] [--selftest]
#
#   --out DIR         where the image goes (default: image-build/out)
#   --station NAME    create a station home for school NAME on the data partition
#                     (without it, the station enrols at first boot from a file)
#   --selftest        add the boot self-test unit (for `pytest -m image` only)
#
# Environment: PATHSTONE_MIRROR (Debian mirror), PYTHON (the Python that builds the
# wheel; default python3), PATHSTONE_ROOT_PASSWORD_HASH (a crypt(3) hash; without it
# root cannot log in anywhere).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
out=$here/out
school=""
selftest=0
mirror=${PATHSTONE_MIRROR:-http://deb.debian.org/debian}
python=${PYTHON:-python3}

# Partition sizes in MiB; the data partition grows to fill the card at first boot.
boot_mib=256
data_mib=256

packages=(
	linux-image-arm64 raspi-firmware firmware-brcm80211 initramfs-tools
	systemd systemd-sysv systemd-timesyncd systemd-resolved udev dbus
	python3 python3-venv console-setup console-setup-linux kbd keyboard-configuration
	ca-certificates netbase iproute2 fdisk less
)

die() {
	echo "build.sh: $*" >&2
	exit 1
}

usage() {
	# The comment at the top of this file, without its comment marks.
	awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
	exit 2
}

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
			--out) out=${2:?--out needs a directory}; shift 2 ;;
			--station) school=${2:?--station needs a school name}; shift 2 ;;
			--selftest) selftest=1; shift ;;
			-h|--help) usage ;;
			*) die "unknown option $1 (see --help)" ;;
		esac
	done
}

check_host() {
	[ "$(id -u)" = 0 ] || die "run as root: mmdebstrap --mode=root and binfmt_misc need it"
	local tool
	for tool in mmdebstrap mkfs.vfat mkfs.ext4 mcopy sfdisk "$python"; do
		command -v "$tool" >/dev/null || die "$tool is missing (see README.md for the apt-get line)"
	done
	if [ "$(uname -m)" != aarch64 ]; then
		enable_qemu_user
	fi
}

# Run arm64 programs in the chroot through qemu-user: mount binfmt_misc if this machine
# has not, and register the qemu-aarch64 interpreter from qemu-user-static.
enable_qemu_user() {
	command -v qemu-aarch64-static >/dev/null || die "qemu-user-static is missing"
	if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
	fi
	if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
		update-binfmts --enable qemu-aarch64 || die "cannot register qemu-aarch64 with binfmt_misc"
	fi
}

# The project's own wheel, built from this tree now, and the arm64 wheels of its
# dependencies for the image's Python (3.11), so that nothing is compiled under qemu.
build_wheels() {
	local wheels=$1
	"$python" -m pip wheel --quiet --no-deps --wheel-dir "$wheels" "$repo"
	"$python" -m pip download --quiet --dest "$wheels" --only-binary=:all: \
		--implementation cp --python-version 3.11 \
		--platform manylinux_2_36_aarch64 --platform manylinux_2_28_aarch64 \
		--platform manylinux2014_aarch64 \
		"$wheels"/pathstone-*.whl
}

build_rootfs() {
	local work=$1
	# $1 in the hooks is mmdebstrap's, expanded when the hook runs.
	# shellcheck disable=SC2016
	PATHSTONE_REPO=$repo PATHSTONE_WHEELS=$work/wheels PATHSTONE_SCHOOL=$school \
	PATHSTONE_SELFTEST=$selftest \
	mmdebstrap --mode=root --variant=apt --architectures=arm64 \
		--components="main non-free-firmware" \
		--include="$(IFS=,; echo "${packages[*]}")" \
		--essential-hook='mkdir -p "$1/boot/firmware"' \
		--essential-hook="\"$here/initramfs-later.sh\" hold \"\$1\"" \
		--customize-hook="\"$here/customize.sh\" \"\$1\"" \
		bookworm "$work/rootfs" "$mirror"
}

# Three partitions on an MBR disk (the Pi 3's firmware reads nothing else): FAT boot,
# ext4 root (read-only at run time), ext4 data.
assemble() {
	local work=$1 image=$2
	local rootfs=$work/rootfs
	mkdir -p "$work/boot" "$work/data"
	mv "$rootfs/boot/firmware/"* "$work/boot/"
	mv "$rootfs/data/"* "$work/data/"
	cp "$rootfs"/boot/vmlinuz-* "$out/pathstone-vmlinuz"
	cp "$rootfs"/boot/initrd.img-* "$out/pathstone-initrd.img"

	local root_mib
	root_mib=$(( $(du -sm --exclude=./proc --exclude=./sys "$rootfs" | cut -f1) * 12 / 10 + 200 ))
	rm -f "$work/boot.img"
	mkfs.vfat -C -F 32 -n PSBOOT "$work/boot.img" $((boot_mib * 1024)) >/dev/null
	mcopy -s -i "$work/boot.img" "$work/boot/"* ::
	mkfs.ext4 -q -L PSROOT -d "$rootfs" "$work/root.img" "${root_mib}M"
	mkfs.ext4 -q -L PSDATA -d "$work/data" "$work/data.img" "${data_mib}M"

	local boot_start=1 root_start data_start total
	root_start=$((boot_start + boot_mib))
	data_start=$((root_start + root_mib))
	total=$((data_start + data_mib))
	rm -f "$image"
	truncate -s "${total}M" "$image"
	sfdisk --quiet "$image" <<-TABLE
		label: dos
		start=${boot_start}MiB, size=${boot_mib}MiB, type=c, bootable
		start=${root_start}MiB, size=${root_mib}MiB, type=83
		start=${data_start}MiB, size=${data_mib}MiB, type=83
	TABLE
	dd if="$work/boot.img" of="$image" bs=1M seek="$boot_start" conv=notrunc,sparse status=none
	dd if="$work/root.img" of="$image" bs=1M seek="$root_start" conv=notrunc,sparse status=none
	dd if="$work/data.img" of="$image" bs=1M seek="$data_start" conv=notrunc,sparse status=none
}

# Remove the work folder however the build ends. An interrupted mmdebstrap may leave
# /proc, /sys or /dev mounted inside the rootfs: unmount them first, and never let rm
# cross into another filesystem.
clean_up() {
	local work=$1 mountpoint
	findmnt -rn -o TARGET | awk -v prefix="$work/" 'index($0, prefix) == 1' | sort -r |
		while read -r mountpoint; do
			umount -l "$mountpoint"
		done
	rm -rf --one-file-system "$work"
}

main() {
	parse_args "$@"
	check_host
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	local image started
	started=$(date +%s)
	# Global, not local: the EXIT trap runs after main has returned.
	work=$(mktemp -d "${TMPDIR:-/var/tmp}/pathstone-image.XXXXXX")
	trap 'clean_up "$work"' EXIT
	image=$out/pathstone-rpi-arm64.img

	echo "== wheels"
	build_wheels "$work/wheels"
	echo "== root filesystem (mmdebstrap, arm64 under qemu-user)"
	build_rootfs "$work"
	echo "== disk image"
	assemble "$work" "$image"

	echo "Image:  $image"
	echo "Size:   $(du -h --apparent-size "$image" | cut -f1) ($(du -h "$image" | cut -f1) on disk)"
	echo "Kernel: $out/pathstone-vmlinuz and $out/pathstone-initrd.img (for qemu)"
	echo "Built in $(( $(date +%s) - started )) s. Write it with: dd if=$image of=/dev/sdX bs=4M conv=fsync"
}

main "$@"
