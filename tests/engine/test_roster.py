"""Roster files, the roster fold and teacher PINs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from engine import roster
from engine.event import Event
from engine.roster import Member, RosterError
from engine.station import Station

# A OneRoster 1.1 export as school information systems write them: byte-order mark,
# CRLF, quoted fields (one holding JSON and commas), an extension column, columns in
# an order of their own, TRUE/true, and a guardian who has no place at a station.
ONEROSTER = (
    "\ufeffsourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
    "userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,"
    "grades,password,metadata.ext.nickname\r\n"
    'u-1,active,2024-08-01T00:00:00Z,TRUE,org-1,student,amina,"{""type"":""SIS"",""id"":1}",'
    'Amina,Bello,,1001,,,,,"04",,Mina\r\n'
    'u-2,active,2024-08-01T00:00:00Z,true,org-1,student,bao,,"Bao, Jr.",Chen,,1002,,,,,05,,\r\n'
    "u-3,active,2024-08-01T00:00:00Z,TRUE,org-1,teacher,dube,,Nomsa,Dube,,,,,,,,,\r\n"
    "u-4,active,2024-08-01T00:00:00Z,TRUE,org-1,guardian,mrbello,,Ade,Bello,,,,,,u-1,,,\r\n"
    "u-5,tobedeleted,2024-08-01T00:00:00Z,TRUE,org-1,student,gone,,Gone,Away,,,,,,,04,,\r\n"
).encode()


def by_name(station: Station) -> dict[str, Member]:
    return {m.name: m for m in roster.members_of(station).values()}


def test_a_oneroster_export_is_read_by_its_header(station: Station) -> None:
    plan = roster.import_roster(station, ONEROSTER, random.Random(1))
    members = by_name(station)
    assert sorted(members) == ["Amina Bello", "Bao, Jr. Chen", "Nomsa Dube"]
    assert members["Amina Bello"].grade == "4" and members["Amina Bello"].source == "u-1"
    assert members["Nomsa Dube"].role == "teacher"
    assert len(plan.added) == 3
    assert any("guardian" in note for note in plan.skipped)
    assert any("u-5" in note or "Gone" in note for note in plan.skipped)
    # The same file again changes nothing.
    count = station.journal.count()
    again = roster.import_roster(station, ONEROSTER)
    assert again.unchanged == 3 and not again.records and station.journal.count() == count


def test_reimport_renames_regrades_deactivates_and_reactivates(station: Station) -> None:
    roster.import_roster(station, ONEROSTER)
    ids = {m.source: m.id for m in roster.members_of(station).values()}
    changed = (ONEROSTER.decode("utf-8-sig")
               .replace("Amina,Bello", "Aminata,Bello")
               .replace('"Bao, Jr.",Chen,,1002,,,,,05', '"Bao, Jr.",Chen,,1002,,,,,06')
               .replace("u-3,active", "u-3,tobedeleted")).encode()
    plan = roster.import_roster(station, changed)
    assert plan.renamed == (ids["u-1"],) and plan.updated == (ids["u-2"],)
    assert plan.deactivated == (ids["u-3"],)
    members = roster.members_of(station)
    assert members[ids["u-1"]].name == "Aminata Bello"
    assert members[ids["u-2"]].grade == "6"
    assert not members[ids["u-3"]].active
    plan = roster.import_roster(station, changed.replace(b"u-3,tobedeleted", b"u-3,active"))
    assert plan.reactivated == (ids["u-3"],) and roster.members_of(station)[ids["u-3"]].active


def test_oneroster_1_2_without_a_role_column_and_disabled_users() -> None:
    text = ("givenName,familyName,sourcedId,enabledUser,grades\n"
            "Ana,Lima,x1,FALSE,3\nBo,Li,x2,TRUE,KG\n")
    rows = roster.read_roster_file(text.encode()).rows
    assert [(r.name, r.role, r.active, r.grade) for r in rows] == [
        ("Ana Lima", "learner", False, "3"), ("Bo Li", "learner", True, "KG")]


def test_a_plain_csv_with_and_without_roles(station: Station) -> None:
    plan = roster.import_roster(station, b"Grade,Name\r\n3,Kofi\r\n4,  Lena   M. \r\n")
    assert sorted(by_name(station)) == ["Kofi", "Lena M."]
    assert not plan.pins
    plan = roster.import_roster(station, b"name,grade,role\nKofi,3,\nMs Rao,,teacher\n")
    assert len(plan.added) == 1 and plan.unchanged == 1 and len(plan.pins) == 1


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"\xff\xfename,grade\n", "not UTF-8"),
    (b"first,last\nA,B\n", "header"),
    (b"name,grade\nAmina,4\namina,4\n", "repeats the name"),
    (b"name,grade\n,4\n", "no usable name"),
    (b"name,grade,role\nAmina,4,parent\n", "role"),
    (b'name,grade\n"Amina,4\n', "not valid CSV"),
    (b"sourcedId,givenName\nu1,A\n", "familyName"),
    (b"sourcedId,givenName,familyName\nu1,A,B\nu1,C,D\n", "repeats sourcedId"),
    (b"name,grade\nA\x07mina,4\n", "no usable name"),
])
def test_a_bad_roster_file_changes_nothing(station: Station, data: bytes, message: str) -> None:
    roster.import_roster(station, b"name,grade\nZola,4\n")
    count = station.journal.count()
    with pytest.raises(RosterError, match=message) as caught:
        roster.import_roster(station, data)
    assert str(caught.value).endswith(".") and "\n" not in str(caught.value)
    assert station.journal.count() == count


def test_teacher_pins_are_stored_salted_and_hashed_never_in_the_clear(station: Station) -> None:
    plan = roster.import_roster(station, ONEROSTER)
    (teacher, pin), = plan.pins.items()
    assert len(pin) == roster.PIN_DIGITS and pin.isdigit()
    member = roster.members_of(station)[teacher]
    assert roster.check_pin(member, pin)
    assert not roster.check_pin(member, "000000" if pin != "000000" else "111111")
    journal_bytes = b"".join(p.read_bytes() for p in (station.home / "journal").glob("*.jsonl"))
    assert pin.encode() not in journal_bytes.replace(member.pin_hash.encode(), b"")
    assert roster.hash_pin(pin) != roster.hash_pin(pin)  # salted
    changed, new = roster.change_pin(station, teacher, "4321")
    member = roster.members_of(station)[teacher]
    assert new == "4321" and roster.check_pin(member, "4321") and not roster.check_pin(member, pin)
    with pytest.raises(RosterError, match="4 to 12 digits"):
        roster.change_pin(station, teacher, "12a4")
    learner = next(m for m in roster.members_of(station).values() if m.role == "learner")
    with pytest.raises(RosterError, match="not a teacher"):
        roster.change_pin(station, learner.id, "1234")
    assert not roster.check_pin(learner, "")


def _event(seq: int, learner: str | None, kind: str, data: dict[str, object]) -> Event:
    stamp = f"{1_700_000_000_000 + seq:013d}-00000000"
    return Event(f"o:{seq}", "o", seq, stamp, learner, kind, data)


HISTORY = [
    _event(1, "la", "learner_added", {"name": "Ana", "grade": "3", "role": "learner"}),
    _event(2, "la", "learner_renamed", {"name": "Ana Lima"}),
    _event(3, "la", "badge_replaced", {"serial": 2}),
    _event(4, "la", "learner_deactivated", {}),
    _event(5, "la", "badge_replaced", {"serial": 3}),
    _event(6, "la", "learner_reactivated", {}),
    _event(7, "la", "learner_added", {"name": "Ana L.", "grade": "4", "role": "learner"}),
    _event(8, "la", "learner_renamed", {"name": "Ana Lima"}),
    _event(9, "lb", "learner_renamed", {"name": "Before Added"}),
    _event(10, "lb", "pin_changed", {"hash": roster.hash_pin("1234")}),
    _event(11, "lb", "learner_added", {"name": "Bea", "grade": "", "role": "teacher"}),
]


def test_the_fold_gives_the_same_roster_in_any_order() -> None:
    expected: dict[str, Member] = {}
    for event in HISTORY:
        roster.apply(expected, event)
    assert expected["la"].name == "Ana Lima" and expected["la"].grade == "4"
    assert expected["la"].badge_serial == 3 and expected["la"].active
    assert expected["lb"].name == "Bea" and roster.check_pin(expected["lb"], "1234")
    rng = random.Random(7)
    for _ in range(30):
        shuffled = rng.sample(HISTORY, len(HISTORY))
        members: dict[str, Member] = {}
        for event in shuffled:
            roster.apply(members, event)
        assert members == expected


def test_equal_clock_stamps_from_two_devices_resolve_the_same_everywhere() -> None:
    stamp = "1700000000000-00000005"
    add = Event("a:1", "a", 1, "1700000000000-00000001", "lc", "learner_added",
                {"name": "Cy", "grade": "2", "role": "learner"})
    one = Event("a:2", "a", 2, stamp, "lc", "learner_renamed", {"name": "From A"})
    two = Event("b:1", "b", 1, stamp, "lc", "learner_renamed", {"name": "From B"})
    results = []
    for order in ([add, one, two], [two, add, one], [one, two, add]):
        members: dict[str, Member] = {}
        for event in order:
            roster.apply(members, event)
        results.append(members["lc"])
    assert results[0] == results[1] == results[2] and results[0].name == "From B"


def test_a_learner_who_becomes_a_teacher_gets_a_pin(station: Station) -> None:
    roster.import_roster(station, b"name,grade,role\nKim,5,learner\n")
    plan = roster.import_roster(station, b"name,grade,role\nKim,5,teacher\n")
    (teacher, pin), = plan.pins.items()
    assert plan.updated == (teacher,)
    assert roster.check_pin(roster.members_of(station)[teacher], pin)


def test_a_change_before_its_learner_added_is_not_yet_a_member() -> None:
    members: dict[str, Member] = {}
    roster.apply(members, HISTORY[8])
    assert not members["lb"].active and not members["lb"].added


@pytest.mark.parametrize("kind, data", [
    ("learner_added", {"name": "", "grade": "3"}),
    ("learner_added", {"name": "A", "grade": 3}),
    ("learner_added", {"name": "A", "grade": "3", "role": "admin"}),
    ("learner_added", {"name": "x" * 81, "grade": "3"}),
    ("learner_renamed", {"name": ["A"]}),
    ("badge_replaced", {"serial": "9"}),
    ("badge_replaced", {"serial": 10**9}),
    ("badge_replaced", {"serial": True}),
    ("pin_changed", {"hash": "plain1234"}),
    ("pin_changed", {"hash": "scrypt$1048576$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA=="}),
])
def test_malformed_roster_events_are_ignored(kind: str, data: dict[str, object]) -> None:
    members: dict[str, Member] = {}
    roster.apply(members, HISTORY[0])
    before = dict(members)
    roster.apply(members, _event(20, "la", kind, data))
    assert members == before


def test_a_station_keeps_the_roster_across_a_rebuilt_cache(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Station.init(home, "Hillside Primary") as station:
        roster.import_roster(station, ONEROSTER)
        expected = roster.members_of(station)
    (home / "state.json").unlink()
    with Station.open(home) as reopened:
        assert roster.members_of(reopened) == expected
