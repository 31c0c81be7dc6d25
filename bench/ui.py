"""Kiosk UI benchmark: start-up, badge scan to home, answer to feedback, memory.

    .venv/bin/python -m bench.ui [--events 1000000] [--learners 200] [--runs 5]
                                 [--station DIR] [--profile FILE]

Builds a station with the shipped packs, `--learners` learners and `--events` answer
events spread over them (real skill and item ids of the packs), then prints:

- start to sign-in screen: a fresh process (`python -m bench.ui --child HOME`) from
  spawn to the sign-in screen's first refresh, headless (budget 0.5 s);
- badge scan to home: a keyboard-wedge scan posted to the running app until the home
  screen with the learner's options has been written to the terminal as it stays (if a
  later frame changes the picture, until that frame) (budget 50 ms at 200 learners, 1M
  events), half a second after the last student signed out (the next one steps up).
  Twice: at each learner's first sign-in here, then again for the same learners, whose
  histories the kiosk copied at their sign-out (engine.history_copies); each with its
  ratio to a baseline measured in the same run: parsing that learner's journal lines as
  JSON, nothing else;
- answer to feedback: an answer posted to the practice screen until its feedback has
  been drawn, the durable record included (budget: well under 100 ms; the record itself
  ≤ 1 ms);
- peak resident memory of the kiosk process that started up (budget 60 MB), and of this
  whole benchmark process (which also built the journal).

`--station DIR` builds the station in DIR once and reuses it on later runs (building 1M
events takes minutes); `--profile FILE` writes a cProfile of the badge scans to home
(read it with `python -m pstats FILE`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import badges, history_copies, mastery, profile, roster, segments  # noqa: E402
from engine.journal import COPIES  # noqa: E402
from engine.packs import catalog, install_shipped  # noqa: E402
from engine.scanner import KEYBOARD, Scan  # noqa: E402
from engine.station import Station  # noqa: E402

if TYPE_CHECKING:
    from textual.screen import Screen

BATCH = 20_000
# Between one student's sign-out and the next one's scan: a few seconds in a classroom.
NEXT_STUDENT_SECONDS = 0.5


def build(home: Path, learners: int, events: int, rng: random.Random) -> None:
    with Station.init(home, "Bench School") as station:
        station.change_setting("idle_signout_seconds", "0")
        install_shipped(station, lambda line: None)
        ids = [f"b{n:05d}" for n in range(learners)]
        station.journal.append_many(
            (learner, *roster.added(f"Learner {n}", "4")) for n, learner in enumerate(ids))
        # Known learners, not newcomers: the first-sign-in interview would stand in front.
        station.journal.append_many(
            (learner, profile.PROFILE_CHANGED, profile.changed_data("interests", ["music"]))
            for learner in ids)
        packs = catalog(home)
        items = [(skill, str(item["id"])) for skill in packs.skills
                 for item in packs.items(skill)]
        for start in range(0, events, BATCH):
            station.journal.append_many(
                (rng.choice(ids), mastery.ANSWER, _answer(rng, items))
                for _ in range(min(BATCH, events - start)))
        station.state.refresh(station.journal)


def _answer(rng: random.Random, items: list[tuple[str, str]]) -> dict[str, Any]:
    skill, item = rng.choice(items)
    return {"skill": skill, "item": item, "correct": rng.random() < 0.7, "response": "1",
            "hints": 0, "attempt": 1}


def child(home: Path) -> None:
    """Start the kiosk headless and print the monotonic time its first screen is drawn."""
    from kiosk.app import AFTER_START, PathstoneApp

    with Station.open(home) as station:
        app = PathstoneApp(station, demo=True)

        def ready() -> None:
            drawn = time.monotonic()
            # Memory with everything a session needs loaded, not just the first screen.
            for name in AFTER_START:
                __import__(name)
            print(drawn, peak_resident_mb(), flush=True)
            app.exit()

        app.call_after_refresh(ready)
        app.run(headless=True)


def peak_resident_mb() -> float:
    """This process's high-water resident memory (VmHWM), which starts afresh at exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start_up(home: Path) -> tuple[float, float]:
    """Seconds from spawn to the sign-in screen, and the child's peak RSS in MB."""
    before = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "bench.ui", "--child", str(home)],
                         capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    # The child measures its own peak: ru_maxrss would carry over the parent's across exec.
    drawn, peak_mb = (float(word) for word in out.stdout.split()[-2:])
    return drawn - before, peak_mb


async def scan_and_answer(home: Path, runs: int, profiler: cProfile.Profile | None = None
                          ) -> dict[str, list[float]]:
    """Seconds for each measured scan to home (a learner's first sign-in here, then the
    same learners again, whose histories the kiosk has copied by then), each answer to
    its feedback, and the JSON baseline of each learner."""
    from kiosk.app import PathstoneApp
    from kiosk.messages import BadgeScanned
    from kiosk.screens.home import HomeScreen
    from kiosk.screens.practice import PracticeScreen
    from kiosk.widgets.answers import Answered

    figures: dict[str, list[float]] = {"first": [], "again": [], "feedback": [], "floor": []}
    # Copies an earlier run kept would make every sign-in a second one (they are derived).
    shutil.rmtree(home / "journal" / COPIES, ignore_errors=True)
    with Station.open(home) as station:
        learners = [s.member for s in station.state.learners()]
        chosen = [learners[n * 37 % len(learners)] for n in range(runs + 1)]
        # Once unmeasured (None): the first sign-in reads the packs, which later ones reuse.
        visits = [(m, "first" if n else None) for n, m in enumerate(chosen)]
        visits += [(m, "again") for m in chosen[1:]]
        # Before the kiosk runs, so that its heap (frozen, collected) does not weigh on it.
        figures["floor"] = [parse_only(station, m.id) for m in chosen[1:]]
        app = PathstoneApp(station, demo=True)
        # When a watched screen was first written to the terminal with a new layout, and
        # the picture: Textual publishes this signal once the update is on the terminal.
        drawn: list[tuple[float, str]] = []
        watched: list[Screen[Any]] = []

        def written(_: Screen[Any]) -> None:
            if not drawn:
                drawn.append((time.perf_counter(), app.export_screenshot()))

        def watch(screen: Screen[Any]) -> None:
            screen.screen_layout_refresh_signal.subscribe(app, written)
            watched.append(screen)

        async with app.run_test(size=(80, 24)) as pilot:
            for member, kind in visits:
                if kind == "first":  # the kiosk may have copied it while idle meanwhile
                    history_copies.path(home / "journal" / COPIES, member.id).unlink(
                        missing_ok=True)
                text = badges.badge_of(station, member)
                profiling = profiler if profiler is not None and kind else None
                if profiling is not None:
                    profiling.enable()
                drawn.clear()
                started = time.perf_counter()
                app.post_message(BadgeScanned(Scan(text, KEYBOARD, time.monotonic())))
                while not (isinstance(app.screen, HomeScreen) and app.screen.options):
                    await asyncio.sleep(0.0005)
                if app.screen in watched:
                    while not drawn:
                        await asyncio.sleep(0.0005)
                    done, picture = drawn[0]
                    # Counted only if that first picture was the finished one.
                    await painted(app.screen)
                    if app.export_screenshot() != picture:
                        done = time.perf_counter()
                else:  # a home screen not seen before (the first): to its next refresh
                    watch(app.screen)
                    await painted(app.screen)
                    done = time.perf_counter()
                if profiling is not None:
                    profiling.disable()
                if kind:
                    figures[kind].append(done - started)
                await pilot.press("1", "2")
                practice = app.screen
                assert isinstance(practice, PracticeScreen) and practice.item is not None
                started = time.perf_counter()
                practice.post_message(Answered("no idea"))
                while not practice.answered:
                    await asyncio.sleep(0.0005)
                await painted(practice)
                if kind:
                    figures["feedback"].append(time.perf_counter() - started)
                await pilot.press("f10")
                # The next student steps up: the kiosk tidies up after a session meanwhile.
                await asyncio.sleep(NEXT_STUDENT_SECONDS)
    return figures


async def painted(screen: Screen[Any]) -> None:
    """Until `screen` has been drawn with what it holds now."""
    drawn = asyncio.Event()
    screen.call_after_refresh(drawn.set)
    await drawn.wait()


def parse_only(station: Station, learner: str) -> float:
    """The baseline: seconds to parse the learner's journal lines as one JSON array, and
    nothing more (no disk, no checksums, no records, no learner model, no screen)."""
    blob = b"[" + b",".join(segments.encode_line(e) for e in station.journal.history(learner)) + b"]"
    started = time.perf_counter()
    json.loads(blob)
    return time.perf_counter() - started


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--station", type=Path, help="build the station here once, then reuse it")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the scans to home")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child)
        return
    with contextlib.ExitStack() as stack:
        if args.station is not None:
            home = args.station
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="pathstone-bench-ui-"))
            home = Path(tmp) / "station"
        if home.exists():
            print(f"station: reusing {home}")
        else:
            began = time.monotonic()
            build(home, args.learners, args.events, random.Random(6))
            print(f"station: {args.learners} learners, {args.events:,} answer events "
                  f"(built in {time.monotonic() - began:.0f} s)")
        starts = [start_up(home) for _ in range(args.runs)]
        seconds = [s for s, _ in starts]
        print(f"start to sign-in screen: {ms(seconds)}  (budget 500 ms)")
        profiler = cProfile.Profile() if args.profile is not None else None
        figures = asyncio.run(scan_and_answer(home, args.runs, profiler))
        if profiler is not None:
            profiler.dump_stats(args.profile)
        floor = statistics.median(figures["floor"])
        for kind, who in (("first", "a learner's first sign-in here"),
                          ("again", "a learner seen before")):
            print(f"badge scan to home screen, {who}: {ms(figures[kind])}  (budget 50 ms); "
                  f"{statistics.median(figures[kind]) / floor:.1f}x the time to parse the "
                  f"learner's {floor * 1000:.1f} ms of JSON alone")
        print(f"answer to feedback shown: {ms(figures['feedback'])}")
        print(f"peak resident memory: kiosk process {max(m for _, m in starts):.0f} MB "
              f"(budget 60 MB); this benchmark "
              f"{peak_resident_mb():.0f} MB")

if __name__ == "__main__":
    main()
