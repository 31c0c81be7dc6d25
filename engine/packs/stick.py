"""Finding pack files on a mounted USB stick."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from engine.packs.archive import SUFFIX, PackFile
from engine.packs.content import PackError, version_key

MAX_DEPTH = 3
MAX_ENTRIES = 20_000
# Folders that operating systems keep on removable media; hidden (dot) folders are skipped too.
SYSTEM_FOLDERS = frozenset({"system volume information", "$recycle.bin", "recycler", "lost+found", "found.000"})


@dataclass(frozen=True)
class Candidate:
    """A pack file found on a stick: its id and version, or why it cannot be read."""

    path: Path
    pack_id: str = ""
    version: str = ""
    problem: str | None = None


def find_pack_files(mount: Path) -> list[Candidate]:
    """Pack files under `mount`, at most MAX_DEPTH folders down, links not followed."""
    if not mount.is_dir():
        raise PackError(f"{mount} is not a folder; give the folder where the stick is mounted.")
    found: list[Candidate] = []
    seen = 0
    pending = [(mount, 0)]
    while pending:
        folder, depth = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                return found
            if entry.name.startswith(".") or entry.name.lower() in SYSTEM_FOLDERS:
                continue
            if entry.is_dir(follow_symlinks=False) and depth < MAX_DEPTH:
                pending.append((Path(entry.path), depth + 1))
            elif entry.is_file(follow_symlinks=False) and entry.name.lower().endswith(SUFFIX):
                found.append(_read(Path(entry.path)))
    return found


def _read(path: Path) -> Candidate:
    try:
        with PackFile.open(path) as pack:
            return Candidate(path, pack.manifest.pack_id, pack.manifest.version)
    except PackError as error:
        return Candidate(path, problem=str(error))


def newest_first(candidates: list[Candidate]) -> list[Candidate]:
    """Unreadable files first, then each pack's files from the highest version down."""
    return sorted(candidates, key=lambda c: (c.problem is None, c.pack_id,
                                             tuple(-n for n in version_key(c.version)) if c.version else (),
                                             str(c.path)))


def is_newer(version: str, than: str) -> bool:
    return version_key(version) > version_key(than)
