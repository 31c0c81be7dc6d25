"""Roster changes made at the district reach a school's stations by network and by stick."""

from __future__ import annotations

from pathlib import Path

from engine.station import Station
from engine.sync.net import NetOptions, sync_net
from engine.sync.usb import sync_usb
from tests.conftest import run_cli
from tests.district.helpers import add_school, enrolled, running, token_of


def _names(home: Path) -> list[str]:
    with Station.open(home) as station:
        return [s.member.name for s in station.state.learners()]


def test_a_learner_added_at_the_district_reaches_stations_by_net_and_by_stick(tmp_path):
    data = tmp_path / "district"
    school = add_school(data)
    a, b = enrolled(data, school, tmp_path / "a"), enrolled(data, school, tmp_path / "b")
    csv = tmp_path / "users.csv"
    csv.write_text("sourcedId,givenName,familyName,role,grades\nu1,Ada,Lovelace,student,04\n")
    result = run_cli("district", "roster", "import", str(csv), "--school", school, "--data", str(data))
    assert result.code == 0 and result.out.startswith("1 added"), result.err
    again = run_cli("district", "roster", "import", str(csv), "--school", school, "--data", str(data))
    assert "0 added" in again.out and "1 unchanged" in again.out
    with running(data) as server, Station.open(a) as station:
        sync_net(station, server.url, token_of(a), NetOptions(backoff=0.01))
    assert _names(a) == ["Ada Lovelace"]
    stick = tmp_path / "stick" / "pathstone"
    stick.mkdir(parents=True)
    out = run_cli("district", "export-bundle", "--school", school, "-o",
                  str(stick / "district.psbundle"), "--data", str(data))
    assert out.code == 0, out.err
    assert _names(b) == []
    with Station.open(b) as station:
        sync_usb(station, tmp_path / "stick")
    assert _names(b) == ["Ada Lovelace"]


def test_a_bad_roster_file_changes_nothing_at_the_district(tmp_path):
    data = tmp_path / "district"
    school = add_school(data)
    csv = tmp_path / "users.csv"
    csv.write_text("name,grade\nAda,4\nada,5\n")
    result = run_cli("district", "roster", "import", str(csv), "--school", school, "--data", str(data))
    assert result.code == 2 and "repeats the name" in result.err and result.err.count("\n") == 1
    export = run_cli("district", "export-bundle", "--school", school, "-o", str(tmp_path / "x"),
                     "--data", str(data))
    assert export.out.startswith("Wrote 0 events")
    unknown = run_cli("district", "roster", "import", str(csv), "--school", "scnope", "--data", str(data))
    assert unknown.code == 2 and "no school" in unknown.err
