"""The packs installed on a station, under `HOME/packs/`:

    <pack-id>                  a symbolic link to the installed version's folder
    .store/<id>@<version>.<n>  the files of one version, with its manifest and signature
    .staging/<n>/              an install in progress
    .lock                      flock'd by whoever installs, removes or cleans up

An install unpacks and checks everything in `.staging`, moves the folder into `.store`
and then points `<pack-id>` at it by renaming a new link over the old one.  That rename
is the only step a reader can see, and it is atomic: a crash at any moment leaves the
old version or the new one.  Whatever a crash leaves in `.staging` or `.store` that no
link points at is removed the next time the packs are opened.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from engine import keys
from engine.atomic import fsync_directory
from engine.packs.archive import MANIFEST, SIGNATURE, PackFile, Progress
from engine.packs.content import (
    PackContent,
    PackError,
    Skill,
    check_folder,
    find_cycle,
    load_folder,
    version_key,
)

PACKS = "packs"
_STORE = ".store"
_STAGING = ".staging"
_LOCK = ".lock"
_LINK_PREFIX = ".link-"


@dataclass(frozen=True)
class InstalledPack:
    content: PackContent
    folder: Path
    digest: str
    signer: str

    @property
    def id(self) -> str:
        return self.content.id

    @property
    def version(self) -> str:
        return self.content.version


@dataclass(frozen=True)
class InstallResult:
    pack_id: str
    version: str
    previous: str | None
    changed: bool
    signer: str
    trusted: bool
    digest: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalog:
    """Every installed pack, read together: what the rest of the engine teaches from."""

    packs: tuple[InstalledPack, ...]
    problems: tuple[str, ...] = ()

    def pack_of(self, skill_id: str) -> InstalledPack | None:
        return next((p for p in self.packs if any(s.id == skill_id for s in p.content.skills)), None)

    @property
    def skills(self) -> dict[str, Skill]:
        return {skill.id: skill for pack in self.packs for skill in pack.content.skills}

    def items(self, skill_id: str) -> tuple[Mapping[str, Any], ...]:
        pack = self.pack_of(skill_id)
        return pack.content.items.get(skill_id, ()) if pack else ()

    def activities(self, skill_id: str) -> list[Mapping[str, Any]]:
        return [a for p in self.packs for a in p.content.activities if skill_id in a["skills"]]

    def lesson(self, skill_id: str) -> str:
        """The Markdown text of a skill's lesson."""
        pack = self.pack_of(skill_id)
        if pack is None:
            raise PackError(f"No installed pack has the skill {skill_id}.")
        skill = next(s for s in pack.content.skills if s.id == skill_id)
        return (pack.folder / skill.lesson).read_text(encoding="utf-8")

    def missing_requirements(self) -> dict[str, tuple[str, ...]]:
        """Skills that require a skill no installed pack has, with those missing ids."""
        known = self.skills
        missing = {s.id: tuple(r for r in s.requires if r not in known) for s in known.values()}
        return {skill: gone for skill, gone in missing.items() if gone}

    def unavailable(self) -> set[str]:
        """Skills not to offer yet: a prerequisite, or one of its own, is in no installed pack."""
        known = self.skills
        blocked = set(self.missing_requirements())
        changed = True
        while changed:
            more = {s.id for s in known.values() if s.id not in blocked and blocked.intersection(s.requires)}
            blocked |= more
            changed = bool(more)
        return blocked


def catalog(home: Path) -> Catalog:
    """The packs installed on the station in `home` (a damaged one is left out and named)."""
    packs = home / PACKS
    if not packs.is_dir():
        return Catalog(())
    with _lock(packs, wait=False) as held:
        if held:
            _clean(packs)
    found, problems = _installed(packs)
    return Catalog(tuple(found), tuple(problems))


def read_lesson(home: Path, skill_id: str) -> str:
    return catalog(home).lesson(skill_id)


def recover(home: Path) -> None:
    """Remove what an interrupted install left behind (done by every install and `catalog`)."""
    with _lock(home / PACKS, wait=True):
        _clean(home / PACKS)


def install(
    home: Path, file: Path, *, allow_unsigned: bool = False, local_packs_allowed: bool = False,
    on_progress: Progress | None = None,
) -> InstallResult:
    """Install the pack file `file` completely, or change nothing and raise PackError."""
    packs = home / PACKS
    with _lock(packs, wait=True):
        _clean(packs)
        with PackFile.open(file) as pack:
            manifest = pack.manifest
            trusted = any(key.raw == pack.signer.raw for key in keys.trusted(home).values())
            if not trusted and not allow_unsigned:
                raise PackError(
                    f"{file.name} is signed by the key {pack.signer.fingerprint}, which this station does "
                    "not trust; add the publisher's public key with `pathstone trust add`.")
            if not trusted and not local_packs_allowed:
                raise PackError(
                    f"{file.name} is not signed by a trusted key, and this station's settings do not allow "
                    "locally authored packs (set allow_local_packs to true to allow them).")
            current = _current(packs, manifest.pack_id)
            result = InstallResult(manifest.pack_id, manifest.version, current.version if current else None,
                                   True, pack.signer.fingerprint, trusted, manifest.digest)
            if current is not None:
                if current.digest == manifest.digest:
                    return replace(result, changed=False)
                _check_newer(manifest.pack_id, manifest.version, current.version)
            staging = Path(tempfile.mkdtemp(dir=_ensure(packs / _STAGING)))
            staging.chmod(0o755)
            try:
                names = pack.unpack(staging, on_progress)
                content = check_folder(staging, names)
                if (content.id, content.version) != (manifest.pack_id, manifest.version):
                    raise PackError("The pack's pack.json names another id or version than its signed manifest.")
                others = [p.content for p in _installed(packs)[0] if p.id != content.id]
                warnings = cross_pack_warnings(content, others)
                (staging / MANIFEST).write_bytes(manifest.raw)
                (staging / SIGNATURE).write_bytes(pack.signature_raw)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        _switch(packs, staging, content, current)
        return replace(result, warnings=tuple(warnings))


def remove(home: Path, pack_id: str) -> tuple[InstalledPack, list[str]]:
    """Uninstall a pack; returns it and warnings naming the skills left without a prerequisite."""
    packs = home / PACKS
    with _lock(packs, wait=True):
        _clean(packs)
        current = _current(packs, pack_id)
        if current is None:
            raise PackError(f"No pack with the id {pack_id} is installed.")
        (packs / pack_id).unlink()
        fsync_directory(packs)
        shutil.rmtree(current.folder, ignore_errors=True)
        rest, _ = _installed(packs)
        gone = {s.id for s in current.content.skills}
        warnings = [
            f"Skill {s.id} of {p.id} requires {', '.join(sorted(gone.intersection(s.requires)))} of the "
            "removed pack; it will not be offered until that pack is back."
            for p in rest for s in p.content.skills if gone.intersection(s.requires)
        ]
        return current, warnings


def cross_pack_warnings(content: PackContent, others: list[PackContent]) -> list[str]:
    """Check a pack against the other installed packs: refuse a skill id another pack has
    or a prerequisite cycle through them; warn about prerequisites no pack has."""
    owner = {skill.id: pack.id for pack in others for skill in pack.skills}
    for skill in content.skills:
        if skill.id in owner:
            raise PackError(f"The skill {skill.id} is already in the installed pack {owner[skill.id]}; "
                            "skill ids must be unique across packs.")
    graph = {s.id: s.requires for pack in [*others, content] for s in pack.skills}
    cycle = find_cycle(graph)
    if cycle:
        raise PackError(f"With the installed packs, the prerequisites form a cycle: {' → '.join(cycle)}.")
    missing: dict[str, list[str]] = {}
    for skill in content.skills:
        for needed in skill.requires:
            if needed not in graph:
                missing.setdefault(needed, []).append(skill.id)
    return [
        f"Prerequisite {needed} is in no installed pack; {', '.join(users)} will not be offered "
        "until a pack with it is installed."
        for needed, users in sorted(missing.items())
    ]


def _check_newer(pack_id: str, new: str, old: str) -> None:
    if version_key(new) < version_key(old):
        raise PackError(f"Version {old} of {pack_id} is installed; the older version {new} is refused.")
    if version_key(new) == version_key(old):
        raise PackError(f"Version {new} of {pack_id} is installed with different content; "
                        "a changed pack needs a higher version number.")


def _switch(packs: Path, staging: Path, content: PackContent, current: InstalledPack | None) -> None:
    token = secrets.token_hex(4)
    final = _ensure(packs / _STORE) / f"{content.id}@{content.version}.{token}"
    os.sync()  # every new file is on disk before anything points at it
    os.rename(staging, final)
    link = packs / f"{_LINK_PREFIX}{token}"
    os.symlink(os.path.relpath(final, packs), link)
    os.replace(link, packs / content.id)
    fsync_directory(packs)
    if current is not None:
        shutil.rmtree(current.folder, ignore_errors=True)


def _current(packs: Path, pack_id: str) -> InstalledPack | None:
    found, _ = _installed(packs, only=pack_id)
    return found[0] if found else None


def _installed(packs: Path, only: str | None = None) -> tuple[list[InstalledPack], list[str]]:
    found: list[InstalledPack] = []
    problems: list[str] = []
    names = [only] if only else sorted(os.listdir(packs)) if packs.is_dir() else []
    for name in names:
        link = packs / name
        if name.startswith(".") or not link.is_symlink():
            continue
        folder = packs / os.readlink(link)
        try:
            manifest = (folder / MANIFEST).read_bytes()
            content = load_folder(folder)
            signer = keys.PublicKey(_signer_raw(folder))
        except (OSError, ValueError, KeyError, TypeError) as error:
            problems.append(f"The installed pack {name} is damaged and was left out ({type(error).__name__}).")
            continue
        found.append(InstalledPack(content, folder, hashlib.sha256(manifest).hexdigest(), signer.fingerprint))
    return found, problems


def _signer_raw(folder: Path) -> bytes:
    return base64.b64decode(json.loads((folder / SIGNATURE).read_bytes())["public_key"])


def _clean(packs: Path) -> None:
    if not packs.is_dir():
        return
    live = {os.path.normpath(os.readlink(p)) for p in packs.iterdir() if p.is_symlink() and not p.name.startswith(".")}
    for path in packs.iterdir():
        if path.name.startswith(_LINK_PREFIX):
            path.unlink()
    for path in (packs / _STAGING).iterdir() if (packs / _STAGING).is_dir() else ():
        shutil.rmtree(path, ignore_errors=True)
    for path in (packs / _STORE).iterdir() if (packs / _STORE).is_dir() else ():
        if os.path.relpath(path, packs) not in live:
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _lock(packs: Path, *, wait: bool) -> Iterator[bool]:
    packs.mkdir(parents=True, exist_ok=True)
    fd = os.open(packs / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _ensure(path: Path) -> Path:
    path.mkdir(exist_ok=True)
    return path

