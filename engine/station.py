"""A station home: the directory that holds one station's identity, journal and state.

    station.json     who this station is (device id, school) and its first settings
    secrets/         the school key (created at init; never logged, never on a stick)
    journal/         the event journal (engine.journal)
    state.json       the derived-state cache (engine.state)
    packs/           installed content packs
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import settings
from engine.atomic import write_atomically
from engine.clock import wall_clock_ms
from engine.errors import PathstoneError
from engine.event import Event, is_valid_name
from engine.journal import Journal
from engine.state import State

FORMAT = 1
_IDENTITY = "station.json"
_SCHOOL_KEY = "secrets/school.key"
_PARTS = ("secrets", "journal", "packs")


class StationError(PathstoneError):
    pass


@dataclass(frozen=True)
class Identity:
    device_id: str
    school_id: str
    school_name: str


def default_home() -> Path:
    """`PATHSTONE_HOME`, else the per-user data directory."""
    if env := os.environ.get("PATHSTONE_HOME"):
        return Path(env)
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "pathstone" / "station"


def is_station(home: Path) -> bool:
    return (home / _IDENTITY).is_file()


class Station:
    """An open station: its identity, journal and derived state."""

    def __init__(self, home: Path, identity: Identity, journal: Journal, state: State) -> None:
        self.home = home
        self.identity = identity
        self.journal = journal
        self.state = state

    @classmethod
    def init(
        cls, home: Path, school_name: str, *, school_id: str | None = None,
        school_key: bytes | None = None,
    ) -> Station:
        """Create a new station with a fresh device id in `home`: of a new school, or
        of an existing one when `school_id` and `school_key` come from an enrolment."""
        school_name = school_name.strip()
        if not school_name or len(school_name) > 100:
            raise StationError("The school name must be 1 to 100 characters long.")
        if (school_id is None) != (school_key is None) or not (
            school_id is None or (is_valid_name(school_id) and len(school_key or b"") == 32)
        ):
            raise StationError("An existing school needs both a valid school id and a 32-byte key.")
        if is_station(home):
            raise StationError(f"{home} is already a station; open it instead of creating it.")
        if home.exists() and not _is_unfinished_station(home):
            raise StationError(f"{home} is not an empty directory; choose a new one for a station.")
        for part in _PARTS:
            (home / part).mkdir(parents=True, exist_ok=True)
        os.chmod(home / "secrets", 0o700)
        write_atomically(home / _SCHOOL_KEY, school_key or secrets.token_bytes(32), mode=0o600)
        identity = {
            "format": FORMAT,
            "device_id": "st" + secrets.token_hex(5),
            "school": {"id": school_id or "sc" + secrets.token_hex(4), "name": school_name},
            "settings": dict(settings.DEFAULTS),
        }
        # Written last: a directory holding station.json is a complete station.
        write_atomically(home / _IDENTITY, json.dumps(identity, indent=2).encode() + b"\n")
        return cls.open(home)

    @classmethod
    def open(cls, home: Path, *, wall: Any = wall_clock_ms) -> Station:
        """Open the station in `home`, repairing the journal and state if a crash left damage."""
        if not is_station(home):
            raise StationError(
                f"{home} is not a Pathstone station; create one with "
                f"`pathstone init --home {home} --school NAME`."
            )
        identity, initial = _read_identity(home / _IDENTITY)
        journal = Journal.open(home / "journal", identity.device_id, wall=wall)
        try:
            state = State.open(home / "state.json", journal, initial)
        except BaseException:
            journal.close()
            raise
        return cls(home, identity, journal, state)

    def close(self) -> None:
        self.state.close()
        self.journal.close()

    def __enter__(self) -> Station:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def repairs(self) -> list[str]:
        """What opening had to repair, in words for the operator's log."""
        return [*self.journal.repairs, *self.state.repairs]

    def record(self, learner: str | None, type: str, data: Mapping[str, Any]) -> Event:
        """Append one event of this station; returns once it is durable."""
        return self.journal.append(learner, type, data)

    def change_setting(self, key: str, text: str) -> Event:
        value = settings.parse_setting(key, text)
        event = self.record(None, settings.SETTING_CHANGED, {"key": key, "value": value})
        self.state.refresh(self.journal)
        return event

    def school_key(self) -> bytes:
        return (self.home / _SCHOOL_KEY).read_bytes()


def _is_unfinished_station(home: Path) -> bool:
    """True for an empty directory, or one an `init` cut short left (no identity yet).

    station.json is written last, so without it nothing has used the directory.
    """
    if not home.is_dir():
        return False
    names = {p.name for p in home.iterdir()}
    if not names <= set(_PARTS):
        return False
    return not any((home / "journal").iterdir()) if "journal" in names else True


def _read_identity(path: Path) -> tuple[Identity, dict[str, Any]]:
    try:
        raw = json.loads(path.read_bytes())
        school = raw["school"]
        identity = Identity(raw["device_id"], school["id"], school["name"])
        initial = raw.get("settings", {})
        valid = (
            raw.get("format") == FORMAT
            and is_valid_name(identity.device_id)
            and is_valid_name(identity.school_id)
            and isinstance(identity.school_name, str)
            and isinstance(initial, dict)
            and all(settings.is_valid(k, v) for k, v in initial.items())
        )
    except (OSError, ValueError, TypeError, KeyError):
        valid = False
    if not valid:
        raise StationError(f"{path} is damaged or from an unknown version; the station cannot start.")
    return identity, initial
