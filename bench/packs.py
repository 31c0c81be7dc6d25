"""Pack verify and install times against the physical floor, measured in the same run.

    .venv/bin/python bench/packs.py [--runs 5]

For each shipped pack in content_packs/ (built and signed with the demo key; a folder
that does not build is skipped with its reason) and for a generated pack of about 50 MB:

- verify:  `pack verify` (open, check signature, unpack to a temp folder, check every rule)
  against the floor "copy + sha256": read every file of the pack, hash it, write it to a
  fresh folder;
- install: `pack install` on a station (all of verify, plus durability: one sync before
  the switch, the switch, a journal event) against "copy + sha256 + sync".

Figures are medians of --runs runs; the ratio is pack time / floor time.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine import keys, packs
from engine.station import Station
from tests.engine import badpacks


def median_ms(runs: int, action: Callable[[], object], reset: Callable[[], None] = lambda: None) -> float:
    times = []
    for _ in range(runs):
        reset()
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def copy_and_hash(src: Path, dest: Path, sync: bool) -> None:
    shutil.rmtree(dest, ignore_errors=True)
    for path in sorted(src.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            hashlib.sha256(data).hexdigest()
            target = dest / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    if sync:
        os.sync()


def generated_source(root: Path, megabytes: int) -> Path:
    """A valid pack whose lessons hold ~`megabytes` MB of text that compresses like prose."""
    files = badpacks.pack_data(pack_id="org.bench.big", prefix="big")
    per_file = 4 * 1024 * 1024
    for n in range(megabytes * 1024 * 1024 // per_file):
        text = base64.b64encode(os.urandom(per_file * 3 // 4)).decode()
        files[f"lessons/big-{n:02d}.md"] = "\n".join(text[i:i + 76] for i in range(0, len(text), 76))
    return badpacks.write_folder(root / "big", files)


def measure(name: str, src: Path, key: Ed25519PrivateKey, tmp: Path, runs: int) -> None:
    file = tmp / f"{name}.pspack"
    packs.build(src, file, key)
    size = sum(p.stat().st_size for p in src.rglob("*") if p.is_file())
    count = sum(1 for p in src.rglob("*") if p.is_file())
    home = tmp / f"station-{name}"
    Station.init(home, "Bench School").close()
    (tmp / "bench.pub").write_bytes(keys.public_of(key).to_pem())
    keys.trust(home, tmp / "bench.pub")
    floor_dest = tmp / "floor"

    verify = median_ms(runs, lambda: packs.verify(file))
    floor = median_ms(runs, lambda: copy_and_hash(src, floor_dest, sync=False))
    with Station.open(home) as station:
        def uninstall() -> None:
            if packs.catalog(home).packs:
                packs.remove(home, packs.catalog(home).packs[0].id)
        install = median_ms(runs, lambda: packs.install_on(station, file), reset=uninstall)
    floor_sync = median_ms(runs, lambda: copy_and_hash(src, floor_dest, sync=True))
    print(f"{name:<16} {count:>5} {size / 2**20:>7.1f}  "
          f"{verify:>9.1f} {floor:>9.1f} {verify / floor:>6.1f}x  "
          f"{install:>10.1f} {floor_sync:>10.1f} {install / floor_sync:>6.1f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--megabytes", type=int, default=48, help="size of the generated pack")
    args = parser.parse_args()
    key = keys.load_private(Path(str(resources.files("content_packs") / "demo-key" / "demo.key")))
    print(f"median of {args.runs} runs; times in ms; ratio = pack / floor")
    print(f"{'pack':<16} {'files':>5} {'MB':>7}  {'verify':>9} {'floor':>9} {'ratio':>7}  "
          f"{'install':>10} {'floor+sync':>10} {'ratio':>7}")
    with tempfile.TemporaryDirectory(prefix="pathstone-bench-") as tmp:
        root = Path(str(resources.files("content_packs")))
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and (p / "pack.json").is_file()):
            try:
                measure(folder.name, folder, key, Path(tmp), args.runs)
            except packs.PackError as error:
                print(f"{folder.name:<16} skipped: {error}")
        measure(f"generated-{args.megabytes}mb", generated_source(Path(tmp), args.megabytes),
                key, Path(tmp), args.runs)


if __name__ == "__main__":
    main()
