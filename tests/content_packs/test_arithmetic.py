from __future__ import annotations

from fractions import Fraction

import pytest

from tests.content_packs.arithmetic import evaluate, in_lowest_terms, parse_number


@pytest.mark.parametrize(
    "expression",
    ["__import__('os')", "2**1000", "1.5", "True", "x", "(1).real", "1/0", "[1][0]",
     "1 if 1 else 2",
     "9" * 12, "1+" * 150 + "1", "3 //2", ""],
)
def test_the_evaluator_refuses_anything_but_arithmetic(expression: str) -> None:
    with pytest.raises(ValueError):
        evaluate(expression)


@pytest.mark.parametrize(
    ("expression", "value"),
    [("(3/4)*12", Fraction(9)), ("-(2-5)", Fraction(3)), ("1/3+1/6", Fraction(1, 2)),
     ("7", Fraction(7))],
)
def test_the_evaluator_computes_exactly(expression: str, value: Fraction) -> None:
    assert evaluate(expression) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", Fraction(12)), ("0.75", Fraction(3, 4)), ("3/4", Fraction(3, 4)),
     ("1 1/2", Fraction(3, 2)),
     ("-2 1/4", Fraction(-9, 4))],
)
def test_number_answers_parse_in_every_form(text: str, value: Fraction) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["1/0", "1 5/4", "1 0/4", "abc", "1,5", " 3", "3/4/5", ""])
def test_malformed_number_answers_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "lowest"),
    [("3/4", True), ("6/8", False), ("4/1", False), ("2 2/4", False), ("2 1/2", True),
     ("0.5", True), ("0.50", False), ("7", True)],
)
def test_simplest_form_is_recognized(text: str, lowest: bool) -> None:
    assert in_lowest_terms(text) is lowest
