"""Copies of learners' histories that load in a few milliseconds.

A kiosk reads the whole history of a student at every sign-in; at a million events in
the journal that is thousands of lines to find, check and parse.  A copy holds a
learner's events as far as the journal went when it was made, in Python's marshal
format (no JSON to parse), with a checksum; the journal then gives only what came
after.  The journal stays the truth: a copy that is damaged, from another format, or
that does not end where the journal says its last event ends is not used, and the
history is read from the journal in full.  Only the kiosk writes copies, into the
station home like the journal itself, so marshal (which is not safe against crafted
data) never reads anything from outside.
"""

from __future__ import annotations

import json
import marshal
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

from engine.atomic import write_atomically
from engine.event import Event, is_valid_name

FORMAT = 1
_SUFFIX = ".history"

# (the copy's last event's id, where the copy ends) -> does the journal still say so?
EndsCheck = Callable[[str, tuple[int, int]], bool]


def load(folder: Path, learner: str, ends_at: EndsCheck) -> tuple[list[Event], tuple[int, int]]:
    """The learner's copied events and where in the journal they end; ([], (1, 0)) when
    there is no copy to trust."""
    nothing: tuple[list[Event], tuple[int, int]] = ([], (1, 0))
    if not is_valid_name(learner):
        return nothing
    try:
        header, _, body = path(folder, learner).read_bytes().partition(b"\n")
        meta = json.loads(header)
        if (meta["format"] != FORMAT or meta["learner"] != learner
                or zlib.crc32(body) != meta["crc"]):
            return nothing
        rows = marshal.loads(body)
        read_to = (int(meta["read_to"][0]), int(meta["read_to"][1]))
        events = [Event(*row) for row in rows]
    except (OSError, ValueError, TypeError, KeyError, EOFError, IndexError):
        return nothing
    if not events or events[-1].id != meta["last"] or not ends_at(meta["last"], read_to):
        return nothing
    return events, read_to


def save(folder: Path, learner: str, events: Sequence[Event], read_to: tuple[int, int]) -> None:
    """Keep a copy of `events`, which end at `read_to` in the journal."""
    if not events or not is_valid_name(learner):
        return
    body = marshal.dumps([(e.id, e.origin, e.seq, e.hlc, e.learner, e.type, dict(e.data))
                          for e in events])
    header = json.dumps({"format": FORMAT, "learner": learner, "last": events[-1].id,
                         "read_to": list(read_to), "crc": zlib.crc32(body)}).encode()
    folder.mkdir(exist_ok=True)
    write_atomically(path(folder, learner), header + b"\n" + body, mode=0o600)


def path(folder: Path, learner: str) -> Path:
    """Where the copy of a learner's history is kept (a valid learner id is a file name)."""
    return folder / f"{learner}{_SUFFIX}"
