"""The bundle: the events a receiver lacks, compressed, sealed with the school key.

A bundle file is

    b"PSTB" | header length (2 bytes, big-endian) | header JSON | nonce (12) | ciphertext

The header (format, school id, sender) is readable without the key so that a stick
carrying several schools' bundles can be sorted, and it is authenticated as the AEAD's
associated data, so it cannot be altered.  The ciphertext is ChaCha20-Poly1305 (from
`cryptography`) over zlib-compressed JSON: the sender's frontier and the events.
ChaCha20 rather than AES-GCM because the Raspberry Pi 4's CPU has no AES instructions.

Who may send what: every node of a school holds the school key, so the AEAD proves a
bundle was made inside the school and nothing finer.  A node may therefore relay other
nodes' events; two rules catch what the key cannot: events the sender claims as its own
must lie within the frontier it declares, and an event claiming to come from the
receiver itself, or differing from a held event with its id, refuses the whole bundle
(`Journal.merge`).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from engine.atomic import write_atomically
from engine.errors import PathstoneError
from engine.event import Event, EventError, encode_json, is_valid_name
from engine.station import Station
from engine.sync.inflate import Damaged, TooLarge, inflate

FORMAT = 1
MAGIC = b"PSTB"
SUFFIX = ".psbundle"
NONCE_BYTES = 12
_KEY_PURPOSE = b"pathstone bundle v1"
MAX_BUNDLE_BYTES = 64 * 1024 * 1024
MAX_PLAIN_BYTES = 512 * 1024 * 1024
_MAX_HEADER = 1024
_MAX_SEQ = 2**53


class BundleError(PathstoneError):
    pass


@dataclass(frozen=True)
class Header:
    school: str
    sender: str


@dataclass(frozen=True)
class Bundle:
    """What a bundle says: who sent it, what the sender holds, and the events."""

    school: str
    sender: str
    frontier: Mapping[str, int]
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Imported:
    sender: str
    frontier: Mapping[str, int]
    added: int
    duplicates: int


def lacking(events: Iterable[Event], base: Mapping[str, int]) -> list[Event]:
    """The events a node with frontier `base` may lack: seq above its frontier."""
    return [event for event in events if event.seq > base.get(event.origin, 0)]


def common_base(frontiers: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """What every one of several nodes holds: per origin, the lowest of their frontiers."""
    known = list(frontiers)
    origins: set[str] = set().union(*known) if known else set()
    return {o: min(f.get(o, 0) for f in known) for o in origins}


def seal(bundle: Bundle, key: bytes) -> bytes:
    header = encode_json({"format": FORMAT, "school": bundle.school, "sender": bundle.sender})
    prefix = MAGIC + len(header).to_bytes(2, "big") + header
    body = encode_json({
        "frontier": dict(bundle.frontier),
        "events": [event.to_dict() for event in bundle.events],
    })
    nonce = secrets.token_bytes(NONCE_BYTES)
    return prefix + nonce + cipher(key).encrypt(nonce, zlib.compress(body, 6), prefix)


def cipher(school_key: bytes) -> ChaCha20Poly1305:
    # Bundles get a key of their own, derived from the school key, so that no two uses
    # of the school key (badge MACs are another) ever share one.
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_PURPOSE)
    return ChaCha20Poly1305(derived.derive(school_key))


def file_name(data: bytes) -> str:
    """Content-addressed: the same bytes always get the same name, and a name never
    points at two different bundles."""
    header, _ = _split(data)
    digest = hashlib.sha256(data).hexdigest()[:24]
    return f"{header.school}.{header.sender}.{digest}{SUFFIX}"


def read_header(data: bytes) -> Header:
    """The unauthenticated header, only for routing; `unseal` checks it."""
    return _split(data)[0]


def unseal(data: bytes, key: bytes, school: str) -> Bundle:
    """Verify and decode an untrusted bundle for `school`, or raise one BundleError."""
    header, prefix = _split(data)
    if header.school != school:
        raise BundleError(f"This bundle is for the school {header.school}, not for {school}.")
    nonce = data[len(prefix):len(prefix) + NONCE_BYTES]
    try:
        packed = cipher(key).decrypt(nonce, data[len(prefix) + NONCE_BYTES:], prefix)
    except (InvalidTag, ValueError):
        raise BundleError(
            "This bundle could not be verified: it is damaged, cut short, altered, "
            "or was not made with this school's key.") from None
    return _decode(header, _inflate(packed))


def make_bundle(station: Station, base: Mapping[str, int]) -> tuple[bytes, int]:
    """A sealed bundle of the events a node with frontier `base` lacks, and their count."""
    journal = station.journal
    frontier = journal.frontier()
    events = lacking((event for _, event in journal.scan()), base)
    ident = station.identity
    sealed = seal(Bundle(ident.school_id, ident.device_id, frontier, tuple(events)),
                  station.school_key())
    return sealed, len(events)


def import_bundle(station: Station, data: bytes) -> Imported:
    """Verify a bundle and merge its events, all or nothing."""
    bundle = unseal(data, station.school_key(), station.identity.school_id)
    result = station.journal.merge(bundle.events)
    if result.added:
        station.state.refresh(station.journal)
    return Imported(bundle.sender, bundle.frontier, result.added, result.duplicates)


def write_bundle(directory: Path, data: bytes) -> Path:
    """Write under its content-addressed name: temp name, fsync, rename."""
    path = directory / file_name(data)
    write_atomically(path, data)
    return path


def read_bundle_file(path: Path) -> bytes:
    """The bytes of a bundle file, refusing one too large to be a bundle."""
    with open(path, "rb") as source:
        if os.fstat(source.fileno()).st_size > MAX_BUNDLE_BYTES:
            raise BundleError(f"{path.name} is larger than any bundle may be.")
        return source.read(MAX_BUNDLE_BYTES + 1)


def _split(data: bytes) -> tuple[Header, bytes]:
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError("This bundle is larger than any bundle may be.")
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 2:
        raise BundleError("This file is not a Pathstone bundle.")
    size = int.from_bytes(data[4:6], "big")
    end = 6 + size
    if size > _MAX_HEADER or len(data) < end:
        raise BundleError("This bundle's header is damaged or cut short.")
    try:
        raw = json.loads(data[6:end])
    except (ValueError, RecursionError):
        raise BundleError("This bundle's header is damaged or cut short.") from None
    if not isinstance(raw, dict) or set(raw) != {"format", "school", "sender"}:
        raise BundleError("This bundle's header is damaged or from an unknown version.")
    if raw["format"] != FORMAT:
        raise BundleError(f"This bundle has format {raw['format']!r}; this station reads format {FORMAT}.")
    if not is_valid_name(raw["school"]) or not is_valid_name(raw["sender"]):
        raise BundleError("This bundle's header names an invalid school or sender.")
    return Header(raw["school"], raw["sender"]), data[:end]


def _inflate(packed: bytes) -> bytes:
    try:
        return inflate(packed, MAX_PLAIN_BYTES)
    except Damaged:
        raise BundleError("This bundle's contents are damaged.") from None
    except TooLarge:
        raise BundleError("This bundle's contents are too large once unpacked.") from None


def _decode(header: Header, body: bytes) -> Bundle:
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError):
        raise BundleError("This bundle's contents are not valid JSON.") from None
    if not isinstance(raw, dict) or set(raw) != {"frontier", "events"} or not isinstance(raw["events"], list):
        raise BundleError("This bundle's contents are not laid out as a bundle's.")
    frontier = check_frontier(raw["frontier"])
    try:
        events = tuple(Event.from_dict(item) for item in raw["events"])
    except EventError as error:
        raise BundleError(f"This bundle holds a bad event: {error}") from None
    own_limit = frontier.get(header.sender, 0)
    for event in events:
        if event.origin == header.sender and event.seq > own_limit:
            raise BundleError(
                f"This bundle claims {header.sender} made event {event.id}, "
                f"beyond the frontier {own_limit} it declares.")
    return Bundle(header.school, header.sender, frontier, events)


def check_frontier(raw: object) -> dict[str, int]:
    """A frontier from untrusted input: origin names to whole numbers from 0 up."""
    if not isinstance(raw, dict) or not all(
        is_valid_name(origin) and type(seq) is int and 0 <= seq <= _MAX_SEQ
        for origin, seq in raw.items()
    ):
        raise BundleError("A frontier must map device ids to whole numbers.")
    return dict(raw)
