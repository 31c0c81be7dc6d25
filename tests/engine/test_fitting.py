from __future__ import annotations

import csv
import itertools
import math
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.fitting import (
    MAX_GUESS,
    MAX_SLIP,
    FitError,
    auc,
    evaluate,
    fit_skill,
    log_likelihood,
    predictions,
    read_log,
    split,
)
from engine.mastery import ANSWER, BKTParams, knowledge_trace, predict_correct
from engine.station import Station
from kiosk.cli import main

# The stated tolerance of recovery: every fitted parameter within 0.05 of the truth, from
# 1,500 simulated learners answering 12 times each.
RECOVERY_TOLERANCE = 0.05
TRUE = {
    "sim.slow-learners": BKTParams(prior=0.1, learn=0.08, guess=0.25, slip=0.05),
    "sim.quick-learners": BKTParams(prior=0.3, learn=0.3, guess=0.15, slip=0.08),
    "sim.known-already": BKTParams(prior=0.6, learn=0.1, guess=0.2, slip=0.1),
}


def simulate(params: BKTParams, learners: int, length: int, rng: random.Random) -> list[list[bool]]:
    """Answer sequences drawn from the BKT model itself."""
    sequences = []
    for _ in range(learners):
        known = rng.random() < params.prior
        answers = []
        for _ in range(length):
            answers.append(rng.random() < (1 - params.slip if known else params.guess))
            known = known or rng.random() < params.learn
        sequences.append(answers)
    return sequences


def simulated_log(learners: int, length: int, seed: int) -> dict[str, dict[str, list[bool]]]:
    rng = random.Random(seed)
    return {skill: {f"u{n}": answers for n, answers in
                    enumerate(simulate(params, learners, length, rng))}
            for skill, params in TRUE.items()}


def write_csv(path: Path, sequences: dict[str, dict[str, list[bool]]], seed: int = 0) -> Path:
    rows = [(user, skill, int(right), order)
            for skill, by_user in sequences.items() for user, answers in by_user.items()
            for order, right in enumerate(answers)]
    random.Random(seed).shuffle(rows)  # order_id, not file order, gives the answer order
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["order_id", "user_id", "original", "skill_name", "correct"])
        for user, skill, correct, order in rows:
            writer.writerow([order * 1000 + len(user), user, 1, skill, correct])
    return path


def assert_close(fitted: BKTParams, true: BKTParams) -> None:
    for name in ("prior", "learn", "guess", "slip"):
        assert abs(getattr(fitted, name) - getattr(true, name)) <= RECOVERY_TOLERANCE, (
            name, fitted, true)


# --- the E step and prediction against independent computations -------------------------

def brute_force_em(sequences: list[list[bool]], p: BKTParams) -> tuple[BKTParams, float]:
    """One EM step by enumerating every hidden path: the step at which the skill is learned."""
    start = stay = moved = known = slip_n = unknown = guess_n = 0.0
    total_ll = 0.0
    for answers in sequences:
        n = len(answers)
        paths = []
        for learned_at in range(n + 1):  # known from this step on; n: never within the sequence
            weight = p.prior if learned_at == 0 else (1 - p.prior) * (1 - p.learn) ** (learned_at - 1)
            if 0 < learned_at < n:
                weight *= p.learn
            elif learned_at == n and n > 0:
                weight = (1 - p.prior) * (1 - p.learn) ** (n - 1)
            for t, right in enumerate(answers):
                is_known = t >= learned_at
                weight *= ((1 - p.slip) if right else p.slip) if is_known else (
                    p.guess if right else 1 - p.guess)
            paths.append(weight)
        evidence = sum(paths)
        total_ll += math.log(evidence)
        for learned_at, weight in enumerate(paths):
            w = weight / evidence
            start += w * (learned_at == 0)
            moved += w * (0 < learned_at < n)
            stay += w * min(learned_at, n - 1)
            for t, right in enumerate(answers):
                if t >= learned_at:
                    known += w
                    slip_n += w * (not right)
                else:
                    unknown += w
                    guess_n += w * right
    return BKTParams(prior=start / len(sequences), learn=min(moved / stay, 1),
                     guess=min(guess_n / unknown, MAX_GUESS),
                     slip=min(slip_n / known, MAX_SLIP)), total_ll


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.booleans(), min_size=2, max_size=7), min_size=1, max_size=6),
       st.floats(0.05, 0.9), st.floats(0.05, 0.6), st.floats(0.05, 0.3), st.floats(0.02, 0.1))
def test_one_em_step_matches_enumerating_every_path(sequences: list[list[bool]], prior: float,
                                                    learn: float, guess: float, slip: float) -> None:
    from engine.fitting import _Batch

    params = BKTParams(prior, learn, guess, slip)
    fitted, ll = _Batch(sequences).em_step(params)
    expected, expected_ll = brute_force_em(sequences, params)
    assert ll == pytest.approx(expected_ll, abs=1e-9)
    assert log_likelihood(sequences, params) == pytest.approx(expected_ll, abs=1e-9)
    for name in ("prior", "learn", "guess", "slip"):
        assert getattr(fitted, name) == pytest.approx(getattr(expected, name), abs=1e-5), name


@given(st.lists(st.lists(st.booleans(), min_size=1, max_size=12), min_size=1, max_size=8),
       st.sampled_from(list(TRUE.values())))
def test_predictions_are_the_knowledge_trace_before_each_answer(sequences: list[list[bool]],
                                                                params: BKTParams) -> None:
    expected = []
    for answers in sequences:
        before = [params.prior, *knowledge_trace(answers, params)[:-1]]
        expected += [(predict_correct(p, params), float(a)) for p, a in zip(before, answers)]
    chance, answered = predictions(sequences, params)
    got = sorted(zip(chance.tolist(), answered.tolist()))
    assert np.allclose(got, sorted(expected), atol=1e-12)


# --- recovery and evaluation on simulated learners --------------------------------------

def test_fit_recovers_known_parameters() -> None:
    rng = random.Random(7)
    for true in TRUE.values():
        sequences = simulate(true, 1500, 12, rng)
        fit = fit_skill(sequences)
        assert_close(fit.params, true)
        assert fit.answers == 1500 * 12 and fit.learners == 1500
        # a maximum of the likelihood: at least as likely as the truth that made the data
        assert fit.log_likelihood >= log_likelihood(sequences, true) - 1e-6


def test_model_fit_command_recovers_parameters_from_a_journal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "station"
    rng = random.Random(11)
    records: list[tuple[str | None, str, dict[str, object]]] = []
    for skill, true in list(TRUE.items())[:2]:
        for n, answers in enumerate(simulate(true, 1500, 12, rng)):
            for k, right in enumerate(answers):
                records.append((f"L{n}", ANSWER, {"skill": skill, "item": f"{skill}#{k}",
                                                 "correct": right, "response": "", "hints": 0,
                                                 "attempt": 1}))
                if not right:  # a retry after the feedback is not evidence
                    records.append((f"L{n}", ANSWER, {"skill": skill, "item": f"{skill}#{k}",
                                                     "correct": True, "response": "", "hints": 0,
                                                     "attempt": 2}))
    records.append(("L1", ANSWER, {"skill": "sim.tiny", "item": "x", "correct": True,
                                   "hints": 0, "attempt": 1}))
    records.append(("L1", ANSWER, {"skill": 5}))
    records.append(("L1", "from_the_future", {"skill": "sim.slow-learners"}))
    with Station.init(home, "Test School") as station:
        station.journal.append_many(records)
    assert main(["model", "fit", "--home", str(home)]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert set(rows) == {"sim.slow-learners", "sim.quick-learners", "sim.tiny"}
    assert rows["sim.tiny"][:2] == ["1", "1"] and "too few answers" in " ".join(rows["sim.tiny"])
    for skill in ("sim.slow-learners", "sim.quick-learners"):
        learner_count, answer_count, *figures = rows[skill]
        assert (learner_count, answer_count) == ("1500", str(1500 * 12))
        assert_close(BKTParams(*map(float, figures)), TRUE[skill])

    assert main(["model", "fit", "--home", str(home), "--json"]) == 0
    import json
    fitted = json.loads(capsys.readouterr().out)
    assert set(fitted) == {"sim.slow-learners", "sim.quick-learners"}
    assert fitted["sim.slow-learners"]["model"] == "bkt"


def test_model_fit_on_a_journal_without_answers(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    Station.init(tmp_path / "s", "Test School").close()
    assert main(["model", "fit", "--home", str(tmp_path / "s")]) == 0
    assert capsys.readouterr().out == "The journal has no answers to fit parameters to.\n"
    assert main(["model", "fit", "--home", str(tmp_path / "none")]) == 2


def test_evaluate_beats_the_per_skill_majority(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "log.csv", simulated_log(1000, 15, seed=3))
    assert main(["model", "evaluate", "--csv", str(path)]) == 0
    out = capsys.readouterr().out
    figures = {line.rsplit(maxsplit=2)[0]: [float(f) for f in line.split()[-2:]]
               for line in out.splitlines() if line.startswith(("BKT", "per-skill"))}
    (bkt_auc, bkt_rmse), (base_auc, base_rmse) = figures["BKT"], figures["per-skill majority"]
    assert bkt_auc > base_auc + 0.1 and bkt_auc > 0.7
    assert bkt_rmse < base_rmse
    assert f"Read {3 * 1000 * 15} answers" in out
    assert f"predicted {3 * 200 * 15} answers of 200 learners" in out


def test_evaluate_with_a_given_split_matches_the_library(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    sequences = simulated_log(300, 10, seed=5)
    train, test = split(sequences, seed=9)
    train_path = write_csv(tmp_path / "train.csv", train)  # type: ignore[arg-type]
    test_path = write_csv(tmp_path / "test.csv", test)  # type: ignore[arg-type]
    expected = evaluate(train, test)
    assert main(["model", "evaluate", "--train", str(train_path), "--test", str(test_path)]) == 0
    out = capsys.readouterr().out
    assert f"BKT                {expected.auc:6.4f} {expected.rmse:6.4f}" in out


def test_split_is_seeded_and_by_learner() -> None:
    sequences = simulated_log(100, 3, seed=1)
    train, test = split(sequences, seed=4)
    again_train, again_test = split(sequences, seed=4)
    assert (train, test) == (again_train, again_test)
    test_learners = {u for by_user in test.values() for u in by_user}
    train_learners = {u for by_user in train.values() for u in by_user}
    assert len(test_learners) == 20 and len(train_learners) == 80
    assert not test_learners & train_learners
    assert split(sequences, seed=5)[1] != test
    with pytest.raises(FitError):
        split({"s": {"only": [True]}}, seed=1)


# --- reading logs -----------------------------------------------------------------------

def test_read_log_orders_by_order_id_and_leaves_out_rows_without_a_skill(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes("\ufeffuser_id,skill_name,correct,order_id,comment\r\n"
                     "u1,Équivalence,1,30,late\r\n"
                     "u1,Équivalence,0,10,\"early, with a comma\"\r\n"
                     "u1,,1,20,no skill\r\n"
                     "u2,Équivalence,1.0,5,\r\n"
                     "u1,Équivalence,1,10,same order: file order\r\n".encode())
    log = read_log(path)
    assert log.sequences == {"Équivalence": {"u1": [False, True, True], "u2": [True]}}
    assert (log.answers, log.rows_without_skill) == (4, 1)
    path.write_bytes("user_id,skill_name,correct,order_id\nu1,R\xe9sum\xe9,1,1\n".encode("latin-1"))
    assert read_log(path).sequences == {"Résumé": {"u1": [True]}}


BAD_LOGS = {
    "empty.csv": ("", "is empty."),
    "blank.csv": ("\n\n  \n", "is empty."),
    "header-only.csv": ("user_id,skill_name,correct,order_id\n", "has no answers"),
    "missing.csv": ("user_id,skill,correct\nu1,s,1\n", "has no column skill_name, order_id"),
    "words.csv": ("user_id,skill_name,correct,order_id\nu1,s,1,1\nu1,s,yes,2\n",
                  "line 3: correct must be 0 or 1, not 'yes'."),
    "half.csv": ("user_id,skill_name,correct,order_id\nu1,s,0.5,1\n", "not '0.5'"),
    "order.csv": ("user_id,skill_name,correct,order_id\nu1,s,1,first\n",
                  "order_id must be a whole number"),
    "short.csv": ("user_id,skill_name,correct,order_id\nu1,s\n", "fewer fields than the header"),
    "nul.csv": ("user_id,skill_name,correct,order_id\nu1,s,1,\"1\x00\n", "line"),
    "huge.csv": ("user_id,skill_name,correct,order_id\nu1,\"" + "s" * 200_000 + "\",1,1\n",
                 "is not valid CSV"),
}


@pytest.mark.parametrize("name", sorted(BAD_LOGS))
def test_a_bad_log_is_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   name: str) -> None:
    text, expected = BAD_LOGS[name]
    path = tmp_path / name
    path.write_text(text)
    assert main(["model", "evaluate", "--csv", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    message = captured.err.strip()
    assert message.startswith(f"pathstone: {path}") and expected in message
    assert "\n" not in message and message.endswith(".")


def test_evaluate_needs_one_log_or_a_split(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([], ["--train", "a.csv"], ["--csv", "a", "--test", "b"]):
        assert main(["model", "evaluate", *argv]) == 2
        assert capsys.readouterr().err == (
            "pathstone: Give either --csv FILE, or both --train FILE and --test FILE.\n")
    assert main(["model", "evaluate", "--csv", str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv" in capsys.readouterr().err


# --- AUC --------------------------------------------------------------------------------

@given(st.lists(st.tuples(st.booleans(), st.integers(0, 5)), min_size=1, max_size=40))
def test_auc_is_the_share_of_ordered_pairs(pairs: list[tuple[bool, int]]) -> None:
    y = np.array([float(label) for label, _ in pairs])
    scores = np.array([float(score) for _, score in pairs])
    positives = [s for label, s in pairs if label]
    negatives = [s for label, s in pairs if not label]
    if not positives or not negatives:
        assert auc(y, scores) is None
        return
    wins = sum((p > n) + 0.5 * (p == n) for p, n in itertools.product(positives, negatives))
    assert auc(y, scores) == pytest.approx(wins / (len(positives) * len(negatives)))
