from __future__ import annotations

import json
import multiprocessing
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.event import Event, EventError
from engine.journal import START, Journal, JournalConflict
from engine.segments import decode_line, encode_line

ORIGIN = "st1"


def segment(path: Path, number: int = 1) -> Path:
    return path / f"{number:08d}.jsonl"


def foreign(origin: str, seq: int, learner: str | None = "l1", **data: object) -> Event:
    return Event.from_dict({
        "id": f"{origin}:{seq}", "origin": origin, "seq": seq,
        "hlc": f"{1_795_000_000_000 + seq:013d}-00000000", "learner": learner,
        "type": "answer", "data": dict(data),
    })


def fill(journal: Journal, count: int, learners: int = 3) -> list[Event]:
    return [journal.append(f"l{i % learners}", "answer", {"n": i}) for i in range(count)]


def test_appends_get_gap_free_ids_that_continue_after_reopening(tmp_path: Path) -> None:
    with Journal.open(tmp_path, ORIGIN) as journal:
        first = fill(journal, 3)
    with Journal.open(tmp_path, ORIGIN) as journal:
        more = fill(journal, 2)
        assert [e.id for e in first + more] == [f"{ORIGIN}:{n}" for n in range(1, 6)]
        assert journal.frontier() == {ORIGIN: 5}
        assert journal.count() == 5


def test_every_line_is_json_with_a_checksum_that_round_trips(tmp_path: Path) -> None:
    with Journal.open(tmp_path, ORIGIN) as journal:
        written = journal.append("l1", "answer", {"response": "3/4 ✓", "correct": True})
    line = segment(tmp_path).read_bytes().rstrip(b"\n")
    assert json.loads(line)["crc"]
    assert decode_line(line) == written
    assert encode_line(written) == line + b"\n"


def test_history_uses_the_index_and_matches_a_full_scan(tmp_path: Path) -> None:
    with Journal.open(tmp_path, ORIGIN, segment_bytes=2_000) as journal:
        fill(journal, 60, learners=4)
        assert len(list(tmp_path.glob("*.jsonl"))) > 3
        scanned = [e for _, e in journal.scan() if e.learner == "l2"]
        assert journal.history("l2") == scanned
        assert [e.data["n"] for e in scanned] == list(range(2, 60, 4))


def test_history_after_a_position_reads_only_what_came_since(tmp_path: Path) -> None:
    with Journal.open(tmp_path, ORIGIN, segment_bytes=2_000) as journal:
        fill(journal, 30, learners=2)
        first, where = journal.history_after("l1", START)
        assert first == journal.history("l1")
        assert journal.history_after("l1", where) == ([], where)
        fill(journal, 30, learners=2)  # on into later segments
        journal.merge([foreign("stother", 1, "l1", n=-1)])
        later, then = journal.history_after("l1", where)
        assert first + later == journal.history("l1")
        assert [e.data["n"] for e in later][-1] == -1 and then > where


def test_a_torn_tail_is_dropped_kept_aside_and_appends_carry_on(tmp_path: Path) -> None:
    with Journal.open(tmp_path, ORIGIN) as journal:
        fill(journal, 4)
    torn = b'{"id":"st1:5","origin":"st1","se\x00\xff'
    with segment(tmp_path).open("ab") as out:
        out.write(torn)
    with Journal.open(tmp_path, ORIGIN) as journal:
        assert any("torn tail of" in r for r in journal.repairs)
        assert journal.append("l1", "answer", {}).id == f"{ORIGIN}:5"
        assert journal.check().problems == ()
    kept = list((tmp_path / "damaged").iterdir())
    assert [p.read_bytes() for p in kept] == [torn]


def test_a_whole_last_line_without_its_newline_counts_as_torn(tmp_path: Path) -> None:
    with Journal.open(tmp_path, ORIGIN) as journal:
        fill(journal, 2)
        line = encode_line(journal.append("l1", "answer", {}))
    data = segment(tmp_path).read_bytes()
    segment(tmp_path).write_bytes(data[: -len(line)] + line[:-1])
    (tmp_path / "index.sqlite3").unlink()
    with Journal.open(tmp_path, ORIGIN) as journal:
        assert journal.count() == 2
        assert journal.append("l1", "answer", {}).id == f"{ORIGIN}:3"


def test_a_damaged_line_in_the_middle_is_reported_skipped_and_never_rewritten(
    tmp_path: Path,
) -> None:
    with Journal.open(tmp_path, ORIGIN) as journal:
        fill(journal, 5)
    lines = segment(tmp_path).read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b'"n":2', b'"n":9')  # checksum no longer matches
    damaged = b"\n".join(lines)
    segment(tmp_path).write_bytes(damaged)
    (tmp_path / "index.sqlite3").unlink()
    with Journal.open(tmp_path, ORIGIN) as journal:
        assert any("00000001.jsonl line 3" in r for r in journal.repairs)
        assert journal.count() == 4
        assert journal.frontier() == {ORIGIN: 2}
        report = journal.check()
        assert [(p.segment, p.line) for p in report.problems] == [
            ("00000001.jsonl", 3), ("00000001.jsonl", 4),
        ]
        assert "checksum" in report.problems[0].message
        assert "jumps from 2 to 4" in report.problems[1].message
        assert journal.append("l1", "answer", {}).id == f"{ORIGIN}:6"
    with Journal.open(tmp_path, ORIGIN) as journal:
        assert journal.append("l1", "answer", {}).id == f"{ORIGIN}:7"
        assert journal.repairs == []
    assert segment(tmp_path).read_bytes() == damaged
    assert len(segment(tmp_path, 2).read_bytes().splitlines()) == 2


def test_a_line_that_is_not_json_is_reported_with_its_file_and_line(tmp_path: Path) -> None:
    with Journal.open(tmp_path, ORIGIN) as journal:
        fill(journal, 3)
    lines = segment(tmp_path).read_bytes().split(b"\n")
    lines.insert(1, b"this is not json at all")
    segment(tmp_path).write_bytes(b"\n".join(lines))
    (tmp_path / "index.sqlite3").unlink()
    with Journal.open(tmp_path, ORIGIN) as journal:
        problems = journal.check().problems
        assert [(p.segment, p.line) for p in problems] == [("00000001.jsonl", 2)]
        assert journal.count() == 3


def test_a_missing_or_corrupt_index_is_rebuilt_with_the_same_answers(tmp_path: Path) -> None:
    with Journal.open(tmp_path, ORIGIN, segment_bytes=1_500) as journal:
        assert journal.repairs == []
        fill(journal, 40)
        journal.merge([foreign("st2", 1), foreign("st2", 2), foreign("st2", 4)])
        before = (journal.frontier(), journal.counts(), journal.history("l1"), journal.last_hlc())
    for damage in ("delete", "garbage"):
        index = tmp_path / "index.sqlite3"
        if damage == "delete":
            index.unlink()
        else:
            index.write_bytes(b"not a database" * 100)
        with Journal.open(tmp_path, ORIGIN, segment_bytes=1_500) as journal:
            assert journal.repairs == ["The journal index was missing or unreadable and was rebuilt."]
            after = (journal.frontier(), journal.counts(), journal.history("l1"), journal.last_hlc())
            assert after == before


def test_merging_the_same_foreign_event_twice_stores_it_once(tmp_path: Path) -> None:
    with Journal.open(tmp_path, ORIGIN) as journal:
        assert journal.merge([foreign("st2", 1), foreign("st2", 1)]).added == 1
        result = journal.merge([foreign("st2", 1), foreign("st2", 2)])
        assert (result.added, result.duplicates) == (1, 1)
        assert journal.count() == 2
        assert journal.frontier() == {"st2": 2}


def test_a_conflicting_event_refuses_the_whole_batch(tmp_path: Path) -> None:
    with Journal.open(tmp_path, ORIGIN) as journal:
        journal.merge([foreign("st2", 1, answer=1)])
        before = segment(tmp_path).read_bytes()
        with pytest.raises(JournalConflict, match="differs from the event already stored"):
            journal.merge([foreign("st2", 2), foreign("st2", 1, answer=2)])
        with pytest.raises(JournalConflict, match="claims to come from this station"):
            journal.merge([foreign(ORIGIN, 1)])
        assert segment(tmp_path).read_bytes() == before
        assert journal.frontier() == {"st2": 1}


def test_merged_events_move_this_stations_clock_past_them(tmp_path: Path) -> None:
    with Journal.open(tmp_path, ORIGIN, wall=lambda: 1000) as journal:
        journal.merge([foreign("st2", 9)])
        assert journal.append(None, "note", {}).stamp > foreign("st2", 9).stamp


def test_an_oversized_event_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    with Journal.open(tmp_path, ORIGIN) as journal:
        fill(journal, 1)
        before = segment(tmp_path).read_bytes()
        with pytest.raises(EventError, match="larger than"):
            journal.append("l1", "evidence", {"text": "x" * 70_000})
        assert segment(tmp_path).read_bytes() == before
        assert journal.append("l1", "answer", {}).seq == 2


@settings(max_examples=40, deadline=None)
@given(
    seqs=st.dictionaries(
        st.sampled_from(["st2", "st3", "st4"]),
        st.sets(st.integers(min_value=1, max_value=12), max_size=12),
    ),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_the_frontier_is_right_after_any_order_of_imports(
    tmp_path_factory: pytest.TempPathFactory, seqs: dict[str, set[int]], seed: int
) -> None:
    rng = random.Random(seed)
    events = [foreign(origin, seq) for origin, numbers in seqs.items() for seq in numbers]
    deliveries = events + rng.sample(events, len(events) // 2)  # some arrive twice
    rng.shuffle(deliveries)
    path = tmp_path_factory.mktemp("journal")
    with Journal.open(path, ORIGIN) as journal:
        while deliveries:
            size = rng.randint(1, 4)
            chunk, deliveries = deliveries[:size], deliveries[size:]
            journal.merge(chunk)
        expected = {}
        for origin, numbers in seqs.items():
            top = 0
            while top + 1 in numbers:
                top += 1
            if numbers:
                expected[origin] = top
        assert journal.frontier() == expected
        assert journal.count() == len(events)


def _append_from_another_process(path: str, count: int) -> None:
    with Journal.open(Path(path), ORIGIN) as journal:
        for i in range(count):
            journal.append("l1", "answer", {"i": i})


def test_two_processes_appending_at_once_keep_seq_gap_free(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_append_from_another_process, args=(str(tmp_path), 150))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    with Journal.open(tmp_path, ORIGIN) as journal:
        seqs = [e.seq for _, e in journal.scan()]
        assert seqs == list(range(1, 301))
        assert journal.check().problems == ()
