"""Opt-in (`pytest -m image`, as root): build the SD-card image and boot it under qemu.

The image is built with --selftest, whose unit reports on the serial console that the
kiosk reached its first screen (the unit is active only after READY=1), kills the
kiosk, and reports that systemd brought it back. Set PATHSTONE_IMAGE_DIR to a folder
holding a build's output (pathstone-rpi-arm64.img, pathstone-vmlinuz,
pathstone-initrd.img) to boot that instead of building.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.appliance.tools import IMAGE_BUILD, need

pytestmark = pytest.mark.image

BUILD_TIMEOUT_S = 2 * 3600
BOOT_TIMEOUT_S = 30 * 60  # arm64 emulated on x86: boot plus Python start take minutes


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("PATHSTONE_IMAGE_DIR")
    if given:
        return Path(given)
    if os.geteuid() != 0:
        pytest.fail("building the image needs root (mmdebstrap --mode=root, binfmt_misc)")
    for tool, package in (("mmdebstrap", "mmdebstrap"), ("qemu-aarch64-static", "qemu-user-static"),
                          ("mkfs.vfat", "dosfstools"), ("mcopy", "mtools"), ("sfdisk", "fdisk")):
        need(tool, package)
    out = tmp_path_factory.mktemp("image")
    started = time.monotonic()
    result = subprocess.run(
        [str(IMAGE_BUILD / "build.sh"), "--out", str(out), "--station", "Boot Test School", "--selftest"],
        capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    print(f"image built in {time.monotonic() - started:.0f} s:\n{result.stdout[-600:]}")
    return out


def test_the_image_boots_into_the_kiosk_and_systemd_restarts_it(built: Path) -> None:
    qemu = need("qemu-system-aarch64", "qemu-system-arm")
    command = [
        qemu, "-M", "virt", "-cpu", "cortex-a72", "-smp", "2", "-m", "1024",
        "-nographic", "-no-reboot", "-nic", "none",
        "-kernel", str(built / "pathstone-vmlinuz"), "-initrd", str(built / "pathstone-initrd.img"),
        "-append", "root=LABEL=PSROOT ro console=ttyAMA0 consoleblank=0",
        "-drive", f"if=none,format=raw,file={built / 'pathstone-rpi-arm64.img'},id=sd",
        "-device", "virtio-blk-device,drive=sd",
    ]
    console: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, text=True, errors="replace") as qemu_process:
        assert qemu_process.stdout is not None
        # A guest that hangs prints nothing more: the timer ends the read by killing it.
        watchdog = threading.Timer(BOOT_TIMEOUT_S, qemu_process.kill)
        watchdog.start()
        try:
            for line in qemu_process.stdout:
                console.append(line)
                if "PATHSTONE-SELFTEST kiosk-restarted" in line or "PATHSTONE-SELFTEST FAILED" in line:
                    break
        finally:
            watchdog.cancel()
            qemu_process.kill()
    text = "".join(console)
    tail = text[-4000:]
    ready = re.search(r"PATHSTONE-SELFTEST kiosk-ready pid=(\d+)", text)
    back = re.search(r"PATHSTONE-SELFTEST kiosk-restarted pid=(\d+)", text)
    assert ready is not None, tail
    # The root is the read-only overlay, the station home on its ext4 partition, and
    # nothing of ours failed to start.
    assert "PATHSTONE-SELFTEST root-fs=overlay data-fs=ext4" in text, tail
    failed = re.search(r"PATHSTONE-SELFTEST failed-units=\[(.*)\]", text)
    assert failed is not None and "pathstone" not in failed.group(1), tail
    assert back is not None and back.group(1) != ready.group(1), tail
