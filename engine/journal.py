"""The journal: the append-only record of every event, safe across power cuts.

A journal directory holds:

    00000001.jsonl, ...  segments: one event a line, each line ending in its CRC32
    index.sqlite3        where each event sits, by origin and seq and by learner;
                         derived, rebuilt from the segments when missing or damaged
    lock                 flock'd by whoever appends or repairs, so two processes
                         (the kiosk and a sync run, say) never interleave writes
    damaged/             torn tails cut off the last segment, kept, never deleted

An append returns only after its line is on disk (fdatasync).  The index is written
after the segment and is allowed to lag it (SQLite WAL without a sync per commit): on
every append and on open, bytes of a segment beyond what the index has scanned are
read back, whole good lines are indexed, and a trailing run of bad bytes (a power cut
mid-write) is moved to `damaged/`.  Bad lines in the middle of a segment are skipped
and reported, never rewritten.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import mmap
import os
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from engine.clock import HLC, ZERO, HybridClock, wall_clock_ms
from engine.errors import PathstoneError
from engine.event import MAX_EVENT_BYTES, Event, EventError, encode_json

SEGMENT_BYTES = 32 * 1024 * 1024
_INDEX_NAME = "index.sqlite3"
_INDEX_VERSION = "1"
_CRC_SUFFIX_LEN = len(',"crc":"00000000"}')
_CRC_PREFIX = b',"crc":"'


class JournalError(PathstoneError):
    pass


class JournalConflict(JournalError):
    """An incoming event has the id of a stored event but different content."""


class Position(NamedTuple):
    """A place in the journal: a segment number and a byte offset within it."""

    segment: int
    offset: int


START = Position(1, 0)


@dataclass(frozen=True)
class Problem:
    """Something wrong in a segment, with the file and line a person can look at."""

    segment: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.segment} line {self.line}: {self.message}"


@dataclass(frozen=True)
class MergeResult:
    added: int
    duplicates: int


@dataclass(frozen=True)
class CheckReport:
    """What a full read of every segment found."""

    segments: int
    counts: Mapping[str, int]
    frontier: Mapping[str, int]
    problems: tuple[Problem, ...]
    repairs: tuple[str, ...] = field(default=())


def encode_line(event: Event) -> bytes:
    body = event.to_json()
    if len(body) > MAX_EVENT_BYTES:
        raise EventError(f"Event {event.id} is larger than {MAX_EVENT_BYTES} bytes.")
    return b"%s%s%08x\"}\n" % (body[:-1], _CRC_PREFIX, zlib.crc32(body))


def decode_line(line: bytes) -> Event:
    """Turn one segment line (without its newline) back into a checked event.

    Raises EventError with the reason when the line is not one the journal wrote.
    """
    _verify_checksum(line)
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        raise EventError("the line is not JSON") from None
    if isinstance(obj, dict):
        obj.pop("crc", None)
    return Event.from_dict(obj)


def decode_indexed(lines: list[bytes]) -> list[Event | None]:
    """Decode lines that passed `decode_line` when they were indexed; None for damaged ones.

    The checksum still guards each line against damage since; the field checks are not
    repeated, and the lines are parsed as one JSON array, which is much faster.
    """
    good = [_checksum_ok(line) for line in lines]
    try:
        objs = iter(json.loads(b"[" + b",".join(l for l, ok in zip(lines, good) if ok) + b"]"))
        return [
            Event(**{k: v for k, v in next(objs).items() if k != "crc"}) if ok else None
            for ok in good
        ]
    except (ValueError, TypeError, AttributeError):
        return [_decode_or_none(line) if ok else None for line, ok in zip(lines, good)]


def _decode_or_none(line: bytes) -> Event | None:
    try:
        return decode_line(line)
    except EventError:
        return None


def _verify_checksum(line: bytes) -> None:
    if len(line) > MAX_EVENT_BYTES + _CRC_SUFFIX_LEN:
        raise EventError("the line is longer than any event")
    suffix = line[-_CRC_SUFFIX_LEN:]
    if not (suffix.startswith(_CRC_PREFIX) and suffix.endswith(b'"}')):
        raise EventError("the line has no checksum")
    try:
        expected = int(suffix[len(_CRC_PREFIX):-2], 16)
    except ValueError:
        raise EventError("the line's checksum is not hexadecimal") from None
    # The checksum covers the line as it was before the crc member was added.
    if zlib.crc32(b"}", zlib.crc32(memoryview(line)[:-_CRC_SUFFIX_LEN])) != expected:
        raise EventError("the checksum does not match")


def _checksum_ok(line: bytes) -> bool:
    try:
        _verify_checksum(line)
    except EventError:
        return False
    return True


def _segment_name(number: int) -> str:
    return f"{number:08d}.jsonl"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """One station's journal. Open with `Journal.open`; close when done."""

    def __init__(
        self,
        path: Path,
        origin: str,
        index: sqlite3.Connection,
        lock_fd: int,
        wall: Callable[[], int],
        segment_bytes: int,
    ) -> None:
        self.path = path
        self.origin = origin
        self._db = index
        self._lock_fd = lock_fd
        self._wall = wall
        self._segment_bytes = segment_bytes
        self._thread_lock = threading.Lock()
        self._write_fd: int | None = None
        self._write_segment = 0
        self._maps: dict[int, mmap.mmap] = {}
        self._frozen: set[int] = set()
        self.repairs: list[str] = []

    # -- opening -------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path,
        origin: str,
        *,
        wall: Callable[[], int] = wall_clock_ms,
        segment_bytes: int = SEGMENT_BYTES,
    ) -> Journal:
        """Open (creating if needed) the journal in `path` for the device `origin`.

        Whatever a crash left behind is repaired here; `journal.repairs` says what.
        """
        path.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(path / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        journal = cls(path, origin, _open_index(path), lock_fd, wall, segment_bytes)
        try:
            with journal._locked():
                journal._reconcile()
        except BaseException:
            journal.close()
            raise
        return journal

    def close(self) -> None:
        for mapped in self._maps.values():
            mapped.close()
        self._maps.clear()
        for fd in (self._write_fd, self._lock_fd):
            if fd is not None:
                os.close(fd)
        self._write_fd = None
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------

    def append(self, learner: str | None, type: str, data: Mapping[str, Any]) -> Event:
        """Record one event of this device; returns once it is on disk."""
        return self.append_many([(learner, type, data)])[0]

    def append_many(
        self, records: Iterable[tuple[str | None, str, Mapping[str, Any]]]
    ) -> list[Event]:
        """Record several events of this device with one disk sync."""
        with self._locked():
            self._catch_up()
            seq = self._max_seq(self.origin)
            clock = HybridClock(self._last_hlc(), self._wall)
            events = []
            for learner, kind, data in records:
                seq += 1
                event = Event.from_dict({
                    "id": f"{self.origin}:{seq}", "origin": self.origin, "seq": seq,
                    "hlc": str(clock.now()), "learner": learner, "type": kind,
                    "data": dict(data),
                })
                events.append(event)
            self._write(events)
            return events

    def merge(self, events: Iterable[Event]) -> MergeResult:
        """Take in events made elsewhere; an event already held is not stored again.

        All or nothing: if any event conflicts with a stored one, or claims to be an
        event of this device that the journal never wrote, nothing is stored.
        """
        with self._locked():
            self._catch_up()
            fresh: dict[str, Event] = {}
            duplicates = 0
            for event in events:
                held = fresh.get(event.id) or self._read_by_id(event.origin, event.seq)
                if held is None:
                    if event.origin == self.origin:
                        raise JournalConflict(
                            f"Event {event.id} claims to come from this station, "
                            "which never wrote it."
                        )
                    fresh[event.id] = event
                elif held.to_dict() != event.to_dict():
                    raise JournalConflict(
                        f"Event {event.id} differs from the event already stored under that id."
                    )
                else:
                    duplicates += 1
            self._write(list(fresh.values()))
            return MergeResult(len(fresh), duplicates)

    def _write(self, events: list[Event]) -> None:
        if not events:
            return
        lines = [encode_line(event) for event in events]
        segment, size = self._active_segment()
        if size >= self._segment_bytes or segment in self._frozen:
            segment, size = segment + 1, 0
        fd = self._writer(segment)
        data = b"".join(lines)
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(f"short write of {written} of {len(data)} bytes")
            os.fdatasync(fd)
        except OSError as error:
            os.ftruncate(fd, size)
            raise JournalError(f"The journal could not be written ({error}).") from error
        rows = []
        offset = size
        for event, line in zip(events, lines):
            rows.append((event.origin, event.seq, event.learner, segment, offset, len(line) - 1))
            offset += len(line)
        self._index(rows, segment, offset, max(e.stamp for e in events))

    # -- reading -------------------------------------------------------------

    def frontier(self) -> dict[str, int]:
        """For each origin, the highest seq held with none missing below it."""
        return dict(self._db.execute("SELECT origin, frontier FROM origins ORDER BY origin"))

    def counts(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT origin, count FROM origins ORDER BY origin"))

    def count(self) -> int:
        return sum(self.counts().values())

    def last_hlc(self) -> HLC:
        return self._last_hlc()

    def contains_position(self, position: Position) -> bool:
        """True when `position` lies within what the index has scanned of the journal."""
        if position == START:
            return True
        row = self._db.execute(
            "SELECT scanned_to FROM segments WHERE segment = ?", (position.segment,)
        ).fetchone()
        return row is not None and 0 <= position.offset <= row[0]

    def get(self, event_id: str) -> Event | None:
        origin, _, seq = event_id.rpartition(":")
        return self._read_by_id(origin, int(seq)) if seq.isdigit() else None

    def history(self, learner: str) -> list[Event]:
        """Every event about one learner, in journal order, found through the index."""
        rows = self._db.execute(
            "SELECT segment, offset, length FROM events WHERE learner = ? "
            "ORDER BY segment, offset",
            (learner,),
        ).fetchall()
        return [e for e in decode_indexed([self._line_at(*row) for row in rows]) if e]

    def scan(self, start: Position = START) -> Iterator[tuple[Position, Event]]:
        """Every good event from `start` on, in journal order, with the position after it."""
        for segment, scanned_to in self._db.execute(
            "SELECT segment, scanned_to FROM segments WHERE segment >= ? ORDER BY segment",
            (start.segment,),
        ).fetchall():
            offset = start.offset if segment == start.segment else 0
            batch: list[tuple[int, bytes]] = []
            for end, _, line in _lines(self._segment_path(segment), offset, scanned_to):
                if end == -1:
                    continue
                batch.append((end, line))
                if len(batch) == 2_000:
                    yield from self._decoded(segment, batch)
                    batch = []
            yield from self._decoded(segment, batch)

    @staticmethod
    def _decoded(
        segment: int, batch: list[tuple[int, bytes]]
    ) -> Iterator[tuple[Position, Event]]:
        events = decode_indexed([line for _, line in batch])
        for (end, _), event in zip(batch, events):
            if event is not None:
                yield Position(segment, end), event

    def check(self) -> CheckReport:
        """Read every segment in full and report counts, frontier and problems."""
        problems: list[Problem] = []
        counts: dict[str, int] = {}
        seen: set[str] = set()
        own_next = 1
        # Bytes beyond what the index has scanned belong to a writer at work right now.
        segments = self._db.execute(
            "SELECT segment, scanned_to FROM segments ORDER BY segment"
        ).fetchall()
        for segment, scanned_to in segments:
            name = _segment_name(segment)
            for _, number, line in _lines(self._segment_path(segment), 0, scanned_to):
                try:
                    event = decode_line(line)
                except EventError as error:
                    problems.append(Problem(name, number, str(error)))
                    continue
                if event.id in seen:
                    problems.append(Problem(name, number, f"event {event.id} appears again"))
                    continue
                seen.add(event.id)
                counts[event.origin] = counts.get(event.origin, 0) + 1
                if event.origin == self.origin:
                    if event.seq != own_next:
                        problems.append(Problem(
                            name, number,
                            f"this station's seq jumps from {own_next - 1} to {event.seq}",
                        ))
                    own_next = event.seq + 1
        return CheckReport(
            len(segments), dict(sorted(counts.items())), self.frontier(),
            tuple(problems), tuple(self.repairs),
        )

    # -- internals: index ----------------------------------------------------

    def _index(
        self, rows: list[tuple[Any, ...]], segment: int, scanned_to: int, stamp: HLC
    ) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT INTO events(origin, seq, learner, segment, offset, length) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            db.execute(
                "INSERT INTO segments(segment, scanned_to) VALUES (?, ?) "
                "ON CONFLICT(segment) DO UPDATE SET scanned_to = excluded.scanned_to",
                (segment, scanned_to),
            )
            if stamp > self._last_hlc():
                db.execute("UPDATE meta SET value = ? WHERE key = 'last_hlc'", (str(stamp),))
            for origin in {row[0] for row in rows}:
                self._advance_frontier(origin, [row[1] for row in rows if row[0] == origin])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _advance_frontier(self, origin: str, seqs: list[int]) -> None:
        row = self._db.execute(
            "SELECT frontier, max_seq, count FROM origins WHERE origin = ?", (origin,)
        ).fetchone()
        frontier, max_seq, count = row if row else (0, 0, 0)
        max_seq = max(max_seq, *seqs)
        if frontier + 1 in set(seqs):
            for (seq,) in self._db.execute(
                "SELECT seq FROM events WHERE origin = ? AND seq > ? ORDER BY seq",
                (origin, frontier),
            ):
                if seq != frontier + 1:
                    break
                frontier = seq
        self._db.execute(
            "INSERT OR REPLACE INTO origins(origin, frontier, max_seq, count) VALUES (?, ?, ?, ?)",
            (origin, frontier, max_seq, count + len(seqs)),
        )

    def _max_seq(self, origin: str) -> int:
        row = self._db.execute("SELECT max_seq FROM origins WHERE origin = ?", (origin,)).fetchone()
        return row[0] if row else 0

    def _last_hlc(self) -> HLC:
        (value,) = self._db.execute("SELECT value FROM meta WHERE key = 'last_hlc'").fetchone()
        return HLC.parse(value)

    def _active_segment(self) -> tuple[int, int]:
        row = self._db.execute(
            "SELECT segment, scanned_to FROM segments ORDER BY segment DESC LIMIT 1"
        ).fetchone()
        return (row[0], row[1]) if row else (1, 0)

    def _read_by_id(self, origin: str, seq: int) -> Event | None:
        row = self._db.execute(
            "SELECT segment, offset, length FROM events WHERE origin = ? AND seq = ?",
            (origin, seq),
        ).fetchone()
        return decode_indexed([self._line_at(*row)])[0] if row else None

    def _line_at(self, segment: int, offset: int, length: int) -> bytes:
        mapped = self._maps.get(segment)
        if mapped is None or len(mapped) < offset + length:
            # The active segment grows: map it again to see its new lines.
            if mapped is not None:
                mapped.close()
            with open(self._segment_path(segment), "rb") as file:
                mapped = self._maps[segment] = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        return mapped[offset:offset + length]

    # -- internals: files and repair -----------------------------------------

    def _segment_path(self, segment: int) -> Path:
        return self.path / _segment_name(segment)

    def _segment_numbers(self) -> list[int]:
        return sorted(
            int(p.name.removesuffix(".jsonl"))
            for p in self.path.glob("*.jsonl")
            if p.name.removesuffix(".jsonl").isdigit()
        )

    def _writer(self, segment: int) -> int:
        if self._write_segment != segment or self._write_fd is None:
            if self._write_fd is not None:
                os.close(self._write_fd)
            path = self._segment_path(segment)
            is_new = not path.exists()
            self._write_fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            self._write_segment = segment
            if is_new:
                _fsync_dir(self.path)
        return self._write_fd

    def _catch_up(self) -> None:
        """Index what another process (or a crash) left beyond the index's view."""
        segment, scanned_to = self._active_segment()
        path = self._segment_path(segment)
        size = path.stat().st_size if path.exists() else 0
        on_disk = self._segment_numbers()
        if size != scanned_to or (on_disk and on_disk[-1] != segment):
            self._reconcile()

    def _reconcile(self) -> None:
        indexed = dict(self._db.execute("SELECT segment, scanned_to FROM segments"))
        on_disk = self._segment_numbers()
        sizes = {n: self._segment_path(n).stat().st_size for n in on_disk}
        if any(n not in sizes or sizes[n] < scanned for n, scanned in indexed.items()):
            self.repairs.append("The journal index did not match the segments and was rebuilt.")
            self._reset_index()
            indexed = {}
        for segment in on_disk:
            if sizes[segment] != indexed.get(segment, -1):
                self._scan_into_index(segment, indexed.get(segment, 0), segment == on_disk[-1])

    def _scan_into_index(self, segment: int, start: int, is_last: bool) -> None:
        path = self._segment_path(segment)
        rows: list[tuple[Any, ...]] = []
        stamp = ZERO
        good_end = start
        bad: list[tuple[int, str]] = []
        damaged: list[tuple[int, str]] = []
        seen: set[tuple[str, int]] = set()
        for end, number, line in _lines(path, start, path.stat().st_size):
            try:
                if end == -1:
                    raise EventError("the line was cut short")
                event = decode_line(line)
                key = (event.origin, event.seq)
                if key in seen or self._db.execute(
                    "SELECT 1 FROM events WHERE origin = ? AND seq = ?", key
                ).fetchone():
                    raise EventError(f"event {event.id} appears again")
            except EventError as error:
                bad.append((number, str(error)))
                continue
            seen.add(key)
            damaged += bad
            bad = []
            rows.append((event.origin, event.seq, event.learner, segment, end - len(line) - 1, len(line)))
            stamp = max(stamp, event.stamp)
            good_end = end
        size = path.stat().st_size
        if bad and is_last:
            self._cut_torn_tail(path, good_end, size)
        else:
            damaged += bad
            good_end = size
        if damaged:
            self._frozen.add(segment)
            base = _line_number_at(path, start)
            for number, message in damaged:
                problem = Problem(_segment_name(segment), base + number, message)
                self.repairs.append(f"Skipped a damaged line: {problem}.")
        self._index(rows, segment, good_end, stamp)

    def _cut_torn_tail(self, path: Path, good_end: int, size: int) -> None:
        with open(path, "r+b") as segment:
            segment.seek(good_end)
            tail = segment.read()
            damaged = self.path / "damaged"
            damaged.mkdir(exist_ok=True)
            digest = hashlib.sha256(tail).hexdigest()[:12]
            keep = damaged / f"{path.name}.tail-at-{good_end}-{digest}"
            with open(keep, "wb") as out:
                out.write(tail)
                out.flush()
                os.fsync(out.fileno())
            _fsync_dir(damaged)
            segment.truncate(good_end)
            segment.flush()
            os.fsync(segment.fileno())
        self.repairs.append(
            f"Dropped a torn tail of {size - good_end} bytes from {path.name} "
            f"(kept in damaged/{keep.name})."
        )

    def _reset_index(self) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        for table in ("events", "segments", "origins"):
            db.execute(f"DELETE FROM {table}")
        db.execute("UPDATE meta SET value = ? WHERE key = 'last_hlc'", (str(ZERO),))
        db.execute("COMMIT")

    # -- internals: locking --------------------------------------------------

    def _locked(self) -> _Lock:
        return _Lock(self._thread_lock, self._lock_fd)


class _Lock:
    """Holds the thread lock and the journal's flock for one operation."""

    def __init__(self, thread_lock: threading.Lock, fd: int) -> None:
        self._thread_lock = thread_lock
        self._fd = fd

    def __enter__(self) -> None:
        self._thread_lock.acquire()
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()


def _lines(path: Path, start: int, stop: int) -> Iterator[tuple[int, int, bytes]]:
    """(end offset, line number from 1 at `start`, line) for the bytes [start, stop).

    The end offset is just past the newline; a last piece with no newline (a torn
    write) comes with end offset -1 so that no caller mistakes it for a whole line.
    """
    with open(path, "rb") as segment:
        segment.seek(start)
        data = segment.read(stop - start)
    offset = start
    pieces = data.split(b"\n")
    for number, piece in enumerate(pieces, start=1):
        if number == len(pieces):
            if piece:
                yield -1, number, piece
            return
        offset += len(piece) + 1
        yield offset, number, piece


def _line_number_at(path: Path, offset: int) -> int:
    with open(path, "rb") as segment:
        return segment.read(offset).count(b"\n")


def _open_index(path: Path) -> sqlite3.Connection:
    """Open the index, rebuilding it from nothing when it is missing or unreadable."""
    index_path = path / _INDEX_NAME
    try:
        return _connect_index(index_path)
    except sqlite3.DatabaseError:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{index_path}{suffix}").unlink(missing_ok=True)
        return _connect_index(index_path)


def _connect_index(index_path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(index_path, isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS segments(
                segment INTEGER PRIMARY KEY, scanned_to INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS events(
                origin TEXT NOT NULL, seq INTEGER NOT NULL, learner TEXT,
                segment INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL,
                PRIMARY KEY(origin, seq)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS events_by_learner
                ON events(learner, segment, offset, length) WHERE learner IS NOT NULL;
            CREATE TABLE IF NOT EXISTS origins(
                origin TEXT PRIMARY KEY, frontier INTEGER NOT NULL,
                max_seq INTEGER NOT NULL, count INTEGER NOT NULL);
            """
        )
        db.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('version', ?), ('last_hlc', ?)",
            (_INDEX_VERSION, str(ZERO)),
        )
        (version,) = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        if version != _INDEX_VERSION:
            raise sqlite3.DatabaseError(f"index version {version}")
        HLC.parse(db.execute("SELECT value FROM meta WHERE key = 'last_hlc'").fetchone()[0])
    except (sqlite3.DatabaseError, PathstoneError) as error:
        db.close()
        raise sqlite3.DatabaseError(str(error)) from error
    return db
