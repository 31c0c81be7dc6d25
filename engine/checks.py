"""Grading a check: one item of a pack and what a student typed or picked.

Items are plain mappings as `json.load` gives them from `checks/<name>.json` (see
docs/pack-format.md).  Responses come from a child at a keyboard, so anything may arrive:
a response that cannot be read is graded wrong, never an exception.  Normalization is
exactly what the format allows and nothing more lenient: `6/8` is wrong where the item
asks for the exact form `3/4`, and `0.7` is wrong for `0.75` with no tolerance.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from engine.errors import PathstoneError

# Long enough for any number a child types (`-1 234/1000`), short enough that parsing a
# pasted novel or a 10,000-digit integer costs nothing.
MAX_NUMBER_CHARS = 32
MAX_TEXT_CHARS = 500
_MAX_INDICES = 16

_DIGITS = r"[0-9]+"
_WHOLE_RE = re.compile(rf"^({_DIGITS})$")
_DECIMAL_RE = re.compile(rf"^({_DIGITS})?[.,]([0-9]*)$")
_FRACTION_RE = re.compile(rf"^({_DIGITS})/({_DIGITS})$")
_MIXED_RE = re.compile(rf"^({_DIGITS}) ({_DIGITS})/({_DIGITS})$")
_SLASH_SPACES_RE = re.compile(r" ?/ ?")


class CheckError(PathstoneError):
    """An item that cannot be graded because it breaks the pack format."""


@dataclass(frozen=True)
class Grade:
    """The outcome of one answer.

    `response` is the answer as it is recorded: the typed text with its spaces tidied
    (number, text) or the picked indices joined by commas (choice, order); empty when
    nothing readable was given.
    """

    correct: bool
    response: str
    feedback: str


@dataclass(frozen=True)
class Number:
    """A number as written: its value, and the form it was written in.

    `form` is `whole`, `decimal`, `fraction` or `mixed`; `shape` is what else "written
    the same way" needs: the denominator of a fraction or mixed number, the count of
    decimal places of a decimal.
    """

    value: Fraction
    form: str
    shape: int


def parse_number(text: object) -> Number | None:
    """Read a whole number, decimal (`.` or `,` mark), fraction or mixed number.

    A leading `-` is allowed; spaces around the text, repeated spaces and spaces next to
    `/` are ignored.  Anything else (letters, two marks, a zero denominator, a mixed
    number whose fraction is not proper, an over-long text) gives None.
    """
    if not isinstance(text, str) or len(text) > MAX_NUMBER_CHARS:
        return None
    tidy = _SLASH_SPACES_RE.sub("/", " ".join(text.split()))
    sign = 1
    if tidy.startswith("-"):
        sign, tidy = -1, tidy[1:].lstrip(" ")
    number = _unsigned_number(tidy)
    if number is None:
        return None
    return Number(sign * number.value, number.form, number.shape)


def _unsigned_number(text: str) -> Number | None:
    if match := _WHOLE_RE.match(text):
        return Number(Fraction(int(match.group(1))), "whole", 0)
    if match := _DECIMAL_RE.match(text):
        whole, places = match.group(1) or "", match.group(2)
        if not whole and not places:
            return None
        return Number(Fraction(int(whole or "0")) + _decimal_places(places), "decimal", len(places))
    if match := _FRACTION_RE.match(text):
        numerator, denominator = int(match.group(1)), int(match.group(2))
        if denominator == 0:
            return None
        return Number(Fraction(numerator, denominator), "fraction", denominator)
    if match := _MIXED_RE.match(text):
        whole, numerator, denominator = (int(g) for g in match.groups())
        if not 0 < numerator < denominator:
            return None
        return Number(whole + Fraction(numerator, denominator), "mixed", denominator)
    return None


def _decimal_places(places: str) -> Fraction:
    return Fraction(int(places), 10 ** len(places)) if places else Fraction(0)


def grade(item: Mapping[str, Any], response: object) -> Grade:
    """Grade `response` to `item`.

    The response is text for `number` and `text` items, a sequence of choice indices for
    `choice` items (a single index is accepted when one choice is to be picked) and the
    sequence of entry indices for `order` items.  Raises CheckError only for an item that
    breaks the pack format.
    """
    kind = item.get("type")
    graders = {"choice": _grade_choice, "number": _grade_number,
               "text": _grade_text, "order": _grade_order}
    if kind not in graders:
        raise CheckError(f"Item {item.get('id')!r} has an unknown type {kind!r}.")
    correct, normalized = graders[kind](item, response)
    return Grade(correct, normalized, _feedback(item, correct))


def _feedback(item: Mapping[str, Any], correct: bool) -> str:
    feedback = item.get("feedback")
    text = feedback.get("right" if correct else "wrong") if isinstance(feedback, Mapping) else None
    return text if isinstance(text, str) else ""


def _grade_choice(item: Mapping[str, Any], response: object) -> tuple[bool, str]:
    choices, answer = item.get("choices"), _indices(item.get("answer"))
    if not isinstance(choices, Sequence) or answer is None or not answer:
        raise CheckError(f"Choice item {item.get('id')!r} has no valid choices and answer.")
    picked = _indices([response] if type(response) is int else response)
    if picked is None or not all(0 <= i < len(choices) for i in picked):
        return False, ""
    normalized = ",".join(str(i) for i in sorted(set(picked)))
    if item.get("multiple") is True:
        return set(picked) == set(answer), normalized
    return len(set(picked)) == 1 and picked[0] in answer, normalized


def _grade_order(item: Mapping[str, Any], response: object) -> tuple[bool, str]:
    answer = _indices(item.get("answer"))
    if answer is None or not answer:
        raise CheckError(f"Order item {item.get('id')!r} has no valid answer.")
    given = _indices(response)
    if given is None:
        return False, ""
    return given == answer, ",".join(str(i) for i in given)


def _indices(value: object) -> list[int] | None:
    """A short list of whole numbers (never booleans), or None."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return None
    if len(value) > _MAX_INDICES or not all(type(i) is int for i in value):
        return None
    return list(value)


def _grade_number(item: Mapping[str, Any], response: object) -> tuple[bool, str]:
    answer = parse_number(item.get("answer"))
    tolerance = _tolerance(item.get("tolerance", 0))
    forms = item.get("forms", "equivalent")
    if answer is None or tolerance is None or forms not in ("equivalent", "exact"):
        raise CheckError(
            f"Number item {item.get('id')!r} has an invalid answer, tolerance or forms.")
    if not isinstance(response, str) or len(response) > MAX_NUMBER_CHARS:
        return False, ""
    normalized = " ".join(response.split())
    given = parse_number(response)
    if given is None:
        return False, normalized
    close = abs(given.value - answer.value) <= tolerance
    same_form = (given.form, given.shape) == (answer.form, answer.shape)
    return close and (forms == "equivalent" or same_form), normalized


def _tolerance(value: object) -> Fraction | None:
    """The tolerance as an exact fraction: `0.01` means one hundredth, not a binary float."""
    if type(value) is int:
        tolerance: Fraction | None = Fraction(value)
    elif isinstance(value, float) and math.isfinite(value):
        tolerance = Fraction(repr(value))
    else:
        number = parse_number(value)
        tolerance = number.value if number is not None else None
    return tolerance if tolerance is not None and tolerance >= 0 else None


def _grade_text(item: Mapping[str, Any], response: object) -> tuple[bool, str]:
    answers = item.get("answers")
    if (isinstance(answers, str) or not isinstance(answers, Sequence) or not answers
            or not all(isinstance(a, str) for a in answers)):
        raise CheckError(f"Text item {item.get('id')!r} has no list of accepted answers.")
    if not isinstance(response, str) or len(response) > MAX_TEXT_CHARS:
        return False, ""
    key = _text_key(response)
    return any(key == _text_key(a) for a in answers), " ".join(response.split())


def _text_key(text: str) -> str:
    """Case and spacing removed; NFC so that `é` typed and `é` authored are one letter."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()
