"""The event: one immutable record of something a person or the station did."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.clock import HLC, ClockError
from engine.errors import PathstoneError

MAX_EVENT_BYTES = 64 * 1024
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_TYPE_RE = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")
_FIELDS = ("id", "origin", "seq", "hlc", "learner", "type", "data")
_MAX_SEQ = 2**53


class EventError(PathstoneError):
    pass


@dataclass(frozen=True)
class Event:
    id: str
    origin: str
    seq: int
    hlc: str
    learner: str | None
    type: str
    data: Mapping[str, Any] = field(hash=False)

    @property
    def stamp(self) -> HLC:
        return HLC.parse(self.hlc)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "origin": self.origin,
            "seq": self.seq,
            "hlc": self.hlc,
            "learner": self.learner,
            "type": self.type,
            "data": dict(self.data),
        }

    def to_json(self) -> bytes:
        return encode_json(self.to_dict())

    @classmethod
    def from_dict(cls, obj: object) -> Event:
        """Build an event from untrusted JSON, or raise EventError saying what is wrong."""
        if not isinstance(obj, dict):
            raise EventError("An event must be a JSON object.")
        if set(obj) != set(_FIELDS):
            missing = sorted(set(_FIELDS) - set(obj))
            extra = sorted(set(obj) - set(_FIELDS))
            raise EventError(f"An event has missing fields {missing} or unknown fields {extra}.")
        origin, seq, learner, kind, data = (
            obj["origin"], obj["seq"], obj["learner"], obj["type"], obj["data"],
        )
        if not isinstance(origin, str) or not _NAME_RE.match(origin):
            raise EventError(f"Event origin {origin!r} is not a valid device id.")
        if type(seq) is not int or not 1 <= seq <= _MAX_SEQ:
            raise EventError(f"Event seq {seq!r} is not a whole number from 1 up.")
        if obj["id"] != f"{origin}:{seq}":
            raise EventError(f"Event id {obj['id']!r} does not match its origin and seq.")
        try:
            HLC.parse(obj["hlc"])
        except ClockError as error:
            raise EventError(f"Event {obj['id']} has a bad clock stamp: {error}") from None
        if learner is not None and (not isinstance(learner, str) or not _NAME_RE.match(learner)):
            raise EventError(f"Event {obj['id']} names an invalid learner id {learner!r}.")
        if not isinstance(kind, str) or not _TYPE_RE.match(kind):
            raise EventError(f"Event {obj['id']} has an invalid type {kind!r}.")
        if not isinstance(data, dict):
            raise EventError(f"Event {obj['id']} has data that is not a JSON object.")
        return cls(obj["id"], origin, seq, obj["hlc"], learner, kind, data)


def is_valid_name(text: object) -> bool:
    """True for a device, learner or school id: letters, digits, `_.-`, up to 64."""
    return isinstance(text, str) and _NAME_RE.match(text) is not None


def encode_json(obj: object) -> bytes:
    """The one JSON form the journal writes: compact, UTF-8, no NaN."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
