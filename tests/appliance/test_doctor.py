"""`pathstone doctor`: every verdict of every check, and the exit code that sums them up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine import doctor
from engine.clock import HLC
from engine.doctor import Finding, Probe, Verdict
from engine.station import Station
from engine.sync import peers
from tests.conftest import run_cli

GB = 1024**3


def _probe(**changes: object) -> Probe:
    """A machine with plenty of room, a set clock and every unit as it should be."""
    defaults: dict[str, object] = {
        "wall_ms": lambda: 1_800_000_000_000,
        "disk_usage": lambda path: (32 * GB, 2 * GB, 30 * GB),
        "unit_state": lambda unit: "inactive" if unit.endswith("sync.service") else "active",
        "euid": os.geteuid,
    }
    return Probe(**{**defaults, **changes})  # type: ignore[arg-type]


def _by_check(findings: list[Finding]) -> dict[str, Finding]:
    return {f.check: f for f in findings}


@pytest.fixture
def well_home(home: Path) -> Path:
    (home / "packs" / "maths-4").mkdir(parents=True)
    with Station.open(home) as station:
        station.change_setting("class_name", "Class 4B")
    return home


def test_a_well_station_needs_no_attention(well_home: Path) -> None:
    findings = doctor.examine(well_home, _probe())
    assert [f.check for f in findings if f.verdict is Verdict.ATTENTION] == []
    assert not doctor.needs_attention(findings)
    found = _by_check(findings)
    assert found["journal"].detail.startswith("1 events from 1 station(s), no problems")
    assert found["packs"].detail == "1 installed: maths-4"
    assert found["free space"].detail == "30.0 GB free of 32.0 GB"
    assert found["last sync"].verdict is Verdict.UNKNOWN and found["last sync"].detail.startswith("never")


@pytest.mark.parametrize(("days_ago", "verdict"), [(2, Verdict.OK), (45, Verdict.ATTENTION)])
def test_the_last_sync_is_when_a_peer_last_acknowledged(
    well_home: Path, days_ago: int, verdict: Verdict
) -> None:
    peers.record(well_home, "district", {"st1": 3})
    now = (well_home / "sync" / "peers.json").stat().st_mtime_ns // 1_000_000 + days_ago * 86_400_000
    found = _by_check(doctor.examine(well_home, _probe(wall_ms=lambda: now)))["last sync"]
    assert found.verdict is verdict
    assert f"{days_ago} day" in found.detail


def test_a_damaged_journal_line_needs_attention(well_home: Path) -> None:
    segment = well_home / "journal" / "00000001.jsonl"
    segment.write_bytes(segment.read_bytes().replace(b"Class 4B", b"Class 4C", 1))
    found = _by_check(doctor.examine(well_home, _probe()))["journal"]
    assert found.verdict is Verdict.ATTENTION and "00000001.jsonl line 1" in found.detail


@pytest.mark.parametrize("total, free, verdict", [
    (32 * GB, 30 * GB, Verdict.OK),
    (32 * GB, 100 * 1024**2, Verdict.ATTENTION),  # under 200 MB
    (32 * GB, 1 * GB, Verdict.ATTENTION),  # under 5 %
    (2 * GB, 300 * 1024**2, Verdict.OK),
])
def test_free_space(well_home: Path, total: int, free: int, verdict: Verdict) -> None:
    probe = _probe(disk_usage=lambda path: (total, total - free, free))
    assert _by_check(doctor.examine(well_home, probe))["free space"].verdict is verdict


def test_free_space_is_measured_on_the_disk_of_a_home_not_made_yet(tmp_path: Path) -> None:
    seen: list[Path] = []

    def disk_usage(path: Path) -> tuple[int, int, int]:
        seen.append(path)
        return 32 * GB, 0, 30 * GB

    probe = _probe(disk_usage=disk_usage)
    doctor.examine(tmp_path / "not" / "yet", probe)
    assert seen == [tmp_path]


def test_a_clock_behind_the_journal_went_back(well_home: Path) -> None:
    with Station.open(well_home) as station:
        last = station.journal.last_hlc().wall_ms
    behind = _by_check(doctor.examine(well_home, _probe(wall_ms=lambda: last - 60_000)))["clock"]
    assert behind.verdict is Verdict.ATTENTION and "went back" in behind.detail
    ahead = _by_check(doctor.examine(well_home, _probe(wall_ms=lambda: last + 60_000)))["clock"]
    assert ahead.verdict is Verdict.OK


def test_a_clock_in_1970_was_never_set() -> None:
    found = doctor.check_clock(HLC(0, 0), _probe(wall_ms=lambda: 30_000))
    assert found.verdict is Verdict.ATTENTION and "1970-01-01" in found.detail


def test_scanner_verdicts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = tmp_path / "qrscanner"
    assert doctor.check_scanner("").verdict is Verdict.UNKNOWN
    missing = doctor.check_scanner(str(port))
    assert missing.verdict is Verdict.ATTENTION and "plug the scanner in" in missing.detail
    port.touch()
    assert doctor.check_scanner(str(port)).verdict is Verdict.OK
    # Root may open anything, so the refusal a kiosk user would get is simulated.
    monkeypatch.setattr("engine.doctor.os.access", lambda path, mode: False)
    refused = doctor.check_scanner(str(port))
    assert refused.verdict is Verdict.ATTENTION and "dialout" in refused.detail


def test_the_scanner_port_setting_is_what_is_checked(well_home: Path) -> None:
    with Station.open(well_home) as station:
        station.change_setting("scanner_port", str(well_home / "no-such-tty"))
    found = _by_check(doctor.examine(well_home, _probe()))["scanner"]
    assert found.verdict is Verdict.ATTENTION and "no-such-tty" in found.detail


def test_packs_none_some_and_broken(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    assert doctor.check_packs(packs).verdict is Verdict.ATTENTION
    packs.mkdir()
    (packs / ".store").mkdir()  # the store's own files are not packs
    assert doctor.check_packs(packs).verdict is Verdict.ATTENTION
    (packs / ".store" / "reading@1").mkdir()
    (packs / "reading").symlink_to(".store/reading@1")
    (packs / "maths").mkdir()
    assert doctor.check_packs(packs) == Finding("packs", Verdict.OK, "2 installed: maths, reading")
    (packs / "science").symlink_to(".store/science@3")
    broken = doctor.check_packs(packs)
    assert broken.verdict is Verdict.ATTENTION and broken.detail.endswith("science")


@pytest.mark.parametrize("states, verdicts", [
    ({}, [Verdict.OK, Verdict.OK, Verdict.OK]),
    ({"pathstone-kiosk.service": "activating"}, [Verdict.ATTENTION, Verdict.OK, Verdict.OK]),
    ({"pathstone-sync.timer": "inactive"}, [Verdict.OK, Verdict.ATTENTION, Verdict.OK]),
    ({"pathstone-sync.service": "failed"}, [Verdict.OK, Verdict.OK, Verdict.ATTENTION]),
])
def test_units(states: dict[str, str], verdicts: list[Verdict]) -> None:
    usual = {"pathstone-kiosk.service": "active", "pathstone-sync.timer": "active",
             "pathstone-sync.service": "inactive"}
    findings = doctor.check_units(_probe(unit_state=lambda unit: {**usual, **states}[unit]))
    assert [f.verdict for f in findings] == verdicts
    assert all("journalctl" in f.detail for f in findings if f.verdict is Verdict.ATTENTION)


def test_without_systemd_the_units_are_not_judged() -> None:
    findings = doctor.check_units(_probe(unit_state=lambda unit: None))
    assert {f.verdict for f in findings} == {Verdict.UNKNOWN}


def test_a_folder_that_is_not_a_station(tmp_path: Path) -> None:
    found = _by_check(doctor.examine(tmp_path, _probe()))
    assert found["station"].verdict is Verdict.ATTENTION and "not a Pathstone station" in found["station"].detail
    assert "journal" not in found and "free space" in found


def test_another_users_station_is_not_opened(well_home: Path) -> None:
    before = sorted(p.name for p in (well_home / "journal").iterdir())
    found = _by_check(doctor.examine(well_home, _probe(euid=lambda: os.geteuid() + 1)))
    assert found["station"].verdict is Verdict.ATTENTION and "sudo -u pathstone" in found["station"].detail
    assert "journal" not in found
    assert sorted(p.name for p in (well_home / "journal").iterdir()) == before


# -- the command ------------------------------------------------------------------


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """`pathstone doctor` on the test machine, with disk and units as in `_probe`."""
    examine = doctor.examine
    monkeypatch.setattr(doctor, "examine", lambda home: examine(home, _probe()))


def test_command_exits_0_when_nothing_needs_attention(well_home: Path, machine: None) -> None:
    result = run_cli("doctor", "--home", str(well_home))
    assert result.code == 0, result.out
    assert result.out.rstrip().endswith("Nothing needs attention.")
    assert "ok        journal" in result.out
    assert f"station home      {well_home}\n" in result.out
    # Fits an 80-column console (only the home's path may be longer).
    assert max(len(line) for line in result.out.splitlines() if str(well_home) not in line) <= 80


def test_command_exits_1_and_says_what_needs_attention(home: Path, machine: None) -> None:
    result = run_cli("doctor", "--home", str(home))  # no packs installed
    assert result.code == 1
    assert "ATTENTION packs" in result.out and "1 thing(s) need attention" in result.out


def test_command_on_a_missing_home_reports_instead_of_failing(tmp_path: Path, machine: None) -> None:
    result = run_cli("doctor", "--home", str(tmp_path / "nowhere"))
    assert result.code == 1 and "ATTENTION station" in result.out and result.err == ""
