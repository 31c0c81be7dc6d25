"""Content packs: format 1, building and signing, checking, and installing on a station.

    content   what a pack folder may hold and the rules it must follow (+ format1.schema.json)
    archive   the signed pack file: build, open, unpack
    store     the packs installed under HOME/packs, and the catalog the engine reads
    stick     finding pack files on a USB stick
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from engine import keys
from engine.errors import PathstoneError
from engine.keys import PublicKey
from engine.packs.archive import SUFFIX, Manifest, PackFile, Progress, build
from engine.packs.content import PackContent, PackError, Skill, check_folder
from engine.packs.stick import Candidate, find_pack_files, is_newer, newest_first
from engine.packs.store import (
    Catalog,
    InstalledPack,
    InstallResult,
    catalog,
    install,
    read_lesson,
    recover,
    remove,
)
from engine.station import Station

PACK_INSTALLED = "pack_installed"
PACK_REMOVED = "pack_removed"

__all__ = [
    "SUFFIX", "Candidate", "Catalog", "InstallResult", "InstalledPack", "Manifest", "PackContent", "PackError",
    "PackFile", "Skill", "StickPack", "Verified", "build", "catalog", "find_pack_files", "install", "install_newer", "install_on", "install_shipped", "is_newer", "newest_first",
    "read_lesson", "recover", "remove", "remove_on", "verify",
]


@dataclass(frozen=True)
class Verified:
    content: PackContent
    manifest: Manifest
    signer: PublicKey


def verify(file: Path, trust: PublicKey | None = None, on_progress: Progress | None = None) -> Verified:
    """Check a pack file completely without installing it (signer must be `trust` if given)."""
    with PackFile.open(file) as pack, tempfile.TemporaryDirectory(prefix="pathstone-verify-") as tmp:
        if trust is not None and pack.signer.raw != trust.raw:
            raise PackError(f"{file.name} is signed by the key {pack.signer.fingerprint}, "
                            f"not by the trusted key {trust.fingerprint}.")
        names = pack.unpack(Path(tmp), on_progress)
        content = check_folder(Path(tmp), names)
        if (content.id, content.version) != (pack.manifest.pack_id, pack.manifest.version):
            raise PackError("The pack's pack.json names another id or version than its signed manifest.")
        return Verified(content, pack.manifest, pack.signer)


def install_on(station: Station, file: Path, *, allow_unsigned: bool = False,
               on_progress: Progress | None = None) -> InstallResult:
    """Install on an open station under its settings, and record the install in the journal."""
    result = install(
        station.home, file, allow_unsigned=allow_unsigned,
        local_packs_allowed=bool(station.state.settings().get("allow_local_packs")),
        on_progress=on_progress)
    if result.changed:
        station.record(None, PACK_INSTALLED, {
            "pack": result.pack_id, "version": result.version, "previous": result.previous,
            "digest": result.digest, "signer": result.signer, "trusted": result.trusted,
        })
    return result


@dataclass(frozen=True)
class StickPack:
    """What became of one pack file found on a stick."""

    name: str  # its path on the stick
    outcome: str  # "installed", "up to date" or "refused"
    detail: str  # for "up to date" the pack and why; for "refused" the sentence
    result: InstallResult | None = None  # for "installed"


def install_newer(
    station: Station, mount: Path, on_progress: Callable[[str], Progress | None] = lambda name: None
) -> Iterator[StickPack]:
    """Install every pack on a stick newer than the installed one, newest first, saying
    what became of each file as it goes.  `on_progress(name)` may give a progress callback."""
    installed = {p.id: p for p in catalog(station.home).packs}
    for candidate in newest_first(find_pack_files(mount)):
        name = str(candidate.path.relative_to(mount))
        if isinstance(candidate.problem, str):
            yield StickPack(name, "refused", candidate.problem)
            continue
        current = installed.get(candidate.pack_id)
        if current is not None and not is_newer(candidate.version, current.version):
            same = ("already installed" if candidate.version == current.version
                    else f"{current.version} is installed")
            yield StickPack(name, "up to date", f"{candidate.pack_id} {candidate.version} ({same})")
            continue
        try:
            result = install_on(station, candidate.path, on_progress=on_progress(name))
        except PathstoneError as error:
            yield StickPack(name, "refused", str(error))
            continue
        installed = {p.id: p for p in catalog(station.home).packs}
        yield StickPack(name, "installed", "", result)


def remove_on(station: Station, pack_id: str) -> tuple[InstalledPack, list[str]]:
    removed, warnings = remove(station.home, pack_id)
    station.record(None, PACK_REMOVED, {"pack": removed.id, "version": removed.version})
    return removed, warnings


def install_shipped(station: Station, say: Callable[[str], None]) -> list[InstallResult]:
    """Trust the demo key and install every pack folder shipped in `content_packs`, built
    and signed with the demo key on the spot; a folder that fails is skipped and named."""
    root = resources.files("content_packs")
    if not isinstance(root, Path):
        say("The shipped packs are not on the file system here; no demo packs were installed.")
        return []
    keys.trust(station.home, root / "demo-key" / "demo.key.pub")
    private = keys.load_private(root / "demo-key" / "demo.key")
    results = []
    with tempfile.TemporaryDirectory(prefix="pathstone-demo-") as tmp:
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
            if folder.name == "demo-key":
                continue
            try:
                build(folder, Path(tmp) / f"{folder.name}{SUFFIX}", private)
                result = install_on(station, Path(tmp) / f"{folder.name}{SUFFIX}")
            except PathstoneError as error:
                say(f"Skipped the pack folder {folder.name}: {error}")
                continue
            results.append(result)
            say(f"Installed the demo pack {result.pack_id} {result.version}.")
    return results
