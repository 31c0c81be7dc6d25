"""Badge figures: parse+verify per scan against a bare HMAC, and printing a class's sheet.

    .venv/bin/python bench/badges.py

Budget (issue 5): parse+verify well under 1 ms a scan.
"""

from __future__ import annotations

import hashlib
import hmac
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from engine import badges, roster
from engine.station import Station

SCANS = 20_000
RUNS = 7


def per_call_us(fn: Callable[[], object], calls: int) -> float:
    """Median over RUNS of the mean time of one call, in microseconds."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(times)


def main() -> None:
    with (tempfile.TemporaryDirectory() as tmp,
          Station.init(Path(tmp) / "h", "Bench School") as station):
        names = "\n".join(f"Learner {i:02d} Surname,4" for i in range(39))
        roster.import_roster(station, f"name,grade,role\n{names}\nMs Teacher,,teacher\n".encode())
        members = roster.members_of(station)
        key, school = station.school_key(), station.identity.school_id
        printed = badges.printable(station, members.values())
        text = printed[0].payload
        body = text.rsplit(":", 1)[0].encode()

        def bare_hmac() -> object:
            return hmac.new(key, body, hashlib.sha256).digest()

        def scan() -> badges.Verdict:
            return badges.check(text, school, key, members)

        assert scan().ok
        baseline = per_call_us(bare_hmac, SCANS)
        verify = per_call_us(scan, SCANS)
        print(f"bare HMAC-SHA256 (baseline)   {baseline:8.2f} µs")
        print(f"parse+verify one scan         {verify:8.2f} µs   "
              f"({verify / baseline:.1f}× the bare HMAC; budget 1000 µs)")

        sheet_times = []
        for _ in range(3):
            start = time.perf_counter()
            badges.write_pdf(badges.render_sheets(printed, "a4"), Path(tmp) / "sheet.pdf")
            sheet_times.append(time.perf_counter() - start)
        size = (Path(tmp) / "sheet.pdf").stat().st_size
        sheet_ms = statistics.median(sheet_times) * 1000
        print(f"print a {len(printed)}-learner A4 sheet   {sheet_ms:8.0f} ms   "
              f"({size / 1e6:.1f} MB PDF)")


if __name__ == "__main__":
    main()
