"""The roster: who belongs to the station's class, built from roster events.

Every change to the roster is a journal event, so it syncs like everything else:

    learner_added        {name, grade, role[, source]}  adds a member, or updates one
    learner_renamed      {name}
    learner_deactivated  {}
    learner_reactivated  {}
    badge_replaced       {serial}   a new badge serial; older badges are refused
    pin_changed          {hash}     a teacher's PIN, as a salted scrypt hash

`apply` folds them into `Member` records.  Events may arrive in any order (sync
takes in other devices' events as they come): name and status are last-writer-wins
registers stamped with the hybrid logical clock, the badge serial only grows, and a
change that arrives before its learner_added waits in a placeholder member that is
not active.  A malformed event from outside is ignored rather than trusted.

Roster files (`read_roster_file`) are OneRoster `users.csv` exports or a plain CSV
with a `name,grade[,role]` header; `plan_import` turns one into the events that
bring the roster in line with it.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import random
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeGuard

from engine.errors import PathstoneError
from engine.event import Event

if TYPE_CHECKING:
    from engine.station import Station

LEARNER_ADDED = "learner_added"
LEARNER_RENAMED = "learner_renamed"
LEARNER_DEACTIVATED = "learner_deactivated"
LEARNER_REACTIVATED = "learner_reactivated"
BADGE_REPLACED = "badge_replaced"
PIN_CHANGED = "pin_changed"
ROLES = ("learner", "teacher")
MAX_NAME = 80
MAX_SERIAL = 999_999
_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
MAX_ROSTER_BYTES = 8 * 1024 * 1024
MAX_ROSTER_ROWS = 20_000
PIN_DIGITS = 6
# scrypt at 16 MiB: about 50 ms here, a few hundred on a Pi; a PIN is checked rarely.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


class RosterError(PathstoneError):
    pass


@dataclass(frozen=True)
class Member:
    """One person on the roster, as the events about them add up.

    Each group of fields is a register with the stamp (clock stamp, then event id) of
    the event that set it.
    """

    id: str
    added: bool = False  # False for a placeholder: changes seen before the learner_added
    name: str = ""
    named_at: str = ""
    grade: str = ""
    role: str = "learner"
    source: str = ""  # the id the school's information system gives this person, if any
    profile_at: str = ""
    deactivated: bool = False
    status_at: str = ""
    badge_serial: int = 1
    pin_hash: str = ""
    pin_at: str = ""

    @property
    def active(self) -> bool:
        return self.added and not self.deactivated


def new_learner_id(rng: random.Random) -> str:
    """A short id without look-alike characters, for badges and event records."""
    return "l" + "".join(rng.choice(_ID_ALPHABET) for _ in range(7))


def added(
    name: str, grade: str, role: str = "learner", source: str = ""
) -> tuple[str, Mapping[str, Any]]:
    """The (type, data) of an event that adds a member; the learner id is the event's."""
    data = {"name": name, "grade": grade, "role": role}
    if source:
        data["source"] = source
    return LEARNER_ADDED, data


def is_valid_name(name: object) -> TypeGuard[str]:
    """A name a badge can carry: 1 to 80 printable characters, no surrounding spaces."""
    return (
        isinstance(name, str)
        and 0 < len(name) <= MAX_NAME
        and name == name.strip()
        and not any(unicodedata.category(c).startswith("C") for c in name)
    )


def apply(members: dict[str, Member], event: Event) -> None:
    """Fold one roster event into `members`; events of other kinds are ignored."""
    learner = event.learner
    if learner is None or event.type not in _FOLDS:
        return
    current = members.get(learner) or Member(learner)
    # Two devices can issue the same clock stamp; the event id breaks the tie the same
    # way everywhere.  Stamps have a fixed width, so text order is time order.
    stamp = f"{event.hlc} {event.id}"
    folded = _FOLDS[event.type](current, event.data, stamp)
    if folded is not None:
        members[learner] = folded


def _fold_added(m: Member, data: Mapping[str, Any], hlc: str) -> Member | None:
    name, grade = data.get("name"), data.get("grade", "")
    role, source = data.get("role", "learner"), data.get("source", "")
    if not (is_valid_name(name) and isinstance(grade, str) and len(grade) <= 20
            and role in ROLES and isinstance(source, str) and len(source) <= 256):
        return None
    m = replace(m, added=True)
    if hlc > m.named_at:
        m = replace(m, name=name, named_at=hlc)
    if hlc > m.profile_at:
        m = replace(m, grade=grade, role=role, source=source, profile_at=hlc)
    return m


def _fold_renamed(m: Member, data: Mapping[str, Any], hlc: str) -> Member | None:
    name = data.get("name")
    if not is_valid_name(name) or hlc <= m.named_at:
        return None
    return replace(m, name=name, named_at=hlc)


def _fold_status(deactivated: bool) -> Callable[[Member, Mapping[str, Any], str], Member | None]:
    def fold(m: Member, data: Mapping[str, Any], hlc: str) -> Member | None:
        if hlc <= m.status_at:
            return None
        return replace(m, deactivated=deactivated, status_at=hlc)
    return fold


def _fold_badge(m: Member, data: Mapping[str, Any], hlc: str) -> Member | None:
    # The serial only grows, so a replaced badge never becomes valid again, whatever
    # order two stations' replacements arrive in.
    serial = data.get("serial")
    if type(serial) is not int or not 1 <= serial <= MAX_SERIAL or serial <= m.badge_serial:
        return None
    return replace(m, badge_serial=serial)


def _fold_pin(m: Member, data: Mapping[str, Any], hlc: str) -> Member | None:
    stored = data.get("hash")
    if not (isinstance(stored, str) and _parse_pin_hash(stored)) or hlc <= m.pin_at:
        return None
    return replace(m, pin_hash=stored, pin_at=hlc)


_FOLDS: Mapping[str, Callable[[Member, Mapping[str, Any], str], Member | None]] = {
    LEARNER_ADDED: _fold_added,
    LEARNER_RENAMED: _fold_renamed,
    LEARNER_DEACTIVATED: _fold_status(True),
    LEARNER_REACTIVATED: _fold_status(False),
    BADGE_REPLACED: _fold_badge,
    PIN_CHANGED: _fold_pin,
}


# -- teacher PINs -----------------------------------------------------------------


def new_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """The stored form of a PIN: `scrypt$N$r$p$salt$hash`, salt and hash in base64."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P,
                            dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_pin(member: Member, pin: str) -> bool:
    """True when `pin` is the member's PIN; the comparison takes constant time."""
    parsed = _parse_pin_hash(member.pin_hash)
    if parsed is None:
        return False
    n, r, p, salt, expected = parsed
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected))
    return hmac.compare_digest(digest, expected)


def pin_changed(pin: str) -> tuple[str, Mapping[str, Any]]:
    if not (len(pin) >= 4 and len(pin) <= 12 and pin.isascii() and pin.isdigit()):
        raise RosterError("A PIN is 4 to 12 digits.")
    return PIN_CHANGED, {"hash": hash_pin(pin)}


def _parse_pin_hash(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or not all(p.isdigit() for p in parts[1:4]):
        return None
    n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
    # Bounds keep a hash that came in by sync from making a check take minutes.
    if not (2 <= n <= 2**17 and n & (n - 1) == 0 and 1 <= r <= 16 and 1 <= p <= 4):
        return None
    try:
        salt = base64.b64decode(parts[4], validate=True)
        digest = base64.b64decode(parts[5], validate=True)
    except ValueError:
        return None
    if not (8 <= len(salt) <= 64 and 16 <= len(digest) <= 64):
        return None
    return n, r, p, salt, digest


# -- roster files -------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    """One person in a roster file, whatever its format."""

    line: int
    name: str
    grade: str
    role: str
    source: str = ""
    active: bool = True


@dataclass(frozen=True)
class RosterFile:
    format: str  # "oneroster" or "plain"
    rows: tuple[RosterRow, ...]
    skipped: tuple[str, ...] = ()


_ONEROSTER_ROLES = {"student": "learner", "teacher": "teacher", "administrator": "teacher",
                    "aide": "teacher"}
_PLAIN_ROLES = {"": "learner", "learner": "learner", "student": "learner", "teacher": "teacher"}


def read_roster_file(data: bytes) -> RosterFile:
    """Read a OneRoster `users.csv` or a plain `name,grade[,role]` CSV.

    Columns are found by the header, never by position; other columns are ignored.
    Raises RosterError naming the first problem; nothing is half-read.
    """
    if len(data) > MAX_ROSTER_BYTES:
        raise RosterError(f"The roster file is larger than {MAX_ROSTER_BYTES // 2**20} MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(
            "The roster file is not UTF-8 text; export it again as UTF-8 CSV.") from None
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        raise RosterError(f"The roster file is not valid CSV ({error}).") from None
    records = [r for r in records if any(cell.strip() for cell in r)]
    if not records:
        raise RosterError("The roster file is empty.")
    if len(records) > MAX_ROSTER_ROWS + 1:
        raise RosterError(f"The roster file has more than {MAX_ROSTER_ROWS} rows.")
    header = [h.strip() for h in records[0]]
    lower = [h.lower() for h in header]
    if "sourcedid" in lower:
        return _read_oneroster(lower, records[1:])
    if "name" in lower:
        return _read_plain(lower, records[1:])
    raise RosterError(
        "The roster file's first line must be a header: OneRoster users.csv columns "
        "(sourcedId, givenName, familyName, role, grades) or name,grade[,role]."
    )


def _columns(header: list[str], required: Sequence[str]) -> dict[str, int]:
    """Column index by lower-case name (the first column of a name wins)."""
    missing = [c for c in required if c.lower() not in header]
    if missing:
        raise RosterError(f"The roster file has no {', '.join(missing)} column.")
    return {name: i for i, name in reversed(list(enumerate(header)))}


def _cells(columns: Mapping[str, int], record: list[str]) -> dict[str, str]:
    return {name: record[i].strip() if i < len(record) else "" for name, i in columns.items()}


def _read_oneroster(header: list[str], records: list[list[str]]) -> RosterFile:
    columns = _columns(header, ("sourcedId", "givenName", "familyName"))
    rows, skipped, seen = [], [], set()
    for number, record in enumerate(records, start=2):
        cell = _cells(columns, record)
        source = cell["sourcedid"]
        if not source or len(source) > 256:
            raise RosterError(f"Row {number} has an empty or overlong sourcedId.")
        if source in seen:
            raise RosterError(f"Row {number} repeats sourcedId {source}.")
        seen.add(source)
        # OneRoster 1.2 moved roles to roles.csv; a users.csv without one lists students.
        role_text = cell.get("role", "").lower() or "student"
        role = _ONEROSTER_ROLES.get(role_text)
        if role is None:
            skipped.append(f"Row {number}: role {role_text!r} has no place at a station.")
            continue
        given = cell.get("preferredgivenname") or cell["givenname"]
        name = " ".join(part for part in (given, cell["familyname"]) if part)
        active = (cell.get("status", "").lower() != "tobedeleted"
                  and cell.get("enableduser", "").lower() != "false")
        if active and not is_valid_name(name):
            raise RosterError(f"Row {number} has no usable name (1 to {MAX_NAME} characters).")
        grade = _grade(cell.get("grades", ""), number)
        rows.append(RosterRow(number, name, grade, role, source, active))
    return RosterFile("oneroster", tuple(rows), tuple(skipped))


def _read_plain(header: list[str], records: list[list[str]]) -> RosterFile:
    columns = _columns(header, ("name", "grade"))
    rows, names = [], set()
    for number, record in enumerate(records, start=2):
        cell = _cells(columns, record)
        name = " ".join(cell["name"].split())
        if not is_valid_name(name):
            raise RosterError(f"Row {number} has no usable name (1 to {MAX_NAME} characters).")
        if name.casefold() in names:
            raise RosterError(
                f"Row {number} repeats the name {name}; tell the two apart, with an initial say.")
        names.add(name.casefold())
        role = _PLAIN_ROLES.get(cell.get("role", "").lower())
        if role is None:
            raise RosterError(f"Row {number} has role {cell['role']!r}; use learner or teacher.")
        rows.append(RosterRow(number, name, _grade(cell["grade"], number), role))
    return RosterFile("plain", tuple(rows))


def _grade(text: str, number: int) -> str:
    """The first grade listed, with zero padding taken off ("04,05" → "4")."""
    first = text.split(",")[0].strip()
    if first.isascii() and first.isdigit():
        first = str(int(first))
    if len(first) > 20:
        raise RosterError(f"Row {number} has a grade longer than 20 characters.")
    return first


# -- importing ------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportPlan:
    """The events that bring the roster in line with a file, and what they mean."""

    records: tuple[tuple[str, str, Mapping[str, Any]], ...]
    added: tuple[str, ...] = ()
    renamed: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    deactivated: tuple[str, ...] = ()
    reactivated: tuple[str, ...] = ()
    unchanged: int = 0
    skipped: tuple[str, ...] = ()
    pins: Mapping[str, str] = field(default_factory=dict)  # learner id → PIN, shown once


def plan_import(
    roster: RosterFile,
    members: Mapping[str, Member],
    rng: random.Random,
    make_pin: Callable[[], str] = new_pin,
) -> ImportPlan:
    """Decide, without writing anything, which events importing `roster` takes."""
    by_source = {m.source: m for m in members.values() if m.source and m.added}
    by_name = {m.name.casefold(): m for m in members.values() if m.active}
    records: list[tuple[str, str, Mapping[str, Any]]] = []
    out: dict[str, list[str]] = {k: [] for k in ("added", "renamed", "updated", "deactivated",
                                                   "reactivated", "skipped")}
    pins: dict[str, str] = {}
    taken = set(members)
    unchanged = 0
    for row in roster.rows:
        existing = by_source.get(row.source) if row.source else by_name.get(row.name.casefold())
        if existing is None:
            if not row.active:
                out["skipped"].append(f"Row {row.line}: {row.name or row.source} is to be "
                                      "deleted and was never on this roster.")
                continue
            learner = _fresh_id(rng, taken)
            records.append((learner, *added(row.name, row.grade, row.role, row.source)))
            if row.role == "teacher":
                pins[learner] = make_pin()
                records.append((learner, *pin_changed(pins[learner])))
            out["added"].append(learner)
            continue
        changes = _changes(existing, row)
        if row.active and row.role == "teacher" and not existing.pin_hash:
            pins[existing.id] = make_pin()  # a learner who became a teacher needs a PIN
            changes.append((existing.id, *pin_changed(pins[existing.id])))
        records.extend(changes)
        for learner, kind, _ in changes:
            if kind in _CHANGE_LABELS:
                out[_CHANGE_LABELS[kind]].append(learner)
        unchanged += not changes
    return ImportPlan(
        records=tuple(records), added=tuple(out["added"]), renamed=tuple(out["renamed"]),
        updated=tuple(out["updated"]), deactivated=tuple(out["deactivated"]),
        reactivated=tuple(out["reactivated"]), unchanged=unchanged,
        skipped=roster.skipped + tuple(out["skipped"]), pins=pins,
    )


_CHANGE_LABELS = {LEARNER_ADDED: "updated", LEARNER_RENAMED: "renamed",
                  LEARNER_DEACTIVATED: "deactivated", LEARNER_REACTIVATED: "reactivated"}


def _changes(m: Member, row: RosterRow) -> list[tuple[str, str, Mapping[str, Any]]]:
    changes: list[tuple[str, str, Mapping[str, Any]]] = []
    if not row.active:
        if m.active:
            changes.append((m.id, LEARNER_DEACTIVATED, {}))
        return changes
    if (row.grade, row.role) != (m.grade, m.role):
        changes.append((m.id, *added(row.name, row.grade, row.role, m.source)))
    elif row.name != m.name:
        changes.append((m.id, LEARNER_RENAMED, {"name": row.name}))
    if m.deactivated:
        changes.append((m.id, LEARNER_REACTIVATED, {}))
    return changes


def _fresh_id(rng: random.Random, taken: set[str]) -> str:
    while (learner := new_learner_id(rng)) in taken:
        pass
    taken.add(learner)
    return learner


# -- the roster of a station ----------------------------------------------------------


def members_of(station: Station) -> dict[str, Member]:
    """Every member the station knows, active or not, by id."""
    station.state.refresh(station.journal)
    return {s.member.id: s.member for s in station.state.learners(include_inactive=True)}


def find_member(station: Station, key: str) -> Member:
    """The member with id `key`, or the one active member with that exact name."""
    members = members_of(station)
    if key in members and members[key].added:
        return members[key]
    named = [m for m in members.values() if m.active and m.name.casefold() == key.casefold()]
    if len(named) == 1:
        return named[0]
    if named:
        raise RosterError(f"{len(named)} learners are called {key}; give the learner id instead.")
    raise RosterError(f"There is no learner {key!r} on this roster; `pathstone roster list` "
                      "shows the ids.")


def import_roster(station: Station, data: bytes, rng: random.Random | None = None) -> ImportPlan:
    """Read a roster file and record its changes in one durable write."""
    plan = plan_import(read_roster_file(data), members_of(station), rng or random.SystemRandom())
    record_all(station, plan.records)
    return plan


def change_pin(station: Station, key: str, pin: str | None = None) -> tuple[Member, str]:
    """Give a teacher a new PIN (a random one unless given); returns it to show once."""
    member = find_member(station, key)
    if member.role != "teacher":
        raise RosterError(f"{member.name} is not a teacher; only teachers have a PIN.")
    pin = pin if pin is not None else new_pin()
    record_all(station, [(member.id, *pin_changed(pin))])
    return member, pin


def record_all(station: Station, records: Iterable[tuple[str, str, Mapping[str, Any]]]) -> None:
    records = list(records)
    if records:
        station.journal.append_many(records)
        station.state.refresh(station.journal)
