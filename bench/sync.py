"""Sync figures for one class-week: bytes on the stick and on the wire, and times.

    .venv/bin/python -m bench.sync

30 learners x 5 days, about 10,000 answer events.  Sizes are set against the raw JSON
lines and against the same lines gzip-compressed in one piece (the floor no per-event
scheme beats); times are medians of several runs; network sync runs against a real
district server on 127.0.0.1, straight and through a proxy that cuts every connection
after 64 KB.
"""

from __future__ import annotations

import gzip
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from engine.station import Station
from engine.sync import bundle
from engine.sync.net import NetOptions, sync_net
from tests.district.helpers import CuttingProxy, Server, add_school, enrolled, token_of

LEARNERS, DAYS, PER_DAY = 30, 5, 67
RUNS = 5


def class_week(home: Path) -> None:
    rng = random.Random(1)
    with Station.open(home) as station:
        for day in range(DAYS):
            station.journal.append_many([
                (f"learner{n:02d}", "answer", {
                    "skill": f"math.frac.{rng.randint(1, 12)}", "item": f"q{rng.randint(1, 400)}",
                    "correct": rng.random() < 0.7, "response": str(rng.randint(0, 99)),
                    "hints": rng.choice((0, 0, 0, 1)), "attempt": rng.choice((1, 1, 2))})
                for n in range(LEARNERS) for _ in range(PER_DAY)])


def median_s(fn: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def network_run(data: Path, root: Path, server: Server, cut: bool, run: int) -> tuple[float, int]:
    school = add_school(data, f"Net {cut} {run}")
    home = enrolled(data, school, root / f"net-{cut}-{run}")
    class_week(home)
    proxy = CuttingProxy(server.port, seed=run, low=65_536 if cut else 2**40,
                         high=65_536 if cut else 2**40)
    options = NetOptions(backoff=0.01, max_pause=0.05, attempts=100)
    try:
        with Station.open(home) as station:
            start = time.perf_counter()
            sync_net(station, proxy.url, token_of(home), options)
            return time.perf_counter() - start, proxy.forwarded
    finally:
        proxy.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = root / "district"
        school = add_school(data)
        home = enrolled(data, school, root / "a")
        class_week(home)
        with Station.open(home) as station:
            events = [e for _, e in station.journal.scan()]
            sealed, count = bundle.make_bundle(station, {})
            make_s = median_s(lambda: bundle.make_bundle(station, {}))
        raw = b"".join(e.to_json() + b"\n" for e in events)
        floor = len(gzip.compress(raw, 9))
        stick = root / "stick"
        stick.mkdir()
        write_s = median_s(lambda: bundle.write_bundle(stick, sealed))
        receivers = [enrolled(data, school, root / f"r{i}") for i in range(RUNS)]
        pending = iter(receivers)

        def import_once() -> None:
            with Station.open(next(pending)) as station:
                bundle.import_bundle(station, sealed)

        import_s = median_s(import_once)
        print(f"class-week: {count} events; raw JSON lines {len(raw):,} B; gzip -9 in one piece {floor:,} B")
        print(f"bundle on the stick: {len(sealed):,} B = {len(sealed) / len(raw):.3f} x raw, "
              f"{len(sealed) / floor:.2f} x the gzip floor")
        print(f"bundle: make {make_s * 1000:.0f} ms, write+fsync {write_s * 1000:.0f} ms, "
              f"import {import_s * 1000:.0f} ms (medians of {RUNS})")
        server = Server(data).start()
        try:
            for cut in (False, True):
                runs = [network_run(data, root, server, cut, run) for run in range(3)]
                seconds = statistics.median(r[0] for r in runs)
                wire = statistics.median(r[1] for r in runs)
                label = "cut every 64 KB" if cut else "straight       "
                print(f"network, {label}: {seconds:.2f} s, {wire:,} B on the wire = "
                      f"{wire / len(raw):.2f} x raw, {wire / floor:.1f} x the gzip floor (median of 3)")
                if not cut:
                    straight = seconds
            print(f"cutting the link every 64 KB costs {seconds / straight:.2f} x the straight time")
        finally:
            server.kill()


if __name__ == "__main__":
    main()
