"""Journal benchmark: append latency as the journal grows, and one learner's history.

    python -m bench.journal [--events 1000000]

Prints, for journals of 1k, 100k and 1M events: the latency of one durable append
(median and p99 of several hundred), against two baselines measured in the same run:
the hardware floor (a 200-byte write + fdatasync to a plain file) and a plain TinyDB
table holding the same events (at 1k and 10k; beyond that it rewrites megabytes per
insert).  Then the time to load one learner's history from the full journal.
Budget (DESIGN.md): p99 append <= 1 ms here, flat as the journal grows; history <= 20 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tinydb import TinyDB

from engine.journal import Journal

LEARNERS = 200
SKILLS = [f"fractions.skill-{n}" for n in range(12)]


def record(rng: random.Random) -> tuple[str, str, dict[str, object]]:
    skill = rng.choice(SKILLS)
    return (
        f"l{rng.randrange(LEARNERS):04d}",
        "answer",
        {"skill": skill, "item": f"{skill}#{rng.randint(1, 9)}", "correct": rng.random() < 0.7,
         "response": "3/4", "hints": 0, "attempt": 1},
    )


def latencies(action: Callable[[], object], count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


def floor(directory: Path, count: int) -> list[float]:
    fd = os.open(directory / "floor.bin", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    payload = b"x" * 199 + b"\n"

    def write() -> None:
        os.write(fd, payload)
        os.fdatasync(fd)

    try:
        return latencies(write, count)
    finally:
        os.close(fd)


def tinydb_baseline(directory: Path, size: int, count: int, rng: random.Random) -> list[float]:
    db = TinyDB(directory / f"tiny-{size}.json")
    table = db.table("events")
    table.insert_multiple({"learner": l, "type": t, "data": d} for l, t, d in
                          (record(rng) for _ in range(size)))

    def insert() -> None:
        learner, kind, data = record(rng)
        table.insert({"learner": learner, "type": kind, "data": data})

    try:
        return latencies(insert, count)
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="largest journal size")
    parser.add_argument("--samples", type=int, default=400, help="appends timed at each size")
    args = parser.parse_args()
    rng = random.Random(1)
    # In the working directory, not /tmp: a tmpfs would make every fsync free.
    with tempfile.TemporaryDirectory(prefix=".bench-", dir=Path.cwd()) as tmp:
        directory = Path(tmp)
        floor_median, floor_p99 = summary(floor(directory, args.samples))
        print(f"floor: 200-byte write + fdatasync      median {floor_median:7.3f} ms  "
              f"p99 {floor_p99:7.3f} ms")
        for size in (1_000, 10_000):
            median, p99 = summary(tinydb_baseline(directory, size, min(args.samples, 100), rng))
            print(f"TinyDB table insert at {size:>9,} events  median {median:7.3f} ms  "
                  f"p99 {p99:7.3f} ms  ({median / floor_median:6.1f}x floor)")
        print("TinyDB beyond 10k: every insert rewrites the whole file (~25 MB at 100k "
              "events), so the baseline stops there.")

        sizes = [s for s in (1_000, 10_000, 100_000, 1_000_000) if s <= args.events]
        with Journal.open(directory / "journal", "bench") as journal:
            held = 0
            for size in sizes:
                while held < size:
                    batch = min(20_000, size - held)
                    journal.append_many(record(rng) for _ in range(batch))
                    held += batch
                median, p99 = summary(latencies(lambda: journal.append(*record(rng)), args.samples))
                held += args.samples
                print(f"journal append at   {size:>9,} events  median {median:7.3f} ms  "
                      f"p99 {p99:7.3f} ms  ({median / floor_median:6.1f}x floor)")
            runs = []
            for learner in rng.sample(range(LEARNERS), 7):
                start = time.perf_counter()
                history = journal.history(f"l{learner:04d}")
                runs.append(time.perf_counter() - start)
            print(f"one learner's history ({len(history):,} of {journal.count():,} events): "
                  f"median {statistics.median(runs) * 1000:.1f} ms over {len(runs)} learners")


if __name__ == "__main__":
    main()
