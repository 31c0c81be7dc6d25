"""Fitting BKT parameters to answer logs, and measuring how well they predict.

Parameters are fitted per skill by expectation-maximization over the two-state hidden
Markov model of BKT (unknown -> known, never back).  The E step is a forward filter and a
backward smoother; with no forgetting the smoother needs only the filtered and predicted
P(known), so nothing has to be rescaled against underflow.

numpy carries the arithmetic: each skill's learners are packed time-major, longest first,
so every step of the recursions is a few vector operations over the learners still
answering at that step.  That keeps a 400,000-answer log to seconds per fit on this
machine, where the same loops in plain Python take minutes; numpy is imported only here,
so the kiosk itself never loads it.

A response log in the usual knowledge-tracing CSV form (`user_id, skill_name, correct,
order_id`) is read by `read_log`; every sequence structure here is
`skill -> learner -> [right, ...]` in answer order, the shape `mastery.evidence_sequences`
gives from a journal.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import PathstoneError
from engine.mastery import BKTParams

Sequences = Mapping[str, Mapping[str, Sequence[bool]]]

# Guess and slip are bounded as is usual for BKT (Baker, Corbett & Aleven 2008) so that
# "known" keeps its meaning; without it EM may settle where the known state is the one
# that answers wrongly.  The small margin keeps every posterior's denominator above zero.
MAX_GUESS = 0.3
MAX_SLIP = 0.1
_MARGIN = 1e-6
MAX_ITERATIONS = 200
_TOLERANCE = 1e-7  # stop when an iteration gains less log-likelihood per answer
# EM finds a local optimum; a few short runs from spread-out starts pick the basin.
_STARTS = (
    BKTParams(0.2, 0.15, 0.2, 0.1),
    BKTParams(0.5, 0.05, 0.25, 0.05),
    BKTParams(0.1, 0.4, 0.1, 0.08),
)
_SCOUT_ITERATIONS = 5
# Below this a skill's fit says more about chance than about the skill; it keeps the
# pack's parameters (or the defaults) instead.
MIN_ANSWERS_TO_FIT = 30
REQUIRED_COLUMNS = ("user_id", "skill_name", "correct", "order_id")


class FitError(PathstoneError):
    """A response log or split that cannot be fitted or evaluated."""


@dataclass(frozen=True)
class Fit:
    """The parameters fitted to one skill, with what they were fitted on."""

    params: BKTParams
    learners: int
    answers: int
    log_likelihood: float
    iterations: int


@dataclass(frozen=True)
class Evaluation:
    """Held-out prediction quality of fitted BKT and of a per-skill majority baseline."""

    train_answers: int
    test_answers: int
    auc: float | None
    rmse: float
    baseline_auc: float | None
    baseline_rmse: float


class _Batch:
    """A skill's answer sequences packed time-major, longest first.

    At step t the learners still answering are exactly the first `active[t]` columns, so
    every step works on a prefix slice with no masks.
    """

    def __init__(self, sequences: Iterable[Sequence[bool]]) -> None:
        ordered = sorted((s for s in sequences if len(s)), key=len, reverse=True)
        lengths = np.array([len(s) for s in ordered], dtype=np.int64)
        steps = int(lengths[0]) if len(ordered) else 0
        self.obs = np.zeros((steps, len(ordered)))
        for column, answers in enumerate(ordered):
            self.obs[: len(answers), column] = answers
        # lengths run downwards, so the learners longer than t are a prefix of that length
        self.active = np.searchsorted(-lengths, -np.arange(steps), side="left").tolist()
        self.learners = len(ordered)
        self.answers = int(lengths.sum())

    def forward(self, p: BKTParams) -> tuple[np.ndarray, np.ndarray, float]:
        """P(known) before each answer, after it (before learning), and the log-likelihood."""
        before, after = np.zeros_like(self.obs), np.zeros_like(self.obs)
        q = np.full(self.learners, p.prior)
        log_likelihood = 0.0
        for t, n in enumerate(self.active):
            q, o = q[:n], self.obs[t, :n]
            known = q * (p.slip + o * (1 - 2 * p.slip))
            total = known + (1 - q) * ((1 - p.guess) + o * (2 * p.guess - 1))
            log_likelihood += float(np.log(total).sum())
            before[t, :n] = q
            after[t, :n] = filtered = known / total
            q = filtered + (1 - filtered) * p.learn
        return before, after, log_likelihood

    def em_step(self, p: BKTParams) -> tuple[BKTParams, float]:
        """One EM iteration from `p`: the new parameters and the log-likelihood under `p`."""
        before, after, log_likelihood = self.forward(p)
        gamma = np.zeros(self.learners)  # P(known | every answer) at the current step
        moved = stayed = right_unknown = unknown = wrong_known = known = 0.0
        steps = len(self.active)
        for t in range(steps - 1, -1, -1):
            n = self.active[t]
            m = self.active[t + 1] if t + 1 < steps else 0
            if m:
                # Learners who answer again: smooth back from step t+1.  With no forgetting,
                # P(unknown at t, known at t+1 | all) = P(known at t+1 | all) * (1-f) T / q.
                f, nxt = after[t, :m], gamma[:m]
                learned = nxt * (1 - f) * p.learn / before[t + 1, :m]
                was_unknown = (1 - nxt) + learned
                moved += float(learned.sum())
                stayed += float(was_unknown.sum())
                gamma[:m] = 1 - was_unknown
            gamma[m:n] = after[t, m:n]  # their last answer: the filter is the smoother
            g, o = gamma[:n], self.obs[t, :n]
            g_right = float(g @ o)
            known += float(g.sum())
            wrong_known += float(g.sum()) - g_right
            unknown += n - float(g.sum())
            right_unknown += float(o.sum()) - g_right
        fitted = BKTParams(
            prior=_clamp(float(gamma.mean()), 1.0),
            learn=_clamp(moved / stayed if stayed else p.learn, 1.0),
            guess=_clamp(right_unknown / unknown if unknown else p.guess, MAX_GUESS),
            slip=_clamp(wrong_known / known if known else p.slip, MAX_SLIP),
        )
        return fitted, log_likelihood


def _clamp(value: float, ceiling: float) -> float:
    return min(max(value, _MARGIN), ceiling - _MARGIN)


def fit_skill(sequences: Iterable[Sequence[bool]]) -> Fit:
    """BKT parameters for one skill from its learners' answer sequences."""
    batch = _Batch(sequences)
    if batch.answers == 0:
        raise FitError("A skill with no answers cannot be fitted.")
    scouted = [_run(batch, start, _SCOUT_ITERATIONS) for start in _STARTS]
    params, _, done = max(scouted, key=lambda run: run[1])
    params, log_likelihood, more = _run(batch, params, MAX_ITERATIONS - done)
    return Fit(params, batch.learners, batch.answers, log_likelihood, done + more)


def _run(batch: _Batch, params: BKTParams, iterations: int) -> tuple[BKTParams, float, int]:
    """EM from `params` until it stops gaining: parameters, their log-likelihood, iterations."""
    previous = -math.inf
    for done in range(1, iterations + 1):
        fitted, log_likelihood = batch.em_step(params)
        if log_likelihood - previous < _TOLERANCE * batch.answers:
            return params, log_likelihood, done
        params, previous = fitted, log_likelihood
    return params, batch.forward(params)[2], iterations


def fit_all(sequences: Sequences) -> dict[str, Fit]:
    """Fitted parameters of every skill with at least MIN_ANSWERS_TO_FIT answers."""
    return {skill: fit_skill(by_learner.values()) for skill, by_learner in sorted(sequences.items())
            if sum(len(s) for s in by_learner.values()) >= MIN_ANSWERS_TO_FIT}


def log_likelihood(sequences: Iterable[Sequence[bool]], params: BKTParams) -> float:
    """The natural log of the chance of exactly these answers under `params`."""
    return _Batch(sequences).forward(params)[2]


def predictions(
    answers: Sequence[Sequence[bool]], params: BKTParams
) -> tuple[np.ndarray, np.ndarray]:
    """P(right) of each answer from the answers before it only, and what was answered.

    Both arrays are flat, in the same order.
    """
    batch = _Batch(answers)
    before, _, _ = batch.forward(params)
    chance = before * (1 - params.slip) + (1 - before) * params.guess
    mask = np.zeros(batch.obs.shape, dtype=bool)
    for t, n in enumerate(batch.active):
        mask[t, :n] = True
    return chance[mask], batch.obs[mask]


def evaluate(train: Sequences, test: Sequences) -> Evaluation:
    """Fit on `train`, predict every answer of `test` one by one from the ones before it.

    A skill that the training part never saw is predicted with the pack defaults, and by
    the overall majority for the baseline.
    """
    fits = fit_all(train)
    majority = {skill: _majority(by_learner.values()) for skill, by_learner in train.items()}
    overall = _majority(s for by_learner in train.values() for s in by_learner.values())
    scores, baseline, truth = [], [], []
    for skill, by_learner in sorted(test.items()):
        fit = fits.get(skill)
        chance, answered = predictions(list(by_learner.values()),
                                       fit.params if fit else BKTParams())
        scores.append(chance)
        truth.append(answered)
        baseline.append(np.full(len(answered), majority.get(skill, overall)))
    y = np.concatenate(truth) if truth else np.zeros(0)
    if not len(y):
        raise FitError("The test part has no answers to predict.")
    model, base = np.concatenate(scores), np.concatenate(baseline)
    return Evaluation(
        train_answers=sum(len(s) for by_learner in train.values() for s in by_learner.values()),
        test_answers=len(y),
        auc=auc(y, model), rmse=_rmse(y, model),
        baseline_auc=auc(y, base), baseline_rmse=_rmse(y, base),
    )


def _majority(sequences: Iterable[Sequence[bool]]) -> float:
    rights = total = 0
    for answers in sequences:
        rights += sum(answers)
        total += len(answers)
    return 1.0 if 2 * rights >= total else 0.0


def _rmse(y: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.sqrt(np.mean((y - predicted) ** 2)))


def auc(y: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve (ties count half), or None when only one class is present."""
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return None
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    # Tied scores share the mean of the ranks they span.
    mean_rank = np.cumsum(counts) - (counts - 1) / 2
    rank_sum = float(mean_rank[inverse][y == 1].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def split(sequences: Sequences, seed: int, test_share: float = 0.2) -> tuple[Sequences, Sequences]:
    """Split by learner: a seeded `test_share` of the learners go to the test part."""
    learners = sorted({learner for by_learner in sequences.values() for learner in by_learner})
    if len(learners) < 2:
        raise FitError("Splitting into training and test learners needs at least two learners.")
    random.Random(seed).shuffle(learners)
    test_learners = set(learners[: max(1, round(len(learners) * test_share))])
    train: dict[str, dict[str, Sequence[bool]]] = {}
    test: dict[str, dict[str, Sequence[bool]]] = {}
    for skill, by_learner in sequences.items():
        for learner, answers in by_learner.items():
            part = test if learner in test_learners else train
            part.setdefault(skill, {})[learner] = answers
    return train, test


@dataclass(frozen=True)
class ResponseLog:
    """A response log read from CSV: its sequences and the rows it had to leave out."""

    sequences: dict[str, dict[str, list[bool]]]
    answers: int
    rows_without_skill: int


def read_log(path: Path) -> ResponseLog:
    """Read a `user_id, skill_name, correct, order_id` CSV (other columns are ignored).

    Rows with an empty skill_name are left out, as is usual with such logs; any other
    problem is a FitError naming the line.  Answers are put in order_id order.
    """
    text = _decode(path.read_bytes())
    if not text.strip():
        raise FitError(f"{path} is empty.")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise FitError(f"{path} has no column {', '.join(missing)} "
                           f"(a response log needs {', '.join(REQUIRED_COLUMNS)}).")
        rows: dict[tuple[str, str], list[tuple[int, bool]]] = {}
        without_skill = 0
        for row in reader:
            user, skill, correct, order = (row[c] for c in REQUIRED_COLUMNS)
            if user is None or correct is None or order is None or skill is None:
                raise FitError(f"{path}, line {reader.line_num}, has fewer fields than the header.")
            if not skill.strip():
                without_skill += 1
                continue
            rows.setdefault((skill.strip(), user.strip()), []).append(
                (_order(order, path, reader.line_num), _correct(correct, path, reader.line_num)))
    except csv.Error as error:
        raise FitError(f"{path}, line {reader.line_num}, is not valid CSV ({error}).") from None
    if not rows:
        raise FitError(f"{path} has no answers with a skill_name.")
    sequences: dict[str, dict[str, list[bool]]] = {}
    for (skill, user), answers in rows.items():
        answers.sort(key=lambda answer: answer[0])  # stable: equal order_ids keep file order
        sequences.setdefault(skill, {})[user] = [right for _, right in answers]
    return ResponseLog(sequences, sum(len(a) for a in rows.values()), without_skill)


def _decode(data: bytes) -> str:
    # Public logs are UTF-8 or, like ASSISTments 2009, Latin-1; every byte string decodes as
    # Latin-1, so the fallback never fails.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _correct(text: str, path: Path, line: int) -> bool:
    value = text.strip()
    if value in ("0", "1", "0.0", "1.0"):
        return value.startswith("1")
    raise FitError(f"{path}, line {line}: correct must be 0 or 1, not {value[:20]!r}.")


def _order(text: str, path: Path, line: int) -> int:
    value = text.strip()
    if value.isascii() and value.lstrip("-").isdigit() and len(value) <= 19:
        return int(value)
    raise FitError(f"{path}, line {line}: order_id must be a whole number, not {value[:20]!r}.")
