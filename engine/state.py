"""Derived state: what the journal adds up to, cached in TinyDB.

The cache holds the roster, settings and a summary per learner, with the journal
position it reflects.  It is only ever a function of the journal (and the station's
initial settings), so when its file is missing, unreadable or from another version it
is rebuilt from the journal without asking anyone.  It is written in one atomic write
per refresh, never per answer: TinyDB rewrites its whole file on every write.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage

from engine import roster, settings
from engine.atomic import write_atomically
from engine.event import Event, encode_json
from engine.journal import START, Journal, Position

STATE_VERSION = 2
SIGN_IN = "sign_in"
ANSWER = "answer"


class AtomicJSONStorage(Storage):
    """TinyDB storage that replaces its file atomically instead of rewriting it in place."""

    def __init__(self, path: str) -> None:
        self._path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            text = self._path.read_bytes()
        except FileNotFoundError:
            return None
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("the state file does not hold a JSON object")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        write_atomically(self._path, encode_json(data))

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class Activity:
    """What a learner has done at the stations, counted from the journal."""

    id: str
    events: int = 0
    sign_ins: int = 0
    answers: int = 0
    correct: int = 0
    last_seen: str = ""

    def after(self, event: Event) -> Activity:
        correct = event.type == ANSWER and event.data.get("correct") is True
        return replace(
            self,
            events=self.events + 1,
            sign_ins=self.sign_ins + (event.type == SIGN_IN),
            answers=self.answers + (event.type == ANSWER),
            correct=self.correct + correct,
            last_seen=max(self.last_seen, event.hlc),
        )


@dataclass(frozen=True)
class LearnerSummary:
    """A roster member with their activity, as the class view and `status` show it."""

    member: roster.Member
    activity: Activity


class State:
    """The derived-state cache of one station."""

    def __init__(self, db: TinyDB, repairs: list[str]) -> None:
        self._db = db
        self.repairs = repairs

    @classmethod
    def open(cls, path: Path, journal: Journal, initial: Mapping[str, Any]) -> State:
        """Open the cache at `path` and bring it up to the end of `journal`.

        `initial` holds the settings the station was created with.
        """
        repairs: list[str] = []
        db = TinyDB(str(path), storage=CachingMiddleware(AtomicJSONStorage))
        try:
            meta = db.table("meta").get(doc_id=1)
            usable = (
                isinstance(meta, dict)
                and meta.get("version") == STATE_VERSION
                and meta.get("origin") == journal.origin
                and _position_within(meta.get("position"), journal)
            )
        except (ValueError, TypeError, AttributeError, KeyError):
            usable = False
        if not usable:
            if path.exists():
                repairs.append(f"The state cache {path.name} was unusable and was rebuilt.")
            db.drop_tables()
            db.table("meta").insert({
                "version": STATE_VERSION, "origin": journal.origin, "position": list(START),
            })
            db.table("settings").insert(dict(initial))
        state = cls(db, repairs)
        try:
            state.refresh(journal)
        except (ValueError, TypeError, KeyError):
            # Parses as JSON but holds the wrong shapes: start again from the journal.
            db.close()
            path.unlink()
            return cls.open(path, journal, initial)
        return state

    def close(self) -> None:
        self._db.close()

    def refresh(self, journal: Journal) -> int:
        """Fold the journal's events since the last refresh in; returns how many."""
        meta = self._db.table("meta")
        doc = meta.get(doc_id=1)
        assert doc is not None, "State.open always writes the meta document"
        scanned = journal.scan(Position(*doc["position"]))
        first = next(scanned, None)
        if first is None:  # the common case at a sign-in: nothing new to load the tables for
            return 0
        members = {d["id"]: roster.Member(**d) for d in self._db.table("roster").all()}
        activity = {d["id"]: Activity(**d) for d in self._db.table("activity").all()}
        current = dict(self._db.table("settings").get(doc_id=1) or {})
        folded = 0
        for position, event in itertools.chain([first], scanned):
            folded += 1
            roster.apply(members, event)
            if event.learner is not None:
                activity[event.learner] = activity.get(event.learner, Activity(event.learner)).after(event)
            elif event.type == settings.SETTING_CHANGED and event.origin == journal.origin:
                key, value = event.data.get("key"), event.data.get("value")
                if settings.is_valid(key, value):
                    current[str(key)] = value
        self._replace("roster", [asdict(m) for m in members.values()])
        self._replace("activity", [asdict(a) for a in activity.values()])
        self._replace("settings", [current])
        meta.update({"position": list(position)}, doc_ids=[1])
        self._db.storage.flush()  # type: ignore[attr-defined]
        return folded

    def learners(self, *, include_inactive: bool = False) -> list[LearnerSummary]:
        """Roster members (active ones unless asked), by name, with their activity."""
        activity = {d["id"]: Activity(**d) for d in self._db.table("activity").all()}
        members = [roster.Member(**d) for d in self._db.table("roster").all()]
        return [
            LearnerSummary(m, activity.get(m.id, Activity(m.id)))
            for m in sorted(members, key=lambda m: (m.name, m.id))
            if include_inactive or m.active
        ]

    def settings(self) -> dict[str, Any]:
        return {**settings.DEFAULTS, **(self._db.table("settings").get(doc_id=1) or {})}

    def _replace(self, table: str, docs: list[dict[str, Any]]) -> None:
        self._db.table(table).truncate()
        self._db.table(table).insert_multiple(docs)


def _position_within(value: object, journal: Journal) -> bool:
    if not (isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)):
        return False
    return journal.contains_position(Position(*value))
