#!/usr/bin/env bash
# Make the initramfs once, at the end of the build, instead of at every package that
# triggers it: under qemu-user each run takes minutes.
#   initramfs-later.sh hold ROOTFS      (mmdebstrap essential hook) update-initramfs
#                                       becomes a no-op, the real one diverted aside
#   initramfs-later.sh release ROOTFS   (customize.sh) the real one back
set -euo pipefail

action=$1
rootfs=$2
tool=/usr/sbin/update-initramfs

case "$action" in
	hold)
		chroot "$rootfs" dpkg-divert --quiet --local --rename --divert "$tool.real" --add "$tool"
		printf '#!/bin/sh\n# Held back by the Pathstone image build.\nexit 0\n' >"$rootfs$tool"
		chmod 755 "$rootfs$tool"
		;;
	release)
		if [ -e "$rootfs$tool.real" ]; then
			rm -f "$rootfs$tool"
			chroot "$rootfs" dpkg-divert --quiet --local --rename --remove "$tool"
		fi
		;;
	*)
		echo "usage: $0 hold|release ROOTFS" >&2
		exit 2
		;;
esac
