"""Benchmarks of the learner model: path options, and `pathstone model evaluate`.

Run: `.venv/bin/python bench/model.py [--learners 4000] [--runs 3]`

Path options: one learner over a generated 500-skill graph with 10,000 answers of history
over 125 days; the median time of the options from the learner's standings (aim 5 ms), of
the whole home-screen view from the history (`LearnerView.build`, budget 10 ms) and of its
replay into standings, beside the time of merely parsing each answer into a record.

Evaluate: prints the median time of a whole evaluation (read the CSV, split 80/20, fit
every skill by EM, predict every held-out answer), the time of reading the CSV alone as
the baseline measured in the same run, and the AUC and RMSE of BKT beside the per-skill
majority and beside the true parameters that generated the log (the best any BKT fit
could do).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.clock import HLC
from engine.event import Event
from engine.fitting import (
    MAX_GUESS,
    MAX_SLIP,
    Evaluation,
    Sequences,
    auc,
    evaluate,
    predictions,
    read_log,
    split,
)
from engine.mastery import ANSWER, BKTParams, Skill, read_answer, standings
from engine.learner import Curriculum, LearnerView
from engine.paths import Graph, path_options

T = TypeVar("T")
SKILLS = 20
SKILLS_PER_LEARNER = 5
ANSWERS_PER_SKILL = 20


def true_params(rng: random.Random) -> dict[str, BKTParams]:
    return {f"bench.skill-{n:02d}": BKTParams(
        prior=rng.uniform(0.05, 0.6), learn=rng.uniform(0.03, 0.35),
        guess=rng.uniform(0.05, MAX_GUESS), slip=rng.uniform(0.02, MAX_SLIP))
        for n in range(SKILLS)}


def write_log(path: Path, truth: dict[str, BKTParams], learners: int, rng: random.Random) -> int:
    order = 0
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["order_id", "user_id", "skill_name", "correct"])
        for learner in range(learners):
            for skill in rng.sample(sorted(truth), SKILLS_PER_LEARNER):
                params = truth[skill]
                known = rng.random() < params.prior
                for _ in range(ANSWERS_PER_SKILL):
                    right = rng.random() < (1 - params.slip if known else params.guess)
                    writer.writerow([order, f"u{learner}", skill, int(right)])
                    order += 1
                    known = known or rng.random() < params.learn
    return order


def timed(run: Callable[[], T], runs: int) -> tuple[float, T]:
    """The median time of `runs` calls of `run`, and what the last call returned."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def bench_paths(runs: int) -> None:
    rng = random.Random(500)
    names = [f"bench.s{n:03d}" for n in range(500)]
    skills = [{"id": name, "title": name, "tags": [rng.choice(("music", "sport", "food"))],
               "requires": rng.sample(names[max(0, n - 40):n], min(n, rng.randint(0, 3)))}
              for n, name in enumerate(names)]
    graph = Graph.from_packs([{"id": "bench", "skills": skills}], {name: 8 for name in names})
    rules = {name: Skill(BKTParams(), frozenset(f"i{k}" for k in range(8))) for name in names}
    curriculum = Curriculum(graph, rules, {}, {})
    events = []
    for seq in range(1, 10_001):
        name = names[min(499, int(seq / 10_000 * 300 + rng.gauss(0, 10)) % 500)]
        wall = 1_700_000_000_000 + seq * 1_080_000  # 10,000 answers over 125 days
        events.append(Event(f"st:{seq}", "st", seq, f"{wall:013d}-00000000", "ana", ANSWER,
                            {"skill": name, "item": f"i{rng.randrange(8)}", "response": "",
                             "correct": rng.random() < 0.8, "hints": 0, "attempt": 1}))
    now = HLC.parse(events[-1].hlc)

    floor, _ = timed(lambda: [read_answer(e.data) for e in events], runs)
    replay, current = timed(lambda: standings("ana", events, rules, {}), runs)
    took, offered = timed(lambda: path_options(graph, current), runs)
    whole, view = timed(lambda: LearnerView.build("ana", events, curriculum, now), runs)
    print(f"path options, 500 skills, 10,000 answers of history (median of {runs}):")
    print(f"  options from the learner's standings {took * 1000:.2f} ms (aim 5 ms; "
          f"{len(offered)} options)")
    print(f"  the whole home screen from the history (LearnerView.build: standings, reviews, "
          f"profile, options) {whole * 1000:.1f} ms (budget 10 ms; {len(view.due)} reviews due)")
    print(f"  of which replaying the history into standings {replay * 1000:.1f} ms")
    print(f"  baseline, parsing each answer into a record (read_answer) {floor * 1000:.1f} ms; "
          f"the whole view takes {whole / floor:.1f}x that")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    bench_paths(max(args.runs, 15))
    rng = random.Random(2024)
    truth = true_params(rng)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.csv"
        answers = write_log(path, truth, args.learners, rng)

        def whole() -> tuple[Evaluation, Sequences]:
            train, test = split(read_log(path).sequences, seed=0)
            return evaluate(train, test), test

        read_time, _ = timed(lambda: read_log(path), args.runs)
        eval_time, (result, test) = timed(whole, args.runs)
    chance, truth_y = [], []
    for skill, by_learner in test.items():
        c, y = predictions(list(by_learner.values()), truth[skill])
        chance.append(c)
        truth_y.append(y)
    y, oracle = np.concatenate(truth_y), np.concatenate(chance)
    oracle_rmse = float(np.sqrt(np.mean((y - oracle) ** 2)))
    print(f"log: {args.learners} learners, {SKILLS} skills, {answers} answers")
    print(f"model evaluate (median of {args.runs}): {eval_time:.2f} s; reading the CSV alone "
          f"{read_time:.2f} s; ratio {eval_time / read_time:.1f}x")
    print(f"{'':<20} {'AUC':>6} {'RMSE':>6}")
    print(f"{'BKT fitted by EM':<20} {result.auc:6.4f} {result.rmse:6.4f}")
    print(f"{'per-skill majority':<20} {result.baseline_auc:6.4f} {result.baseline_rmse:6.4f}")
    print(f"{'true parameters':<20} {auc(y, oracle):6.4f} {oracle_rmse:6.4f}")


if __name__ == "__main__":
    main()
