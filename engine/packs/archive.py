"""The built pack file: one zip holding the pack's files, `manifest.json` (the size and
sha256 of every file) and `signature.json` (an Ed25519 signature over the manifest's
exact bytes, with the signer's public key).

Reading is defensive: the zip's directory is checked (names, types, counts, sizes,
compression ratio) before anything is decompressed, the signature before any file is
unpacked, and every file's bytes against the manifest while it is unpacked.  Files are
written by this module into a fresh folder, never extracted by zipfile, so no entry
can become a link or land outside that folder.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine import keys
from engine.packs.content import (
    FORMAT,
    LAYOUT,
    PackContent,
    PackError,
    check_folder,
    parse_json,
)

SUFFIX = ".pspack"
MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
MAX_FILES = 2000
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
MAX_RATIO = 100
_RATIO_FROM = 64 * 1024
_MAX_META_BYTES = 1024 * 1024
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1024 * 1024
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*){2,}$")
_VERSION = re.compile(r"^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FileEntry:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    pack_id: str
    version: str
    files: tuple[FileEntry, ...]
    raw: bytes

    @property
    def digest(self) -> str:
        """Names this exact build: two files with equal digests hold the same pack."""
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def total_bytes(self) -> int:
        return sum(entry.size for entry in self.files)


# -- building ---------------------------------------------------------------------------


def source_files(src: Path) -> list[str]:
    """The files of a pack folder, refusing anything that is not a plain file of the format."""
    if not src.is_dir():
        raise PackError(f"{src} is not a folder; give the pack's folder (the one holding pack.json).")
    names: list[str] = []
    total = 0
    for dirpath, dirnames, filenames in os.walk(src):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(src).as_posix()
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                raise PackError(f"{rel} is a symbolic link; a pack holds plain files only.")
            if stat.S_ISDIR(info.st_mode):
                if rel not in ("lessons", "checks", "activities"):
                    raise PackError(f"The folder {rel} is not part of a format 1 pack.")
                continue
            if not stat.S_ISREG(info.st_mode):
                raise PackError(f"{rel} is not a plain file.")
            if info.st_nlink > 1:
                raise PackError(f"{rel} is a hard link to another file; a pack holds plain files only.")
            if not LAYOUT.match(rel):
                raise PackError(
                    f"{rel} is not part of a format 1 pack (only pack.json, lessons/*.md, "
                    "checks/*.json and activities/*.json, in lowercase names).")
            total += info.st_size
            _check_sizes(rel, info.st_size, len(names) + 1, total)
            names.append(rel)
    return sorted(names)


def build(src: Path, out: Path, key: Ed25519PrivateKey) -> tuple[PackContent, Manifest]:
    """Check the pack folder `src` and write it, signed with `key`, to the file `out`."""
    names = source_files(src)
    content = check_folder(src, names)
    manifest = write_archive(out, content.id, content.version,
                             ((name, (src / name).read_bytes()) for name in names), key)
    return content, manifest


def write_archive(out: Path, pack_id: str, version: str,
                  files: Iterable[tuple[str, bytes]], key: Ed25519PrivateKey) -> Manifest:
    """Write files, manifest and signature as one pack file; atomic, byte-for-byte reproducible."""
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
            entries = []
            for name, data in files:
                entries.append(FileEntry(name, len(data), hashlib.sha256(data).hexdigest()))
                _write_entry(archive, name, data)
            raw = manifest_bytes(pack_id, version, entries)
            _write_entry(archive, MANIFEST, raw)
            _write_entry(archive, SIGNATURE, signature_bytes(raw, key))
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Manifest(pack_id, version, tuple(entries), raw)


def manifest_bytes(pack_id: str, version: str, entries: Iterable[FileEntry]) -> bytes:
    body = {
        "format": FORMAT,
        "pack": {"id": pack_id, "version": version},
        "files": [{"path": e.path, "size": e.size, "sha256": e.sha256} for e in entries],
    }
    return json.dumps(body, indent=1, ensure_ascii=False).encode() + b"\n"


def signature_bytes(manifest: bytes, key: Ed25519PrivateKey) -> bytes:
    body = {
        "algorithm": "ed25519",
        "public_key": base64.b64encode(keys.public_of(key).raw).decode(),
        "signature": base64.b64encode(key.sign(manifest)).decode(),
    }
    return json.dumps(body, indent=1).encode() + b"\n"


def _write_entry(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


# -- reading ----------------------------------------------------------------------------


class PackFile:
    """A pack file whose directory, manifest and signature have been checked."""

    def __init__(self, path: Path, archive: zipfile.ZipFile, manifest: Manifest, signer: keys.PublicKey,
                 signature_raw: bytes) -> None:
        self.path = path
        self.manifest = manifest
        self.signer = signer
        self.signature_raw = signature_raw
        self._archive = archive

    @classmethod
    def open(cls, path: Path) -> PackFile:
        try:
            size = path.stat().st_size
            if size > MAX_ARCHIVE_BYTES:
                raise PackError(f"{path.name} is {size // 2**20} MB; a pack file may be at most "
                                f"{MAX_ARCHIVE_BYTES // 2**20} MB.")
            archive = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise PackError(f"There is no pack file {path}.") from None
        except IsADirectoryError:
            raise PackError(f"{path} is a folder; build it into a pack file with `pathstone pack build`.") from None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
            raise PackError(f"{path.name} is not a complete pack file; it may have been cut short "
                            "while copying, so copy it again.") from None
        try:
            infos = _check_directory(archive)
            manifest, signer, signature_raw = _read_signed_manifest(archive, infos)
        except BaseException:
            archive.close()
            raise
        return cls(path, archive, manifest, signer, signature_raw)

    def close(self) -> None:
        self._archive.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def unpack(self, dest: Path, on_progress: Progress | None = None) -> list[str]:
        """Write every file into the empty folder `dest`, checking each against the manifest."""
        total, done = self.manifest.total_bytes, 0
        for entry in self.manifest.files:
            target = dest / entry.path
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            written = 0
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            try:
                with os.fdopen(fd, "wb") as out, self._archive.open(entry.path) as source:
                    while chunk := source.read(_CHUNK):
                        written += len(chunk)
                        if written > entry.size:
                            break
                        digest.update(chunk)
                        out.write(chunk)
                        done += len(chunk)
                        if on_progress:
                            on_progress(done, total)
            except (zipfile.BadZipFile, zlib.error, EOFError):
                raise PackError(f"{self.path.name} is damaged at {entry.path}; copy the pack file again.") from None
            if written != entry.size or digest.hexdigest() != entry.sha256:
                raise PackError(f"{entry.path} was changed after the pack was signed "
                                "(it does not match the signed manifest).")
        return [entry.path for entry in self.manifest.files]


def _check_sizes(name: str, size: int, count: int, total: int) -> None:
    if count > MAX_FILES:
        raise PackError(f"The pack holds more than {MAX_FILES} files, the most a pack may hold.")
    if size > MAX_FILE_BYTES:
        raise PackError(f"{name} is {size} bytes; one file may be at most {MAX_FILE_BYTES // 2**20} MB.")
    if total > MAX_TOTAL_BYTES:
        raise PackError(f"The pack unpacks to more than {MAX_TOTAL_BYTES // 2**20} MB, the most a pack may hold.")


def _check_directory(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    entries = archive.infolist()
    files = [info for info in entries if info.filename not in (MANIFEST, SIGNATURE)]
    if len(files) > MAX_FILES:
        raise PackError(f"The pack holds {len(files)} files; a pack may hold at most {MAX_FILES}.")
    if sum(info.file_size for info in files) > MAX_TOTAL_BYTES:
        raise PackError(f"The pack would unpack to more than {MAX_TOTAL_BYTES // 2**20} MB, "
                        "the most a pack may hold.")
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in entries:
        name = info.filename
        _check_name(name)
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise PackError(f"{name} is a symbolic link; a pack holds plain files only.")
        if info.is_dir() or kind not in (0, stat.S_IFREG):
            raise PackError(f"{name} is not a plain file; a pack holds plain files only.")
        if info.flag_bits & 0x1:
            raise PackError(f"{name} is encrypted; a pack's files are signed, not encrypted.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise PackError(f"{name} uses a compression method packs do not use.")
        if name in infos:
            raise PackError(f"{name} appears twice in the pack file.")
        if info.file_size > MAX_FILE_BYTES:
            raise PackError(f"{name} is {info.file_size} bytes; one file may be at most "
                            f"{MAX_FILE_BYTES // 2**20} MB.")
        if info.file_size > _RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise PackError(f"{name} would expand more than {MAX_RATIO} times (a zip bomb), so the pack is refused.")
        infos[name] = info
    return infos


def _check_name(name: str) -> None:
    if name.startswith(("/", "\\")):
        raise PackError(f"The pack holds a file with the absolute path {name[:80]!r}.")
    if re.match(r"^[A-Za-z]:", name):
        raise PackError(f"The pack holds a file with the drive-letter path {name[:80]!r}.")
    if ".." in re.split(r"[/\\]", name):
        raise PackError(f"The pack holds a file whose path {name[:80]!r} leads outside the pack.")
    if name not in (MANIFEST, SIGNATURE) and not LAYOUT.match(name) and not name.endswith("/"):
        raise PackError(
            f"{name[:80]} is not part of a format 1 pack (only pack.json, lessons/*.md, "
            "checks/*.json and activities/*.json, in lowercase names).")


def _read_signed_manifest(
    archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo],
) -> tuple[Manifest, keys.PublicKey, bytes]:
    for name in (MANIFEST, SIGNATURE):
        if name not in infos:
            raise PackError(f"The pack file has no {name}, so it was not built with `pathstone pack build`.")
        if infos[name].file_size > _MAX_META_BYTES:
            raise PackError(f"The pack's {name} is too large.")
    try:
        raw = archive.read(MANIFEST)
        signature_raw = archive.read(SIGNATURE)
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise PackError("The pack file is damaged; copy it again.") from None
    signer, sig = _signature_fields(parse_json(signature_raw, SIGNATURE))
    if not signer.verify(sig, raw):
        raise PackError("The pack's signature does not match its manifest; it was altered after signing.")
    manifest = _parse_manifest(raw)
    listed = {entry.path: entry for entry in manifest.files}
    present = set(infos) - {MANIFEST, SIGNATURE}
    if len(listed) != len(manifest.files) or set(listed) != present:
        odd = sorted(present ^ set(listed)) or [""]
        raise PackError(f"The pack's files do not match its signed manifest (first difference: {odd[0]!r}).")
    for name in present:
        if infos[name].file_size != listed[name].size:
            raise PackError(f"{name} was changed after the pack was signed (its size differs).")
    return manifest, signer, signature_raw


def _signature_fields(signature: object) -> tuple[keys.PublicKey, bytes]:
    try:
        assert isinstance(signature, dict) and signature["algorithm"] == "ed25519"
        public = base64.b64decode(signature["public_key"], validate=True)
        sig = base64.b64decode(signature["signature"], validate=True)
        assert len(public) == 32 and len(sig) == 64
    except (AssertionError, KeyError, TypeError, ValueError):
        raise PackError("The pack's signature.json is not an Ed25519 signature this station can read.") from None
    return keys.PublicKey(public), sig


def _parse_manifest(raw: bytes) -> Manifest:
    body = parse_json(raw, MANIFEST)
    if isinstance(body, dict) and body.get("format") != FORMAT:
        raise PackError(f"The pack file is in format {str(body.get('format'))[:20]}, but this station reads "
                        f"only format {FORMAT}; update the station's software to install it.")
    try:
        pack = body["pack"]
        entries = tuple(FileEntry(f["path"], f["size"], f["sha256"]) for f in body["files"])
        valid = (
            isinstance(pack["id"], str) and _ID.match(pack["id"]) is not None
            and isinstance(pack["version"], str) and _VERSION.match(pack["version"]) is not None
            and all(isinstance(e.path, str) and type(e.size) is int and e.size >= 0
                    and isinstance(e.sha256, str) and _SHA256.match(e.sha256) for e in entries)
        )
    except (KeyError, TypeError):
        valid = False
    if not valid:
        raise PackError("The pack's manifest.json is not a manifest this station can read.")
    return Manifest(pack["id"], pack["version"], entries, raw)
