from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli


def test_init_makes_a_station_and_refuses_to_make_it_twice(tmp_path: Path) -> None:
    home = tmp_path / "s"
    made = run_cli("init", "--home", str(home), "--school", "Hill School")
    assert made.code == 0 and "Created station st" in made.out
    again = run_cli("init", "--home", str(home), "--school", "Hill School")
    assert again.code == 2
    assert again.err.strip() == f"pathstone: {home} is already a station; open it instead of creating it."


def test_init_finishes_the_work_of_an_init_cut_short(tmp_path: Path) -> None:
    for part in ("secrets", "journal", "packs"):
        (tmp_path / part).mkdir()
    (tmp_path / "secrets" / "school.key").write_bytes(b"half")
    assert run_cli("init", "--home", str(tmp_path), "--school", "Hill School").code == 0
    assert len((tmp_path / "secrets" / "school.key").read_bytes()) == 32
    assert run_cli("status", "--home", str(tmp_path)).code == 0


def test_init_refuses_a_directory_that_holds_other_things(tmp_path: Path) -> None:
    (tmp_path / "photos.txt").write_text("x")
    result = run_cli("init", "--home", str(tmp_path), "--school", "Hill School")
    assert result.code == 2 and "is not an empty directory" in result.err
    assert [p.name for p in tmp_path.iterdir()] == ["photos.txt"]


@pytest.mark.parametrize("command", [["status"], ["journal", "check"], ["journal", "export"],
                                     ["simulate"], ["settings"]])
def test_every_command_on_a_non_station_says_so_in_one_sentence(
    tmp_path: Path, command: list[str]
) -> None:
    result = run_cli(*command, "--home", str(tmp_path))
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert f"{tmp_path} is not a Pathstone station" in result.err
    assert list(tmp_path.iterdir()) == []


def test_home_defaults_to_the_environment(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHSTONE_HOME", str(home))
    assert run_cli("status").out.startswith("station   st")


def test_status_reports_identity_counts_and_frontier(home: Path) -> None:
    run_cli("simulate", "--home", str(home), "--learners", "4", "--days", "2", "--seed", "3")
    out = run_cli("status", "--home", str(home)).out
    fields = dict(line.split(None, 1) for line in out.splitlines())
    events = int(fields["events"])
    assert fields["school"].startswith("Test School (sc")
    assert fields["learners"] == "4"
    assert fields["frontier"] == f"{fields['station']}:{events}"
    exported = run_cli("journal", "export", "--home", str(home)).out.splitlines()
    assert len(exported) == events


def test_corrupting_the_state_file_changes_nothing_status_reports(home: Path) -> None:
    run_cli("simulate", "--home", str(home), "--learners", "5", "--days", "3")
    before = run_cli("status", "--home", str(home)).out
    (home / "state.json").write_bytes(b'{"meta": {"1": ')
    after = run_cli("status", "--home", str(home))
    assert after.out == before
    assert "state cache state.json was unusable and was rebuilt" in after.err
    (home / "state.json").unlink()
    assert run_cli("status", "--home", str(home)).out == before


def test_export_of_one_learner_is_their_history_in_journal_order(home: Path) -> None:
    run_cli("simulate", "--home", str(home), "--learners", "3", "--days", "2")
    every = [json.loads(line) for line in run_cli("journal", "export", "--home", str(home)).out.splitlines()]
    learner = every[0]["learner"]
    mine = run_cli("journal", "export", "--home", str(home), "--learner", learner).out.splitlines()
    assert [json.loads(line) for line in mine] == [e for e in every if e["learner"] == learner]


def test_journal_check_reports_a_torn_tail_and_still_exits_zero(home: Path) -> None:
    run_cli("simulate", "--home", str(home), "--learners", "2", "--days", "1")
    with (home / "journal" / "00000001.jsonl").open("ab") as out:
        out.write(b'{"id":"half a li')
    result = run_cli("journal", "check", "--home", str(home))
    assert result.code == 0
    assert "repaired  Dropped a torn tail of 16 bytes" in result.out
    assert result.out.strip().endswith("journal   usable")


def test_settings_are_shown_changed_and_checked(home: Path) -> None:
    assert run_cli("settings", "--home", str(home), "idle_signout_seconds", "90").out == (
        "idle_signout_seconds = 90\n"
    )
    assert "idle_signout_seconds = 90" in run_cli("settings", "--home", str(home)).out
    bad = run_cli("settings", "--home", str(home), "turn_minutes", "soon")
    assert bad.code == 2 and "takes a whole number" in bad.err
    unknown = run_cli("settings", "--home", str(home), "colour", "red")
    assert unknown.code == 2 and "There is no setting 'colour'" in unknown.err


def test_a_damaged_identity_file_is_one_sentence(home: Path) -> None:
    (home / "station.json").write_text("{")
    result = run_cli("status", "--home", str(home))
    assert result.code == 2
    assert result.err.strip().endswith("is damaged or from an unknown version; the station cannot start.")
