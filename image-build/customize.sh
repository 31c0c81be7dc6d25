#!/usr/bin/env bash
# mmdebstrap's customize hook (called by build.sh): turn the Debian root filesystem in
# $1 into a Pathstone station. Runs on the build machine; commands inside the image run
# through chroot (arm64 under qemu-user).
set -euo pipefail

rootfs=$1
repo=${PATHSTONE_REPO:?}
wheels=${PATHSTONE_WHEELS:?}
files=$repo/image-build/files
units=$repo/systemd

in_image() {
	chroot "$rootfs" "$@"
}

write() {
	mkdir -p "$(dirname "$rootfs$1")"
	cat >"$rootfs$1"
}

install_project() {
	cp -r "$wheels" "$rootfs/tmp/pathstone-wheels"
	in_image python3 -m venv /opt/pathstone/venv
	in_image /opt/pathstone/venv/bin/pip install --quiet --no-index \
		--find-links /tmp/pathstone-wheels pathstone
	rm -rf "$rootfs/tmp/pathstone-wheels"
	ln -s /opt/pathstone/venv/bin/pathstone "$rootfs/usr/local/bin/pathstone"
	install -D -m 0755 "$units/pathstone-lock-vt" "$rootfs/opt/pathstone/bin/pathstone-lock-vt"
	install -D -m 0755 "$files/grow-data" "$rootfs/opt/pathstone/bin/pathstone-grow-data"
	install -D -m 0644 "$units/README.md" "$rootfs/opt/pathstone/systemd/README.md"
}

install_units() {
	local unit
	for unit in "$units"/*.service "$units"/*.timer "$units"/*.mount "$files/pathstone-grow-data.service"; do
		install -m 0644 "$unit" "$rootfs/etc/systemd/system/"
	done
	install -m 0644 "$units"/*.rules "$rootfs/etc/udev/rules.d/"
	install -D -m 0644 "$units/pathstone.tmpfiles.conf" "$rootfs/usr/lib/tmpfiles.d/pathstone.conf"
	if [ "${PATHSTONE_SELFTEST:-0}" = 1 ]; then
		install -m 0755 "$files/pathstone-selftest" "$rootfs/opt/pathstone/bin/"
		install -m 0644 "$files/pathstone-selftest.service" "$rootfs/etc/systemd/system/"
		in_image systemctl enable pathstone-selftest.service
	fi
	in_image systemctl enable pathstone-kiosk.service pathstone-sync.timer pathstone-lock-vt.service \
		pathstone-grow-data.service var-lib-systemd-timesync.mount var-lib-systemd-timers.mount \
		systemd-networkd.service systemd-resolved.service systemd-timesyncd.service
	# tty1 belongs to the kiosk; nothing that fails offline or writes to the root for
	# nothing; no reboot from the keyboard; never wait for a time sync that may not come.
	in_image systemctl disable getty@tty1.service
	in_image systemctl mask ctrl-alt-del.target systemd-time-wait-sync.service \
		apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer
}

add_user() {
	in_image useradd --system --user-group --groups dialout --home-dir /data/station \
		--no-create-home --shell /usr/sbin/nologin pathstone
	if [ -n "${PATHSTONE_ROOT_PASSWORD_HASH:-}" ]; then
		in_image usermod --password "$PATHSTONE_ROOT_PASSWORD_HASH" root
	fi
}

# The data partition's contents, staged in /data of the rootfs; build.sh moves them
# into their own filesystem.
stage_data() {
	mkdir -p "$rootfs/data/station" "$rootfs/data/timesync" "$rootfs/data/timers"
	if [ -n "${PATHSTONE_SCHOOL:-}" ]; then
		rmdir "$rootfs/data/station"
		in_image /opt/pathstone/venv/bin/pathstone init --home /data/station --school "$PATHSTONE_SCHOOL"
	fi
	in_image chown -R pathstone:pathstone /data/station
	in_image chmod 0700 /data/station
}

configure_system() {
	echo pathstone >"$rootfs/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tpathstone\n' >"$rootfs/etc/hosts"
	write /etc/fstab <<-'FSTAB'
		# The root is mounted read-only under an overlay by the initramfs (overlay-root).
		LABEL=PSBOOT  /boot/firmware  vfat  ro,nofail,umask=0077  0  2
		LABEL=PSDATA  /data  ext4  noatime,nosuid,nodev,noexec,x-systemd.growfs  0  2
	FSTAB
	write /etc/default/console-setup <<-'CONSOLE'
		# Terminus has the box-drawing and block glyphs the kiosk's screens are drawn
		# with; 16x32 is readable from a step back on a classroom screen.
		ACTIVE_CONSOLES="/dev/tty[1-6]"
		CHARMAP="UTF-8"
		CODESET="Uni2"
		FONTFACE="Terminus"
		FONTSIZE="16x32"
	CONSOLE
	write /etc/default/keyboard <<-'KEYBOARD'
		XKBMODEL="pc105"
		XKBLAYOUT="us"
		XKBVARIANT=""
		XKBOPTIONS=""
	KEYBOARD
	write /etc/systemd/logind.conf.d/pathstone.conf <<-'LOGIND'
		# No login prompts on other consoles: the kiosk is the only thing on screen.
		[Login]
		NAutoVTs=0
		ReserveVT=0
	LOGIND
	write /etc/systemd/journald.conf.d/pathstone.conf <<-'JOURNALD'
		# The root is read-only; keep the system log in RAM, bounded.
		[Journal]
		Storage=volatile
		RuntimeMaxUse=32M
	JOURNALD
	write /etc/systemd/system.conf.d/pathstone.conf <<-'SYSTEM'
		# The Pi's hardware watchdog reboots a station whose whole system hangs.
		[Manager]
		RuntimeWatchdogSec=30s
	SYSTEM
	write /etc/sysctl.d/90-pathstone.conf <<-'SYSCTL'
		# No magic SysRq from the kiosk's keyboard; reboot on a kernel panic.
		kernel.sysrq = 0
		kernel.panic = 10
	SYSCTL
	write /etc/systemd/network/80-pathstone-wired.network <<-'NETWORK'
		[Match]
		Name=e*

		[Network]
		DHCP=yes
	NETWORK
	write /etc/systemd/system/systemd-networkd-wait-online.service.d/pathstone.conf <<-'WAIT'
		# Offline is normal: the weekly sync waits half a minute for a network, not two.
		[Service]
		ExecStart=
		ExecStart=/lib/systemd/systemd-networkd-wait-online --any --timeout=30
	WAIT
}

configure_boot() {
	# The last console is /dev/console, where systemd writes its status lines: the
	# serial port (GPIO 14/15), not tty1, where they would scribble over the kiosk.
	write /etc/default/raspi-firmware <<-'FIRMWARE'
		ROOTPART=LABEL=PSROOT
		CONSOLES="tty1 ttyS1,115200"
	FIRMWARE
	# consoleblank=0: the kiosk's screen never goes dark. fsck.repair: a power cut must
	# not stop the boot at a question nobody can answer.
	echo "consoleblank=0 fsck.repair=yes quiet" >"$rootfs/etc/default/raspi-extra-cmdline"
	install -m 0755 "$files/overlay-root" "$rootfs/etc/initramfs-tools/scripts/init-bottom/pathstone-overlay"
	# overlay for the read-only root; virtio for booting the image under qemu.
	printf '%s\n' overlay virtio_blk virtio_mmio virtio_pci >>"$rootfs/etc/initramfs-tools/modules"
	# Makes the initramfs (held back until now) with the overlay script, and through
	# raspi-firmware's hook puts kernel, initramfs, config.txt and cmdline.txt into
	# /boot/firmware.
	"$(dirname "$0")/initramfs-later.sh" release "$rootfs"
	rm -f "$rootfs"/boot/initrd.img-*
	in_image update-initramfs -c -k all
}

install_project
install_units
add_user
stage_data
configure_system
configure_boot
