"""The journal's index: where each event sits, by origin and seq and by learner.

A SQLite file beside the segments.  It is derived: it can always be rebuilt from the
segments, so it runs in WAL mode without a sync per commit (a power cut may lose its
last commits, never corrupt it), and an unreadable or foreign-version file is simply
deleted and rebuilt.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from engine.clock import HLC, ZERO, ClockError

_NAME = "index.sqlite3"
_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS segments(segment INTEGER PRIMARY KEY, scanned_to INTEGER NOT NULL);
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

# (origin, seq, learner, segment, offset, length) of one line
Row = tuple[str, int, str | None, int, int, int]
Location = tuple[int, int, int]


class JournalIndex:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    @classmethod
    def open(cls, directory: Path) -> JournalIndex:
        path = directory / _NAME
        try:
            return cls(_connect(path))
        except sqlite3.DatabaseError:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return cls(_connect(path))

    def close(self) -> None:
        self._db.close()

    # -- reading -------------------------------------------------------------

    def frontier(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT origin, frontier FROM origins ORDER BY origin"))

    def counts(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT origin, count FROM origins ORDER BY origin"))

    def max_seq(self, origin: str) -> int:
        row = self._db.execute("SELECT max_seq FROM origins WHERE origin = ?", (origin,)).fetchone()
        return row[0] if row else 0

    def last_hlc(self) -> HLC:
        (value,) = self._db.execute("SELECT value FROM meta WHERE key = 'last_hlc'").fetchone()
        return HLC.parse(value)

    def scanned(self) -> dict[int, int]:
        """For each segment, how many of its bytes have been read into the index."""
        return dict(self._db.execute("SELECT segment, scanned_to FROM segments ORDER BY segment"))

    def active_segment(self) -> tuple[int, int]:
        """The segment appends go to, and how far it is scanned."""
        row = self._db.execute(
            "SELECT segment, scanned_to FROM segments ORDER BY segment DESC LIMIT 1"
        ).fetchone()
        return (row[0], row[1]) if row else (1, 0)

    def location(self, origin: str, seq: int) -> Location | None:
        return self._db.execute(
            "SELECT segment, offset, length FROM events WHERE origin = ? AND seq = ?",
            (origin, seq),
        ).fetchone()

    def learner_locations(self, learner: str, after: tuple[int, int]) -> list[Location]:
        """Where the learner's lines are that begin at or after (segment, offset)."""
        return self._db.execute(
            "SELECT segment, offset, length FROM events WHERE learner = ? "
            "AND (segment, offset) >= (?, ?) ORDER BY segment, offset",
            (learner, *after),
        ).fetchall()

    # -- writing -------------------------------------------------------------

    def record(self, rows: Sequence[Row], segment: int, scanned_to: int, stamp: HLC) -> None:
        """Index `rows`, found in `segment` up to `scanned_to`, in one transaction."""
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
            if stamp > self.last_hlc():
                db.execute("UPDATE meta SET value = ? WHERE key = 'last_hlc'", (str(stamp),))
            for origin in {row[0] for row in rows}:
                self._advance(origin, [row[1] for row in rows if row[0] == origin])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def reset(self) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        for table in ("events", "segments", "origins"):
            db.execute(f"DELETE FROM {table}")
        db.execute("UPDATE meta SET value = ? WHERE key = 'last_hlc'", (str(ZERO),))
        db.execute("COMMIT")

    def _advance(self, origin: str, seqs: list[int]) -> None:
        row = self._db.execute(
            "SELECT frontier, max_seq, count FROM origins WHERE origin = ?", (origin,)
        ).fetchone()
        frontier, max_seq, count = row if row else (0, 0, 0)
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
            (origin, frontier, max(max_seq, *seqs), count + len(seqs)),
        )


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
        db.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('version', ?), ('last_hlc', ?)",
            (_VERSION, str(ZERO)),
        )
        (version,) = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        if version != _VERSION:
            raise sqlite3.DatabaseError(f"index version {version}")
        HLC.parse(db.execute("SELECT value FROM meta WHERE key = 'last_hlc'").fetchone()[0])
    except (sqlite3.DatabaseError, ClockError) as error:
        db.close()
        raise sqlite3.DatabaseError(str(error)) from error
    return db
