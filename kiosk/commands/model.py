"""`pathstone model fit` and `model evaluate`: calibrating and checking the learner model."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import PathstoneError
from kiosk.commands.common import open_station

if TYPE_CHECKING:  # numpy is loaded only when a model command runs
    from engine.fitting import Sequences


def register(commands: argparse._SubParsersAction, home: argparse.ArgumentParser) -> None:
    model = commands.add_parser("model", help="fit and evaluate the learner model (BKT)")
    actions = model.add_subparsers(title="actions", metavar="ACTION")

    fit = actions.add_parser(
        "fit", parents=[home], help="fit per-skill BKT parameters from the journal's answers")
    fit.add_argument("--json", action="store_true",
                     help="print each skill's parameters as a pack's `mastery` setting")
    fit.set_defaults(command=_fit)

    evaluate = actions.add_parser(
        "evaluate", help="fit on some learners of a response log, predict the others",
        description="Read a CSV response log with columns user_id, skill_name, correct and "
                    "order_id; fit on 80% of the learners (a seeded split) or on --train, "
                    "predict every held-out answer from the answers before it, and print AUC "
                    "and RMSE beside a per-skill majority baseline.")
    evaluate.add_argument("--csv", type=Path, metavar="FILE", help="one log, split by learner")
    evaluate.add_argument("--train", type=Path, metavar="FILE",
                          help="the training log of a given split")
    evaluate.add_argument("--test", type=Path, metavar="FILE", help="the test log of a given split")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the 80/20 split (default 0)")
    evaluate.set_defaults(command=_evaluate)
    model.set_defaults(command=lambda args: model.print_help() or 2)


def _fit(args: argparse.Namespace) -> None:
    from engine.fitting import MIN_ANSWERS_TO_FIT, fit_all
    from engine.mastery import evidence_sequences

    with open_station(args) as station:
        sequences = evidence_sequences(event for _, event in station.journal.scan())
    if not sequences:
        print("The journal has no answers to fit parameters to.")
        return
    fits = fit_all(sequences)
    if args.json:
        print(json.dumps({skill: {"model": "bkt", **{k: round(v, 4) for k, v in
                                                      vars(fit.params).items()}}
                          for skill, fit in fits.items()}, indent=2))
        return
    print(f"{'skill':<32} {'learners':>8} {'answers':>8} {'prior':>6} {'learn':>6} "
          f"{'guess':>6} {'slip':>6}")
    for skill, by_learner in sorted(sequences.items()):
        answers = sum(len(s) for s in by_learner.values())
        fit = fits.get(skill)
        figures = (f"{fit.params.prior:6.3f} {fit.params.learn:6.3f} {fit.params.guess:6.3f} "
                   f"{fit.params.slip:6.3f}" if fit else
                   f"too few answers to fit (fewer than {MIN_ANSWERS_TO_FIT})")
        print(f"{skill:<32} {len(by_learner):>8} {answers:>8} {figures}")


def _evaluate(args: argparse.Namespace) -> None:
    from engine.fitting import evaluate, read_log, split

    started = time.perf_counter()
    if args.csv is not None and args.train is None and args.test is None:
        log = read_log(args.csv)
        _report_read(args.csv, log.answers, log.rows_without_skill)
        train, test = split(log.sequences, args.seed)
        how = f"a seeded split (seed {args.seed}) of {args.csv}"
    elif args.csv is None and args.train is not None and args.test is not None:
        train_log, test_log = read_log(args.train), read_log(args.test)
        _report_read(args.train, train_log.answers, train_log.rows_without_skill)
        _report_read(args.test, test_log.answers, test_log.rows_without_skill)
        train, test = train_log.sequences, test_log.sequences
        how = "the given split"
    else:
        raise PathstoneError("Give either --csv FILE, or both --train FILE and --test FILE.")
    result = evaluate(train, test)
    print(f"Fitted on {result.train_answers} answers of {_learners(train)} learners and "
          f"predicted {result.test_answers} answers of {_learners(test)} learners ({how}).")
    print(f"{'':<18} {'AUC':>6} {'RMSE':>6}")
    print(f"{'BKT':<18} {_figure(result.auc)} {_figure(result.rmse)}")
    print(f"{'per-skill majority':<18} {_figure(result.baseline_auc)} "
          f"{_figure(result.baseline_rmse)}")
    print(f"Took {time.perf_counter() - started:.1f} s.")


def _report_read(path: Path, answers: int, without_skill: int) -> None:
    left_out = f"; left out {without_skill} rows with no skill_name" if without_skill else ""
    print(f"Read {answers} answers from {path}{left_out}.")


def _learners(sequences: Sequences) -> int:
    return len({learner for by_learner in sequences.values() for learner in by_learner})


def _figure(value: float | None) -> str:
    return f"{value:6.4f}" if value is not None else f"{'n/a':>6}"
