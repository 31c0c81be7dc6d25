"""Kill -9 a real `pathstone pack install` at random moments: afterwards the station has
the old version or the new one, complete, never a mix, and no leftovers once reopened."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine import keys, packs
from engine.packs.archive import Manifest, PackFile
from engine.station import Station
from tests.engine import badpacks

PATHSTONE = str(Path(sys.executable).with_name("pathstone"))


def big_pack(tmp: Path, key: Ed25519PrivateKey, version: str, text: str) -> Path:
    """A pack of several hundred files, so that an install takes long enough to interrupt."""
    files = badpacks.pack_data(version=version, lesson_text=text)
    for n in range(400):
        files[f"lessons/extra-{n:03d}.md"] = f"# Extra {n}\n\n{text}\n" + "Fractions are parts of a whole. " * 100
    src = badpacks.write_folder(tmp / f"src-{version}", files)
    out = tmp / f"alpha-{version}.pspack"
    packs.build(src, out, key)
    return out


def manifest_of(file: Path) -> Manifest:
    with PackFile.open(file) as pack:
        return pack.manifest


def installed_version(home: Path, manifests: dict[str, Manifest]) -> str:
    """The installed version, after checking that its files are exactly that version's."""
    catalog = packs.catalog(home)  # reopening cleans up what the killed install left
    assert catalog.problems == ()
    (pack,) = catalog.packs
    manifest = manifests[pack.version]
    on_disk = {
        path.relative_to(pack.folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in pack.folder.rglob("*") if path.is_file()
    }
    expected = {e.path: e.sha256 for e in manifest.files}
    expected |= {"manifest.json": hashlib.sha256(manifest.raw).hexdigest()}
    assert {k: v for k, v in on_disk.items() if k != "signature.json"} == expected
    root = home / "packs"
    assert list((root / ".staging").iterdir()) == []
    assert [p.name for p in (root / ".store").iterdir()] == [pack.folder.name]
    assert [p.name for p in root.iterdir() if p.name.startswith(".link-")] == []
    return pack.version


def wait_for_staging(home: Path, process: subprocess.Popen[bytes]) -> float:
    """When the install starts writing into its staging folder (or the process ends)."""
    staging = home / "packs" / ".staging"
    while process.poll() is None and not (staging.is_dir() and any(staging.iterdir())):
        time.sleep(0.001)
    return time.monotonic()


def kill_rounds(tmp_path: Path, rounds: int, seed: int) -> dict[str, int]:
    key = Ed25519PrivateKey.generate()
    old = big_pack(tmp_path, key, "1.0.0", "Old text.")
    new = big_pack(tmp_path, key, "1.1.0", "New text.")
    manifests = {"1.0.0": manifest_of(old), "1.1.0": manifest_of(new)}
    base = tmp_path / "base"
    Station.init(base, "Crash School").close()
    (tmp_path / "k.pub").write_bytes(keys.public_of(key).to_pem())
    keys.trust(base, tmp_path / "k.pub")
    packs.install(base, old)

    # Time a whole install, and the part after unpacking starts, on a copy of the station.
    timing = tmp_path / "timing"
    shutil.copytree(base, timing, symlinks=True)
    started = time.monotonic()
    process = subprocess.Popen([PATHSTONE, "pack", "install", str(new), "--home", str(timing)],
                               stdout=subprocess.DEVNULL)
    unpacking = wait_for_staging(timing, process) - started
    assert process.wait() == 0
    duration = time.monotonic() - started

    rng = random.Random(seed)
    seen = {"1.0.0": 0, "1.1.0": 0}
    for n in range(rounds):
        home = tmp_path / f"round-{n}"
        shutil.copytree(base, home, symlinks=True)
        process = subprocess.Popen([PATHSTONE, "pack", "install", str(new), "--home", str(home)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if n % 2:  # any moment of the process's life
            time.sleep(rng.uniform(0.0, duration * 1.1))
        else:  # a moment of the install proper: unpacking, checking, switching, cleaning
            wait_for_staging(home, process)
            time.sleep(rng.uniform(0.0, (duration - unpacking) * 1.2))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        seen[installed_version(home, manifests)] += 1
        with Station.open(home) as station:  # the journal survived the kill too
            assert station.journal.check().problems == ()
        shutil.rmtree(home)
    return seen


def test_kill_during_install_leaves_old_or_new_never_a_mix(tmp_path: Path) -> None:
    seen = kill_rounds(tmp_path, rounds=5, seed=3)
    assert sum(seen.values()) == 5


@pytest.mark.stress
def test_kill_during_install_many_times(tmp_path: Path) -> None:
    rounds = int(os.environ.get("PATHSTONE_STRESS_ROUNDS", "40"))
    seen = kill_rounds(tmp_path, rounds=rounds, seed=rounds)
    print(f"after {rounds} kills: {seen}")
    assert sum(seen.values()) == rounds
