"""The journal: the append-only record of every event, safe across power cuts.

A journal directory holds:

    00000001.jsonl, ...  segments: one event a line, each line ending in its CRC32
    index.sqlite3        where each event sits, by origin and seq and by learner;
                         derived, rebuilt from the segments when missing or damaged
    lock                 flock'd by whoever appends or repairs, so two processes
                         (the kiosk and a sync run, say) never interleave writes
    damaged/             torn tails cut off the last segment, kept, never deleted
    copies/              learners' histories kept by the kiosk for quick sign-ins
                         (engine.history_copies); derived, safe to delete

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
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from engine import history_copies, segments
from engine.atomic import fsync_directory
from engine.clock import HLC, ZERO, HybridClock, wall_clock_ms
from engine.errors import PathstoneError
from engine.event import Event, EventError
from engine.journal_index import JournalIndex, Row

SEGMENT_BYTES = 32 * 1024 * 1024
COPIES = "copies"


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


class Journal:
    """One station's journal. Open with `Journal.open`; close when done."""

    def __init__(
        self,
        path: Path,
        origin: str,
        index: JournalIndex,
        lock_fd: int,
        wall: Callable[[], int],
        segment_bytes: int,
    ) -> None:
        self.path = path
        self.origin = origin
        self._index = index
        self._lock_fd = lock_fd
        self._wall = wall
        self._segment_bytes = segment_bytes
        self._thread_lock = threading.Lock()
        self._write_fd: int | None = None
        self._write_segment = 0
        # Read with pread, not mmap: a mapped journal would count in the kiosk's resident
        # memory, page by page, until it held the whole journal.
        self._readers: dict[int, int] = {}
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
        journal = cls(path, origin, JournalIndex.open(path), lock_fd, wall, segment_bytes)
        try:
            with journal._locked():
                journal._reconcile()
        except BaseException:
            journal.close()
            raise
        return journal

    def close(self) -> None:
        for reader in self._readers.values():
            os.close(reader)
        self._readers.clear()
        for fd in (self._write_fd, self._lock_fd):
            if fd is not None:
                os.close(fd)
        self._write_fd = None
        self._index.close()

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
            seq = self._index.max_seq(self.origin)
            clock = HybridClock(self._index.last_hlc(), self._wall)
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
        lines = [segments.encode_line(event) for event in events]
        segment, size = self._index.active_segment()
        if size >= self._segment_bytes:
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
        rows: list[Row] = []
        offset = size
        for event, line in zip(events, lines):
            rows.append((event.origin, event.seq, event.learner, segment, offset, len(line) - 1))
            offset += len(line)
        self._index.record(rows, segment, offset, max(e.stamp for e in events))

    # -- reading -------------------------------------------------------------

    def frontier(self) -> dict[str, int]:
        """For each origin, the highest seq held with none missing below it."""
        return self._index.frontier()

    def counts(self) -> dict[str, int]:
        return self._index.counts()

    def count(self) -> int:
        return sum(self.counts().values())

    def last_hlc(self) -> HLC:
        return self._index.last_hlc()

    def contains_position(self, position: Position) -> bool:
        """True when `position` lies within what the index has scanned of the journal."""
        if position == START:
            return True
        scanned_to = self._index.scanned().get(position.segment)
        return scanned_to is not None and 0 <= position.offset <= scanned_to

    def get(self, event_id: str) -> Event | None:
        origin, _, seq = event_id.rpartition(":")
        return self._read_by_id(origin, int(seq)) if seq.isdigit() else None

    def history(self, learner: str) -> list[Event]:
        """Every event about one learner, in journal order, found through the index."""
        return self.history_after(learner, START)[0]

    def history_after(self, learner: str, after: Position) -> tuple[list[Event], Position]:
        """The learner's events that begin at or after `after`, and the position to pass
        next time to get only what came since (a kiosk keeps a signed-in learner's history)."""
        where = self._index.learner_locations(learner, after)
        lines = [self._line_at(*place) for place in where]
        if where:
            segment, offset, length = where[-1]
            after = Position(segment, offset + length + 1)
        return [event for event in segments.decode_indexed(lines) if event], after

    def history_copy(self, learner: str) -> tuple[list[Event], Position]:
        """The learner's history as far as its kept copy goes, and where that is in the
        journal; ([], START) without a copy to trust (engine.history_copies)."""
        events, read_to = history_copies.load(self.path / COPIES, learner, self._ends_at)
        return events, Position(*read_to)

    def keep_history(self, learner: str, events: Sequence[Event], read_to: Position) -> None:
        """Keep a copy of the learner's history `events`, which ends at `read_to`."""
        history_copies.save(self.path / COPIES, learner, events, read_to)

    def copy_history_if_behind(self, learner: str, behind: int) -> bool:
        """Copy the learner's history again when `behind` or more of their events are not
        in its copy; True when it did."""
        events, read_to = self.history_copy(learner)
        new, read_to = self.history_after(learner, read_to)
        if len(new) < behind:
            return False
        self.keep_history(learner, events + new, read_to)
        return True

    def _ends_at(self, event_id: str, read_to: tuple[int, int]) -> bool:
        origin, _, seq = event_id.rpartition(":")
        where = self._index.location(origin, int(seq)) if seq.isdigit() else None
        return where is not None and (where[0], where[1] + where[2] + 1) == tuple(read_to)

    def scan(self, start: Position = START) -> Iterator[tuple[Position, Event]]:
        """Every good event from `start` on, in journal order, with the position after it."""
        for segment, scanned_to in self._index.scanned().items():
            if segment < start.segment:
                continue
            offset = start.offset if segment == start.segment else 0
            batch: list[tuple[int, bytes]] = []
            for end, _, line in segments.read_lines(self._segment_path(segment), offset, scanned_to):
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
        events = segments.decode_indexed([line for _, line in batch])
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
        scanned = self._index.scanned()
        for segment, scanned_to in scanned.items():
            name = segments.name(segment)
            for _, number, line in segments.read_lines(self._segment_path(segment), 0, scanned_to):
                try:
                    event = segments.decode_line(line)
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
            len(scanned), dict(sorted(counts.items())), self.frontier(),
            tuple(problems), tuple(self.repairs),
        )

    # -- internals ------------------------------------------------------------

    def _read_by_id(self, origin: str, seq: int) -> Event | None:
        where = self._index.location(origin, seq)
        return segments.decode_indexed([self._line_at(*where)])[0] if where else None

    def _line_at(self, segment: int, offset: int, length: int) -> bytes:
        reader = self._readers.get(segment)
        if reader is None:
            reader = self._readers[segment] = os.open(self._segment_path(segment), os.O_RDONLY)
        return os.pread(reader, length, offset)

    def _segment_path(self, segment: int) -> Path:
        return self.path / segments.name(segment)

    def _writer(self, segment: int) -> int:
        if self._write_segment != segment or self._write_fd is None:
            if self._write_fd is not None:
                os.close(self._write_fd)
            path = self._segment_path(segment)
            is_new = not path.exists()
            self._write_fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            self._write_segment = segment
            if is_new:
                fsync_directory(self.path)
        return self._write_fd

    def _catch_up(self) -> None:
        """Index what another process (or a crash) left beyond the index's view."""
        segment, scanned_to = self._index.active_segment()
        path = self._segment_path(segment)
        size = path.stat().st_size if path.exists() else 0
        on_disk = segments.numbers(self.path)
        if size != scanned_to or (on_disk and on_disk[-1] != segment):
            self._reconcile()

    def _reconcile(self) -> None:
        indexed = self._index.scanned()
        on_disk = segments.numbers(self.path)
        sizes = {n: self._segment_path(n).stat().st_size for n in on_disk}
        if any(n not in sizes or sizes[n] < scanned for n, scanned in indexed.items()):
            self.repairs.append("The journal index did not match the segments and was rebuilt.")
            self._index.reset()
            indexed = {}
        elif not indexed and any(sizes.values()):
            self.repairs.append("The journal index was missing or unreadable and was rebuilt.")
        for segment in on_disk:
            if sizes[segment] != indexed.get(segment, -1):
                self._scan_into_index(segment, indexed.get(segment, 0), segment == on_disk[-1])

    def _scan_into_index(self, segment: int, start: int, is_last: bool) -> None:
        path = self._segment_path(segment)
        rows: list[Row] = []
        stamp = ZERO
        good_end = start
        bad: list[tuple[int, str]] = []
        damaged: list[tuple[int, str]] = []
        seen: set[tuple[str, int]] = set()
        for end, number, line in segments.read_lines(path, start, path.stat().st_size):
            try:
                if end == -1:
                    raise EventError("the line was cut short")
                event = segments.decode_line(line)
                key = (event.origin, event.seq)
                if key in seen or self._index.location(*key):
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
        self._index.record(rows, segment, good_end, stamp)
        if damaged:
            base = segments.line_number_at(path, start)
            for number, message in damaged:
                problem = Problem(segments.name(segment), base + number, message)
                self.repairs.append(f"Skipped a damaged line: {problem}.")
            if is_last:
                # A damaged segment is kept as it is: appends go on in a new one.
                self._writer(segment + 1)
                self._index.record([], segment + 1, 0, ZERO)

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
            fsync_directory(damaged)
            segment.truncate(good_end)
            segment.flush()
            os.fsync(segment.fileno())
        self.repairs.append(
            f"Dropped a torn tail of {size - good_end} bytes from {path.name} "
            f"(kept in damaged/{keep.name})."
        )

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
