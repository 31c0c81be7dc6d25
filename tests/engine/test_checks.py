from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.checks import MAX_NUMBER_CHARS, CheckError, Grade, grade, parse_number

FEEDBACK = {"right": "Yes!", "wrong": "Not yet."}


def number_item(answer: str, **extra: object) -> dict[str, object]:
    # Built through JSON so that the item is exactly what json.load gives.
    item: dict[str, object] = json.loads(json.dumps({
        "id": "n-01", "type": "number", "prompt": "?", "answer": answer, "feedback": FEEDBACK,
        **extra}))
    return item


def text_item(*answers: str) -> dict[str, object]:
    return {"id": "t-01", "type": "text", "prompt": "?", "answers": list(answers),
            "feedback": FEEDBACK}


def choice_item(answer: list[int], multiple: bool = False) -> dict[str, object]:
    return {"id": "c-01", "type": "choice", "prompt": "?", "choices": ["a", "b", "c", "d"],
            "answer": answer, "multiple": multiple, "feedback": FEEDBACK}


ORDER_ITEM = {"id": "o-01", "type": "order", "prompt": "?", "entries": ["1/2", "1/4", "3/4"],
              "answer": [1, 0, 2], "feedback": FEEDBACK}


# --- number -----------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["3/4", "0.75", "0,75", ".75", "6/8", " 3 / 4 ", "75/100",
                                   "0.750"])
def test_equivalent_forms_of_three_quarters_count(typed: str) -> None:
    assert grade(number_item("3/4", forms="equivalent"), typed).correct


@pytest.mark.parametrize("typed", ["6/8", "0.75", "0,75", "75/100", "1 - 1/4", "3/4.", "3 4"])
def test_exact_item_accepts_nothing_but_the_written_form(typed: str) -> None:
    assert not grade(number_item("3/4", forms="exact"), typed).correct


@pytest.mark.parametrize("typed", ["3/4", " 3/4", "3 /4", "3/ 4 ", "03/4"])
def test_exact_item_accepts_its_form_with_spaces(typed: str) -> None:
    assert grade(number_item("3/4", forms="exact"), typed).correct


def test_tolerance_zero_is_exact_value() -> None:
    assert not grade(number_item("0.75", tolerance=0), "0.7").correct
    assert not grade(number_item("0.75"), "0.7500001").correct
    assert grade(number_item("0.75", tolerance=0), "0.75").correct


def test_tolerance_is_absolute_and_inclusive_in_decimal_terms() -> None:
    item = number_item("3.14", tolerance=0.01)
    assert grade(item, "3.15").correct  # in float arithmetic 3.15 - 3.14 > 0.01
    assert not grade(item, "3.15000000000000000001").correct  # float(0.01) is a hair over 1/100
    assert grade(item, "3,13").correct
    assert not grade(item, "3.151").correct
    assert grade(number_item("10", tolerance="1/2"), "10 1/2").correct


@pytest.mark.parametrize(("answer", "typed"), [
    ("1 1/2", "1 1/2"), ("1 1/2", "1   1/2"), ("1 1/2", "3/2"), ("1 1/2", "1.5"),
    ("12", " 12 "), ("12", "12.0"), ("-2", "-2"), ("-1 1/2", "-1.5"), ("0", "-0"),
])
def test_mixed_whole_and_negative_numbers(answer: str, typed: str) -> None:
    assert grade(number_item(answer), typed).correct


@pytest.mark.parametrize("typed", ["", " ", "abc", "1/0", "1 3/2", "1 0/2", "1..5", "1.5.2",
                                   "--1", "+1", "1e3", "½", "１２", "3/4/5", "1 1/2/3",
                                   "inf", "nan", "0x10", "1_000", "٣"])
def test_unreadable_numbers_are_wrong_not_errors(typed: str) -> None:
    result = grade(number_item("12"), typed)
    assert result == Grade(False, " ".join(typed.split()), "Not yet.")


def test_absurd_inputs_are_simply_wrong() -> None:
    huge = "9" * 5000
    item = number_item("12")
    assert not grade(item, huge).correct
    assert not grade(item, "1/" + "7" * 10_000).correct
    assert not grade(item, "12" + " " * 100).correct  # over the length bound, even if it would tidy
    assert grade(item, " 12 ").correct
    for junk in (None, 12, 12.0, ["12"], {"a": 1}, b"12", True):
        assert grade(item, junk) == Grade(False, "", "Not yet.")


def test_normalized_response_and_feedback() -> None:
    assert grade(number_item("3/4"), "  3 /  4 ") == Grade(True, "3 / 4", "Yes!")
    assert grade(number_item("3/4"), "0,7") == Grade(False, "0,7", "Not yet.")


fractions = st.fractions(min_value=-1000, max_value=1000, max_denominator=60)


def written_forms(value: Fraction) -> list[str]:
    """Every way format 1 lets a child write `value` (decimal only where it terminates)."""
    sign = "-" if value < 0 else ""
    size = abs(value)
    forms = [f"{sign}{size.numerator}/{size.denominator}",
             f"{sign}{size.numerator * 3}/{size.denominator * 3}"]
    if size.denominator == 1:
        forms.append(f"{sign}{size.numerator}")
    whole, part = divmod(size.numerator, size.denominator)
    if whole and part:
        forms.append(f"{sign}{whole} {part}/{size.denominator}")
    for places in range(0, 8):
        scaled = size * 10**places
        if scaled.denominator == 1:
            digits = str(scaled.numerator).rjust(places + 1, "0")
            if places:
                forms.append(f"{sign}{digits[:-places]}.{digits[-places:]}")
                forms.append(f"{sign}{digits[:-places]},{digits[-places:]}")
            break
    return [f for f in forms if len(f) <= MAX_NUMBER_CHARS]


@given(fractions)
def test_every_written_form_parses_to_its_value(value: Fraction) -> None:
    for text in written_forms(value):
        number = parse_number(text)
        assert number is not None, text
        assert number.value == value, text


@given(fractions, fractions)
def test_equivalent_item_accepts_exactly_the_equal_values(answer: Fraction, other: Fraction) -> None:
    item = number_item(f"{answer.numerator}/{answer.denominator}")
    for text in written_forms(other):
        assert grade(item, text).correct == (answer == other), text


@given(fractions.filter(lambda v: v.denominator > 1))
def test_exact_item_rejects_every_other_form_of_its_value(value: Fraction) -> None:
    simplest = f"{value.numerator}/{value.denominator}"
    item = number_item(simplest, forms="exact")
    for text in written_forms(value):
        assert grade(item, text).correct == (text == simplest), text


@given(st.fractions(min_value=-100, max_value=100, max_denominator=1000),
       st.integers(0, 50), st.integers(-200, 200))
def test_tolerance_accepts_exactly_the_close_values(answer: Fraction, hundredths: int,
                                                     offset: int) -> None:
    tolerance = Fraction(hundredths, 100)
    typed = answer + Fraction(offset, 1000)
    item = number_item(f"{answer.numerator}/{answer.denominator}", tolerance=hundredths / 100)
    assert grade(item, f"{typed.numerator}/{typed.denominator}").correct == (
        abs(typed - answer) <= tolerance)


@given(st.text(max_size=80))
def test_any_typed_text_grades_without_error(typed: str) -> None:
    for item in (number_item("1 1/2"), number_item("3/4", forms="exact", tolerance=0.5),
                 text_item("seven")):
        result = grade(item, typed)
        assert isinstance(result.correct, bool)
        assert len(result.response) <= len(typed)


# --- text -------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["Paris", "paris", "  PARIS ", "pArIs"])
def test_text_ignores_case_and_surrounding_spaces(typed: str) -> None:
    assert grade(text_item("Paris"), typed).correct


@pytest.mark.parametrize("typed", ["Pariss", "Par is", "Paris.", "Pari", "Paris!", "Parıs",
                                   "'Paris'"])
def test_text_is_nothing_more_lenient(typed: str) -> None:
    assert not grade(text_item("Paris"), typed).correct


def test_text_repeated_inner_spaces_and_several_answers() -> None:
    item = text_item("New York", "NYC")
    assert grade(item, "new    york").correct
    assert grade(item, "\tNew\u00a0York\n").correct
    assert grade(item, "nyc").correct
    assert not grade(item, "newyork").correct
    assert grade(item, "  New   York ").response == "New York"


def test_text_same_letter_composed_or_not() -> None:
    assert grade(text_item("caf\u00e9"), "CAFE\u0301").correct


alphabet = st.characters(codec="utf-8", categories=["L", "N"])


@given(st.text(alphabet, min_size=1, max_size=20), st.text(alphabet, min_size=1, max_size=3))
def test_text_any_extra_letter_is_wrong(answer: str, extra: str) -> None:
    item = text_item(answer)
    assert grade(item, f"  {answer.upper()}  ").correct == (
        answer.upper().casefold() == answer.casefold())
    typed = answer + extra
    assert grade(item, typed).correct == (typed.casefold() == answer.casefold())


# --- choice and order -------------------------------------------------------------------

def test_single_choice() -> None:
    item = choice_item([2])
    assert grade(item, [2]) == Grade(True, "2", "Yes!")
    assert grade(item, 2).correct
    assert not grade(item, [1]).correct
    assert not grade(item, [1, 2]).correct
    assert not grade(item, []).correct


def test_multiple_choice_needs_every_right_choice_and_no_other() -> None:
    item = choice_item([0, 3], multiple=True)
    assert grade(item, [3, 0]) == Grade(True, "0,3", "Yes!")
    assert not grade(item, [0]).correct
    assert not grade(item, [0, 1, 3]).correct


@pytest.mark.parametrize("junk", [None, "2", [9], [-1], [True], [2.0], "x" * 10_000,
                                  list(range(10_000)), {"2": 1}])
def test_choice_junk_is_wrong(junk: object) -> None:
    assert grade(choice_item([2]), junk) == Grade(False, "", "Not yet.")


def test_order() -> None:
    assert grade(ORDER_ITEM, [1, 0, 2]) == Grade(True, "1,0,2", "Yes!")
    assert grade(ORDER_ITEM, (1, 0, 2)).correct
    assert not grade(ORDER_ITEM, [0, 1, 2]).correct
    assert not grade(ORDER_ITEM, [1, 0]).correct
    assert not grade(ORDER_ITEM, [1, 0, 2, 2]).correct
    assert grade(ORDER_ITEM, "102") == Grade(False, "", "Not yet.")


@given(st.permutations([0, 1, 2, 3, 4]), st.permutations([0, 1, 2, 3, 4]))
def test_order_right_only_in_the_answer_order(answer: list[int], given_order: list[int]) -> None:
    item = {"id": "o", "type": "order", "entries": list("abcde"), "answer": answer,
            "feedback": FEEDBACK}
    assert grade(item, given_order).correct == (given_order == answer)


# --- broken items -----------------------------------------------------------------------

@pytest.mark.parametrize("item", [
    {"id": "x", "type": "essay"},
    {"id": "x", "type": "number", "answer": "three"},
    {"id": "x", "type": "number", "answer": "3", "tolerance": -1},
    {"id": "x", "type": "number", "answer": "3", "forms": "loose"},
    {"id": "x", "type": "text", "answers": "seven"},
    {"id": "x", "type": "choice", "choices": ["a"], "answer": "0"},
    {"id": "x", "type": "order", "entries": ["a"], "answer": []},
])
def test_an_item_that_breaks_the_format_is_one_sentence(item: dict[str, object]) -> None:
    with pytest.raises(CheckError) as error:
        grade(item, "3")
    message = str(error.value)
    assert message.endswith(".") and message.count(". ") == 0
