"""USB sync: stations of one classroom relay records by stick; a pulled stick loses nothing."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from engine.station import Station
from engine.sync import bundle, peers
from engine.sync.usb import FOLDER, UsbError, sync_usb
from tests.conftest import run_cli
from tests.engine.sync.conftest import event_ids, record_some


def _sync(home: Path, mount: Path):
    with Station.open(home) as station:
        return sync_usb(station, mount)


def _bundles(mount: Path) -> list[Path]:
    return sorted((mount / FOLDER).glob("*" + bundle.SUFFIX))


def test_two_stations_converge_through_a_stick(home, sibling, tmp_path):
    other, stick = sibling("b"), tmp_path / "stick"
    stick.mkdir()
    record_some(home, 4, "amy")
    record_some(other, 3, "ben")
    first = _sync(home, stick)
    assert first.sent == 4 and first.received == []
    second = _sync(other, stick)
    assert [r.added for r in second.received] == [4]
    third = _sync(home, stick)
    assert [r.added for r in third.received] == [3]
    assert event_ids(home) == event_ids(other) and len(event_ids(home)) == 7
    assert len(_bundles(stick)) == 2  # one per station: older ones replaced
    with Station.open(home) as station:
        assert len(station.journal.history("ben")) == 3


def test_outgoing_bundle_skips_what_every_peer_acknowledged(home, sibling, tmp_path):
    other, stick = sibling("b"), tmp_path / "stick"
    stick.mkdir()
    record_some(home, 5)
    _sync(home, stick)
    _sync(other, stick)  # other acknowledges all five in its bundle
    record_some(home, 2)
    assert _sync(home, stick).sent == 2
    with Station.open(other) as station:
        assert peers.load(other)  # other knows what home holds
        assert station.journal.count() == 5


def test_bundles_of_other_schools_are_left_alone(home, tmp_path):
    stranger, stick = tmp_path / "stranger", tmp_path / "stick"
    Station.init(stranger, "Elsewhere").close()
    record_some(stranger, 2)
    stick.mkdir()
    _sync(stranger, stick)
    report = _sync(home, stick)
    assert report.other_schools == 1 and report.refused == []
    assert event_ids(home) == set()
    assert len(_bundles(stick)) == 2


def test_truncated_bundles_are_refused_and_the_rest_imported(home, sibling, tmp_path):
    other, stick = sibling("b"), tmp_path / "stick"
    stick.mkdir()
    record_some(other, 3)
    _sync(other, stick)
    good = _bundles(stick)[0]
    data = good.read_bytes()
    third = sibling("c")
    for cut in random.Random(3).sample(range(len(data)), 25):
        (stick / FOLDER / f"cut{cut}{bundle.SUFFIX}").write_bytes(data[:cut])
    report = _sync(third, stick)
    assert len(report.refused) == 25 and all(p.endswith(".") for _, p in report.refused)
    assert [r.added for r in report.received] == [3]
    assert event_ids(third) == event_ids(other)


def test_stick_pulled_mid_write_leaves_station_whole_and_a_rerun_finishes(
    home, sibling, tmp_path, monkeypatch
):
    other, stick = sibling("b"), tmp_path / "stick"
    stick.mkdir()
    record_some(other, 3)
    _sync(other, stick)
    record_some(home, 2)
    real_fsync = os.fsync

    def pull_stick(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(stick)):
            shutil.rmtree(stick / FOLDER)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", pull_stick)
    with pytest.raises(UsbError, match="pulled out") as caught:
        _sync(home, stick)
    monkeypatch.undo()
    assert "\n" not in str(caught.value)
    assert len(event_ids(home)) == 5  # the import before the pull is kept
    _sync(other, stick)
    report = _sync(home, stick)
    assert [r.added for r in report.received] == [0]  # nothing doubled
    assert len(event_ids(home)) == 5 and len(_bundles(stick)) == 2


def test_cli_prints_a_summary_and_refuses_a_missing_mount(home, tmp_path):
    record_some(home, 2)
    stick = tmp_path / "stick"
    stick.mkdir()
    result = run_cli("sync", "usb", str(stick), "--home", str(home))
    assert result.code == 0 and "wrote" in result.out and "2 events" in result.out
    missing = run_cli("sync", "usb", str(tmp_path / "nope"), "--home", str(home))
    assert missing.code == 2 and "is not a folder" in missing.err
    (stick / FOLDER / f"junk{bundle.SUFFIX}").write_bytes(b"junk")
    refused = run_cli("sync", "usb", str(stick), "--home", str(home))
    assert refused.code == 1 and "not a Pathstone bundle" in refused.out
