from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.clock import HLC, ClockError, HybridClock
from engine.journal import Journal

NOV_2026 = 1_795_000_000_000


class Wall:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def test_stamps_follow_the_wall_clock_while_it_moves_forward() -> None:
    wall = Wall(NOV_2026)
    clock = HybridClock(wall=wall)
    first = clock.now()
    wall.ms += 5
    assert clock.now() == HLC(NOV_2026 + 5, 0)
    assert first == HLC(NOV_2026, 0)


def test_a_clock_that_jumps_back_still_issues_larger_stamps() -> None:
    wall = Wall(NOV_2026)
    clock = HybridClock(wall=wall)
    before = clock.now()
    wall.ms = NOV_2026 - 3_600_000
    after = [clock.now() for _ in range(3)]
    assert before < after[0] < after[1] < after[2]
    assert after[0] == HLC(NOV_2026, 1)


@given(st.lists(st.integers(min_value=0, max_value=2 * NOV_2026), min_size=1, max_size=60))
def test_stamps_strictly_increase_whatever_the_wall_clock_does(walls: list[int]) -> None:
    wall = Wall(walls[0])
    clock = HybridClock(wall=wall)
    stamps = []
    for ms in walls:
        wall.ms = ms
        stamps.append(clock.now())
    assert all(a < b for a, b in zip(stamps, stamps[1:]))
    assert all(str(a) < str(b) for a, b in zip(stamps, stamps[1:]))


def test_observed_stamps_from_elsewhere_are_overtaken() -> None:
    clock = HybridClock(wall=Wall(NOV_2026))
    clock.observe(HLC(NOV_2026 + 10_000, 7))
    assert clock.now() == HLC(NOV_2026 + 10_000, 8)


@pytest.mark.parametrize("text", ["", "123", "0000000000000-0000000x", None, 5, "1795000000000-00000001 "])
def test_malformed_stamps_are_refused_with_a_sentence(text: object) -> None:
    with pytest.raises(ClockError, match=r"is not a clock stamp"):
        HLC.parse(text)


def test_a_station_booting_in_1970_never_goes_back_across_restarts(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j", "st1", wall=Wall(NOV_2026)) as journal:
        last = journal.append("l1", "answer", {}).stamp
    for _ in range(2):
        with Journal.open(tmp_path / "j", "st1", wall=Wall(5_000)) as journal:
            stamp = journal.append("l1", "answer", {}).stamp
            assert stamp > last
            last = stamp


def test_the_clock_survives_losing_the_index(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j", "st1", wall=Wall(NOV_2026)) as journal:
        last = journal.append("l1", "answer", {}).stamp
    (tmp_path / "j" / "index.sqlite3").unlink()
    with Journal.open(tmp_path / "j", "st1", wall=Wall(0)) as journal:
        assert journal.append("l1", "answer", {}).stamp > last
