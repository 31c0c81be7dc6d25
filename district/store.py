"""District storage: a small interface, and SQLite behind it.

`Store` is all the rest of the district uses, so a PostgreSQL back-end needs only
these methods.  Nothing here assumes one machine: every change is one transaction,
events are keyed by (school, id) and merged idempotently, and the frontier is
derived from stored rows inside the same transaction.  Pack files are kept in a folder
beside the database, named by their sha256; the rows say which school gets which.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from engine.atomic import write_atomically
from engine.errors import PathstoneError
from engine.event import Event


PACK_SUFFIX = ".pspack"


class StoreError(PathstoneError):
    pass


class StoreConflict(StoreError):
    pass


@dataclass(frozen=True)
class School:
    id: str
    name: str
    key: bytes

    def __repr__(self) -> str:
        return f"School(id={self.id!r}, name={self.name!r})"


@dataclass(frozen=True)
class Slot:
    """What a station token opens: a school, and the station bound on first use."""

    school: str
    device: str | None


@dataclass(frozen=True)
class Page:
    events: tuple[Event, ...]
    cursor: int
    more: bool


@dataclass(frozen=True)
class PackRecord:
    """A signed pack the district offers: to every school (`school` empty) or to one."""

    id: str
    version: str
    sha256: str
    size: int
    school: str = ""


class Store(Protocol):
    def add_school(self, school: School) -> None: ...
    def school(self, school_id: str) -> School | None: ...
    def add_token(self, digest: str, school_id: str) -> None: ...
    def slot(self, digest: str) -> Slot | None: ...
    def bind(self, digest: str, device: str) -> None: ...
    def slots(self, school_id: str) -> list[Slot]: ...
    def merge(self, school_id: str, events: Iterable[Event]) -> tuple[int, int]: ...
    def frontier(self, school_id: str) -> dict[str, int]: ...
    def page(self, school_id: str, base: Mapping[str, int], cursor: int, limit: int) -> Page: ...
    def events(self, school_id: str) -> Iterator[Event]: ...
    def acknowledge(self, school_id: str, node: str, frontier: Mapping[str, int]) -> None: ...
    def acknowledged(self, school_id: str) -> dict[str, dict[str, int]]: ...
    def add_pack(self, pack: PackRecord, source: Path) -> bool: ...
    def packs(self, school_id: str) -> list[PackRecord]: ...
    def pack_file(self, sha256: str) -> Path | None: ...
    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS schools (id TEXT PRIMARY KEY, name TEXT NOT NULL, key BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (digest TEXT PRIMARY KEY, school TEXT NOT NULL, device TEXT);
CREATE TABLE IF NOT EXISTS events (
    n INTEGER PRIMARY KEY AUTOINCREMENT, school TEXT NOT NULL, origin TEXT NOT NULL,
    seq INTEGER NOT NULL, body TEXT NOT NULL, UNIQUE (school, origin, seq));
CREATE TABLE IF NOT EXISTS frontiers (
    school TEXT NOT NULL, origin TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (school, origin));
CREATE TABLE IF NOT EXISTS acks (
    school TEXT NOT NULL, node TEXT NOT NULL, origin TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (school, node, origin));
CREATE TABLE IF NOT EXISTS packs (
    id TEXT NOT NULL, version TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    school TEXT NOT NULL, PRIMARY KEY (id, version, school));
"""


class SQLiteStore:
    """One SQLite file; one connection guarded by a lock (the server calls from threads)."""

    def __init__(self, path: Path, pack_dir: Path) -> None:
        self._pack_dir = pack_dir
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged frontier must survive a power cut, not only a crash.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def add_school(self, school: School) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT INTO schools VALUES (?, ?, ?)", (school.id, school.name, school.key))

    def school(self, school_id: str) -> School | None:
        with self._lock:
            row = self._db.execute("SELECT id, name, key FROM schools WHERE id = ?", (school_id,)).fetchone()
        return School(row[0], row[1], bytes(row[2])) if row else None

    def add_token(self, digest: str, school_id: str) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT INTO tokens VALUES (?, ?, NULL)", (digest, school_id))

    def slot(self, digest: str) -> Slot | None:
        with self._lock:
            row = self._db.execute("SELECT school, device FROM tokens WHERE digest = ?", (digest,)).fetchone()
        return Slot(row[0], row[1]) if row else None

    def bind(self, digest: str, device: str) -> None:
        with self._lock, self._db:
            self._db.execute("UPDATE tokens SET device = ? WHERE digest = ? AND device IS NULL",
                             (device, digest))

    def slots(self, school_id: str) -> list[Slot]:
        with self._lock:
            rows = self._db.execute("SELECT school, device FROM tokens WHERE school = ?",
                                    (school_id,)).fetchall()
        return [Slot(*row) for row in rows]

    def merge(self, school_id: str, events: Iterable[Event]) -> tuple[int, int]:
        """Store the events not yet held; all or nothing on a conflicting id."""
        added = duplicates = 0
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            touched: set[str] = set()
            for event in events:
                body = event.to_json().decode()
                held = self._db.execute(
                    "SELECT body FROM events WHERE school = ? AND origin = ? AND seq = ?",
                    (school_id, event.origin, event.seq)).fetchone()
                if held is None:
                    self._db.execute("INSERT INTO events (school, origin, seq, body) VALUES (?, ?, ?, ?)",
                                     (school_id, event.origin, event.seq, body))
                    touched.add(event.origin)
                    added += 1
                elif json.loads(held[0]) != event.to_dict():
                    raise StoreConflict(
                        f"Event {event.id} differs from the event the district holds under that id.")
                else:
                    duplicates += 1
            for origin in touched:
                self._advance(school_id, origin)
        return added, duplicates

    def _advance(self, school_id: str, origin: str) -> None:
        row = self._db.execute("SELECT seq FROM frontiers WHERE school = ? AND origin = ?",
                               (school_id, origin)).fetchone()
        seq = row[0] if row else 0
        while self._db.execute("SELECT 1 FROM events WHERE school = ? AND origin = ? AND seq = ?",
                               (school_id, origin, seq + 1)).fetchone():
            seq += 1
        self._db.execute("INSERT OR REPLACE INTO frontiers VALUES (?, ?, ?)", (school_id, origin, seq))

    def frontier(self, school_id: str) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT origin, seq FROM frontiers WHERE school = ? AND seq > 0",
                                    (school_id,)).fetchall()
        return dict(rows)

    def page(self, school_id: str, base: Mapping[str, int], cursor: int, limit: int) -> Page:
        """Up to `limit` events above `base`, from after `cursor` in storage order."""
        found: list[Event] = []
        with self._lock:
            rows = self._db.execute(
                "SELECT n, origin, seq, body FROM events WHERE school = ? AND n > ? ORDER BY n LIMIT ?",
                (school_id, cursor, limit * 10)).fetchall()
        for n, origin, seq, body in rows:
            cursor = n
            if seq > base.get(origin, 0):
                found.append(Event.from_dict(json.loads(body)))
                if len(found) == limit:
                    break
        # A full window or a full page may have more behind it; an extra empty page is harmless.
        more = len(found) == limit or len(rows) == limit * 10
        return Page(tuple(found), cursor, more)

    def events(self, school_id: str) -> Iterator[Event]:
        cursor = 0
        while True:
            page = self.page(school_id, {}, cursor, 1000)
            yield from page.events
            if not page.more:
                return
            cursor = page.cursor

    def acknowledge(self, school_id: str, node: str, frontier: Mapping[str, int]) -> None:
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT INTO acks VALUES (?, ?, ?, ?) ON CONFLICT (school, node, origin) "
                "DO UPDATE SET seq = max(seq, excluded.seq)",
                [(school_id, node, origin, seq) for origin, seq in frontier.items()])

    def add_pack(self, pack: PackRecord, source: Path) -> bool:
        """Keep a pack file under its digest; False when it was already offered so.
        An id and version name one content everywhere, so another file under them is refused.
        The file goes in first: named by its digest, a copy no row points at is harmless."""
        self._pack_dir.mkdir(exist_ok=True)
        target = self._pack_dir / f"{pack.sha256}{PACK_SUFFIX}"
        if not target.exists():
            write_atomically(target, source.read_bytes())
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            held = self._db.execute("SELECT sha256, school FROM packs WHERE id = ? AND version = ?",
                                    (pack.id, pack.version)).fetchall()
            if any(sha != pack.sha256 for sha, _ in held):
                raise StoreConflict(f"The district already holds {pack.id} {pack.version} with other "
                                    "contents; give the new pack a new version.")
            if any(school == pack.school for _, school in held):
                return False
            self._db.execute("INSERT INTO packs VALUES (?, ?, ?, ?, ?)",
                             (pack.id, pack.version, pack.sha256, pack.size, pack.school))
        return True

    def packs(self, school_id: str) -> list[PackRecord]:
        with self._lock:
            rows = self._db.execute("SELECT id, version, sha256, size, school FROM packs "
                                    "WHERE school IN ('', ?)", (school_id,)).fetchall()
        return [PackRecord(*row) for row in rows]

    def pack_file(self, sha256: str) -> Path | None:
        path = self._pack_dir / f"{sha256}{PACK_SUFFIX}"
        return path if path.is_file() else None

    def acknowledged(self, school_id: str) -> dict[str, dict[str, int]]:
        with self._lock:
            rows = self._db.execute("SELECT node, origin, seq FROM acks WHERE school = ?",
                                    (school_id,)).fetchall()
        nodes: dict[str, dict[str, int]] = {}
        for node, origin, seq in rows:
            nodes.setdefault(node, {})[origin] = seq
        return nodes


def open_store(data: Path) -> Store:
    """The district's store in the folder `data` (created, owner-only: it holds school keys)."""
    data.mkdir(parents=True, exist_ok=True, mode=0o700)
    return SQLiteStore(data / "district.sqlite3", data / "packs")
