"""Segment files: the journal's lines on disk, each a JSON object ending in its CRC32.

A line is the event's compact JSON with one more member, `"crc"`, last: the CRC32 of
the line as it was before that member was added.  So every line is still plain JSON
for an operator's tools, and a torn or damaged line is told from a good one by its
checksum alone.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from engine.event import MAX_EVENT_BYTES, Event, EventError

_SUFFIX = ".jsonl"
_CRC_PREFIX = b',"crc":"'
_CRC_SUFFIX_LEN = len(',"crc":"00000000"}')
_MAX_LINE = MAX_EVENT_BYTES + _CRC_SUFFIX_LEN


def name(number: int) -> str:
    return f"{number:08d}{_SUFFIX}"


def numbers(directory: Path) -> list[int]:
    """The numbers of the segment files in `directory`, in order."""
    stems = (p.name.removesuffix(_SUFFIX) for p in directory.glob(f"*{_SUFFIX}"))
    return sorted(int(stem) for stem in stems if stem.isdigit())


def encode_line(event: Event) -> bytes:
    body = event.to_json()
    if len(body) > MAX_EVENT_BYTES:
        raise EventError(f"Event {event.id} is larger than {MAX_EVENT_BYTES} bytes.")
    return b"%s%s%08x\"}\n" % (body[:-1], _CRC_PREFIX, zlib.crc32(body))


def decode_line(line: bytes) -> Event:
    """Turn one line (without its newline) back into a fully checked event.

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
    """Decode lines that passed `decode_line` when they were indexed; None where damaged.

    The checksum still guards each line against damage since; the field checks are not
    repeated, and the lines are parsed as one JSON array, which is much faster.
    """
    good = checksums_ok(lines)
    try:
        objs = iter(json.loads(b"[" + b",".join(l for l, ok in zip(lines, good) if ok) + b"]"))
        return [_event(next(objs)) if ok else None for ok in good]
    except (ValueError, TypeError, AttributeError, KeyError):
        return [_decode_or_none(line) if ok else None for line, ok in zip(lines, good)]


def _event(obj: dict[str, Any]) -> Event:
    # Positional, not Event(**obj): a learner's history is thousands of these.
    return Event(obj["id"], obj["origin"], obj["seq"], obj["hlc"], obj["learner"],
                 obj["type"], obj["data"])


def checksums_ok(lines: list[bytes]) -> list[bool]:
    """For each line, whether it ends in the checksum `encode_line` gave it.

    One loop with no calls but the CRC: a learner's history checks thousands of lines.
    """
    crc32 = zlib.crc32
    return [len(line) <= _MAX_LINE and line[-_CRC_SUFFIX_LEN:-10] == _CRC_PREFIX
            and line[-2:] == b'"}'
            and b"%08x" % crc32(b"}", crc32(memoryview(line)[:-_CRC_SUFFIX_LEN])) == line[-10:-2]
            for line in lines]


def read_lines(path: Path, start: int, stop: int) -> Iterator[tuple[int, int, bytes]]:
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


def line_number_at(path: Path, offset: int) -> int:
    """How many whole lines come before `offset`."""
    with open(path, "rb") as segment:
        return segment.read(offset).count(b"\n")


def _verify_checksum(line: bytes) -> None:
    if checksums_ok([line])[0]:
        return
    if len(line) > _MAX_LINE:
        raise EventError("the line is longer than any event")
    if not (line[-_CRC_SUFFIX_LEN:-10] == _CRC_PREFIX and line.endswith(b'"}')):
        raise EventError("the line has no checksum")
    raise EventError("the checksum does not match")


def _decode_or_none(line: bytes) -> Event | None:
    try:
        return decode_line(line)
    except EventError:
        return None
