"""Power cuts with real processes: kill -9 mid-append, torn lines, then count every ack."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli


def simulate_until_killed(home: Path, seed: int, delay: float) -> set[str]:
    """Run the simulator, kill -9 it after `delay` s, return the ids it acknowledged."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "simulate", "--home", str(home), "--print-acks",
         "--learners", "6", "--days", "40", "--seed", str(seed)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    return set(out.decode().split("\n")[:-1])  # a line cut off by the kill was never acked


def tear_the_tail(journal: Path, rng: random.Random) -> None:
    """What a power cut mid-append leaves: part of a line, or junk, with no newline."""
    last = max(journal.glob("*.jsonl"))
    lines = last.read_bytes().splitlines()
    if lines and rng.random() < 0.5:
        torn = lines[-1][: rng.randint(1, len(lines[-1]) - 1)]
    else:
        torn = bytes(rng.choice([b for b in range(256) if b != 0x0A]) for _ in range(rng.randint(1, 300)))
    with last.open("ab") as out:
        out.write(torn)


def power_cut_rounds(home: Path, rounds: int, seed: int) -> None:
    rng = random.Random(seed)
    acked: set[str] = set()
    for round_number in range(rounds):
        acked |= simulate_until_killed(home, round_number, rng.uniform(0.05, 0.8))
        if rng.random() < 0.6:
            tear_the_tail(home / "journal", rng)
    assert acked, "the simulator never got to append: the test proves nothing"

    check = run_cli("journal", "check", "--home", str(home))
    assert check.code == 0
    assert not [line for line in check.out.splitlines() if line.startswith("damaged")]

    exported = [json.loads(line) for line in run_cli("journal", "export", "--home", str(home)).out.splitlines()]
    assert acked <= {event["id"] for event in exported}
    seqs = [event["seq"] for event in exported]
    assert seqs == list(range(1, len(seqs) + 1))

    again = run_cli("simulate", "--home", str(home), "--learners", "6", "--days", "1")
    assert again.code == 0
    status = dict(line.split(None, 1) for line in run_cli("status", "--home", str(home)).out.splitlines())
    assert int(status["events"]) > len(seqs)
    assert status["frontier"] == f"{status['station']}:{status['events']}"


def test_acknowledged_events_survive_kill_9_and_torn_tails(home: Path) -> None:
    power_cut_rounds(home, rounds=10, seed=1)


@pytest.mark.stress
def test_acknowledged_events_survive_many_power_cuts(home: Path) -> None:
    power_cut_rounds(home, rounds=int(os.environ.get("PATHSTONE_STRESS_ROUNDS", "200")), seed=2)
