"""Pack downloads from the district: resumable by byte range, checked, then installed.

The district says which of its packs are newer than the installed ones, with each
file's size and sha256.  Each goes into HOME/sync/downloads/<id>-<version>-<digest>.part
and every request asks for the bytes from the end of that file on (`Range: bytes=N-`),
so a link cut at any moment costs only the bytes in flight.  The finished file must
have the announced digest, or it is thrown away; then it is installed like a pack from
a stick, which checks its signature against the keys this station trusts.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from engine import packs
from engine.errors import PathstoneError
from engine.event import is_valid_name
from engine.packs.archive import MAX_ARCHIVE_BYTES
from engine.station import Station
from engine.sync.net import Link, NetError, NetOptions, Retry

DOWNLOADS = Path("sync") / "downloads"
VERSION = re.compile(r"\d{1,6}\.\d{1,6}\.\d{1,6}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Offer:
    id: str
    version: str
    sha256: str
    size: int


@dataclass
class DownloadReport:
    installed: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    received_bytes: int = 0


def fetch_packs(station: Station, url: str, token: str, options: NetOptions = NetOptions(),
                say: Callable[[str], None] = lambda _: None) -> DownloadReport:
    """Download and install every pack the district has newer than the installed ones."""
    link = Link(url, token, options)
    report = DownloadReport()
    installed = {p.id: p.version for p in packs.catalog(station.home).packs}
    _, reply = link.call("/v1/packs", lambda: {"installed": installed})
    offers = _offers(reply, installed)
    folder = station.home / DOWNLOADS
    folder.mkdir(parents=True, exist_ok=True)
    parts = {offer: folder / f"{offer.id}-{offer.version}-{offer.sha256[:16]}.part" for offer in offers}
    for stale in set(folder.iterdir()) - set(parts.values()):  # offers the district withdrew
        stale.unlink(missing_ok=True)
    for offer, part in parts.items():
        name = f"{offer.id} {offer.version}"
        say(f"Downloading the pack {name} ({offer.size} bytes)...")
        link.retrying(lambda: _resume(link, offer, part, report))
        try:
            _install(station, offer, part)
        except PathstoneError as error:
            report.refused.append((name, str(error)))
            continue
        report.installed.append(name)
    return report


def _offers(reply: Mapping[str, Any], installed: Mapping[str, str]) -> list[Offer]:
    """The district's offer, refused whole unless every entry is a newer pack, once."""
    raw = reply.get("packs")
    offers: list[Offer] = []
    try:
        for item in raw:  # type: ignore[union-attr]
            offer = Offer(item["id"], item["version"], item["sha256"], item["size"])
            valid = (set(item) == {"id", "version", "sha256", "size"} and is_valid_name(offer.id)
                     and isinstance(offer.version, str) and VERSION.fullmatch(offer.version)
                     and isinstance(offer.sha256, str) and _SHA256.fullmatch(offer.sha256)
                     and type(offer.size) is int and 0 < offer.size <= MAX_ARCHIVE_BYTES
                     and (offer.id not in installed or packs.is_newer(offer.version, installed[offer.id]))
                     and all(o.id != offer.id for o in offers))
            if not valid:
                raise ValueError
            offers.append(offer)
    except (TypeError, KeyError, ValueError):
        raise NetError("The district's list of packs is not a list of newer packs, each once.") from None
    return offers


def _resume(link: Link, offer: Offer, part: Path, report: DownloadReport) -> None:
    """Fetch the bytes `part` lacks; a cut raises Retry, and the next call goes on from there."""
    have = part.stat().st_size if part.exists() else 0
    if have > offer.size:
        part.unlink()
        have = 0
    if have == offer.size:
        return
    with link.open(f"/v1/pack/{offer.sha256}", {"Range": f"bytes={have}-"}) as reply:
        expected = f"bytes {have}-{offer.size - 1}/{offer.size}"
        if reply.status != 206 or reply.headers.get("Content-Range") != expected \
                or reply.headers.get("Content-Length") != str(offer.size - have):
            raise NetError("The district's reply to a pack download is not the byte range asked for.")
        with _appending(part) as out:
            while chunk := reply.read(_CHUNK):
                _write(out, chunk)
                report.received_bytes += len(chunk)
        # http.client ends a body cut short quietly, so the length is checked here.
        if part.stat().st_size < offer.size:
            raise Retry("a download was cut short")


@contextlib.contextmanager
def _appending(part: Path) -> Iterator[BinaryIO]:
    """The partial file opened to append, flushed and fsynced however the reading ends."""
    with open(part, "ab") as out:
        try:
            yield out
        finally:
            out.flush()
            os.fsync(out.fileno())


def _write(out: BinaryIO, chunk: bytes) -> None:
    # A local disk failure is not the link's: it must not be retried as one.
    try:
        out.write(chunk)
    except OSError as error:
        raise NetError(f"A downloaded pack could not be written ({error.strerror}).") from None


def _install(station: Station, offer: Offer, part: Path) -> None:
    digest = hashlib.sha256()
    with open(part, "rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    if digest.hexdigest() != offer.sha256:
        part.unlink()
        raise NetError(f"The download of {offer.id} {offer.version} does not match the digest the "
                       "district announced, so it was thrown away and nothing was installed.")
    final = part.with_name(f"{offer.id}-{offer.version}{packs.SUFFIX}")
    part.rename(final)
    try:
        packs.install_on(station, final)
    finally:
        final.unlink(missing_ok=True)
