"""Kept copies of learners' histories: used only when they still match the journal."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.journal import COPIES, START, Journal

ORIGIN = "st0000000001"


def fill(journal: Journal, count: int) -> None:
    for n in range(count):
        journal.append(f"l{n % 3}", "answer", {"n": n, "tags": ["a", n]})


def copied(tmp_path: Path) -> Journal:
    journal = Journal.open(tmp_path, ORIGIN, segment_bytes=2_000)
    fill(journal, 40)
    events, read_to = journal.history_after("l1", START)
    journal.keep_history("l1", events, read_to)
    return journal


def test_a_copy_and_what_came_after_it_are_the_whole_history(tmp_path: Path) -> None:
    with copied(tmp_path) as journal:
        fill(journal, 20)
        events, read_to = journal.history_copy("l1")
        assert events and read_to != START
        later, _ = journal.history_after("l1", read_to)
        assert events + later == journal.history("l1")
        assert journal.history_copy("l2") == ([], START)  # never copied


@pytest.mark.parametrize("damage", [
    lambda data: data[:-7],                               # cut short
    lambda data: data[:-3] + bytes([data[-3] ^ 1]) + data[-2:],  # one bit flipped
    lambda data: b"not json\n" + data.partition(b"\n")[2],  # header unreadable
    lambda data: data.replace(b'"format": 1', b'"format": 9', 1),  # a later format
    lambda data: b"",
], ids=["truncated", "bit-flip", "header", "format", "empty"])
def test_a_damaged_copy_is_not_used(tmp_path: Path, damage) -> None:
    with copied(tmp_path) as journal:
        path = tmp_path / COPIES / "l1.history"
        path.write_bytes(damage(path.read_bytes()))
        assert journal.history_copy("l1") == ([], START)


def test_a_copy_that_does_not_end_where_the_journal_says_is_not_used(tmp_path: Path) -> None:
    copied(tmp_path / "a").close()
    other = tmp_path / "b"
    with Journal.open(other, ORIGIN, segment_bytes=2_000) as journal:
        fill(journal, 7)  # the same ids, at other places
        (other / COPIES).mkdir()
        shutil.copy(tmp_path / "a" / COPIES / "l1.history", other / COPIES / "l1.history")
        assert journal.history_copy("l1") == ([], START)


def test_a_learner_id_is_never_a_path(tmp_path: Path) -> None:
    with copied(tmp_path) as journal:
        (tmp_path / "secret.history").write_bytes(b"x")
        assert journal.history_copy("../secret") == ([], START)
        events, read_to = journal.history_after("l1", START)
        journal.keep_history("../l1", events, read_to)
        assert not (tmp_path / "l1.history").exists()


def test_a_copy_is_made_again_only_once_far_enough_behind(tmp_path: Path) -> None:
    with copied(tmp_path) as journal:
        before = (tmp_path / COPIES / "l1.history").read_bytes()
        fill(journal, 9)  # three more of l1's
        assert not journal.copy_history_if_behind("l1", 4)
        assert (tmp_path / COPIES / "l1.history").read_bytes() == before
        assert journal.copy_history_if_behind("l1", 3)
        events, read_to = journal.history_copy("l1")
        assert events == journal.history("l1") and journal.history_after("l1", read_to)[0] == []
