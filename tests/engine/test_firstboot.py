"""Finding the enrolment file on first boot: boot partition, stick, none, bad, both."""

from __future__ import annotations

from pathlib import Path

from engine.firstboot import try_enrol
from engine.places import FILE_NAME, Places
from engine.station import Station, is_station
from engine.sync.enrolment import Enrolment, write_enrolment


def enrolment_at(path: Path, school: str = "Hillside Primary") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_enrolment(path, Enrolment("hill", school, b"k" * 32, None, None))
    return path


def stick(places: Places, name: str) -> Path:
    return places.sticks / name / FILE_NAME


def test_a_stick_enrols_and_its_copy_is_left_with_a_request(tmp_path: Path) -> None:
    places, home = Places(tmp_path / "root"), tmp_path / "home"
    copy = enrolment_at(stick(places, "KINGSTON"))
    outcome = try_enrol(home, places)
    assert outcome is not None and outcome.enrolled
    assert "Delete pathstone-enrol.json from the USB stick" in outcome.message
    assert copy.exists()
    with Station.open(home) as station:
        assert station.identity.school_id == "hill"


def test_the_boot_partition_enrols_and_its_copy_is_deleted(tmp_path: Path) -> None:
    places, home = Places(tmp_path / "root"), tmp_path / "home"
    home.mkdir()  # as on the image: /data/station is there, empty
    copy = enrolment_at(places.boot)
    outcome = try_enrol(home, places)
    assert outcome is not None and outcome.enrolled
    assert "/boot/firmware/pathstone-enrol.json has been deleted" in outcome.message
    assert not copy.exists() and is_station(home)


def test_nothing_found_gives_none_and_makes_nothing(tmp_path: Path) -> None:
    places, home = Places(tmp_path / "root"), tmp_path / "home"
    (places.sticks / "EMPTY").mkdir(parents=True)
    assert try_enrol(home, places) is None
    assert not home.exists()


def test_a_bad_file_gives_one_sentence_and_changes_nothing(tmp_path: Path) -> None:
    places, home = Places(tmp_path / "root"), tmp_path / "home"
    bad = stick(places, "STICK")
    bad.parent.mkdir(parents=True)
    bad.write_text('{"kind": "pathstone-enrolment"}')
    outcome = try_enrol(home, places)
    assert outcome is not None and not outcome.enrolled
    assert outcome.message == "pathstone-enrol.json is not a valid Pathstone enrolment file."
    assert not home.exists() and bad.exists()


def test_the_boot_partition_wins_over_a_stick(tmp_path: Path) -> None:
    places, home = Places(tmp_path / "root"), tmp_path / "home"
    enrolment_at(stick(places, "A"), school="From the stick")
    enrolment_at(places.boot, school="From the boot partition")
    outcome = try_enrol(home, places)
    assert outcome is not None and "From the boot partition" in outcome.message
    with Station.open(home) as station:
        assert station.identity.school_name == "From the boot partition"


def test_sticks_are_taken_in_the_order_of_their_names(tmp_path: Path) -> None:
    places = Places(tmp_path / "root")
    second, first = stick(places, "B"), stick(places, "A")
    enrolment_at(second)
    enrolment_at(first)
    assert places.candidates() == [first, second]


def test_a_bad_file_on_the_boot_partition_does_not_hide_a_good_stick(tmp_path: Path) -> None:
    places, home = Places(tmp_path / "root"), tmp_path / "home"
    places.boot.parent.mkdir(parents=True)
    places.boot.write_text("stale")
    enrolment_at(stick(places, "A"), school="From the stick")
    outcome = try_enrol(home, places)
    assert outcome is not None and outcome.enrolled and "From the stick" in outcome.message
