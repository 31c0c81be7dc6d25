"""Exact arithmetic for checking answer keys: a safe evaluator and the number forms.

Independent of the engine on purpose, so that the keys are checked by code that did not
write or grade them.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from fractions import Fraction

# --- a safe evaluator for `check` expressions -----------------------------------------

MAX_EXPRESSION = 200
MAX_CONSTANT = 10**9
_OPERATORS: dict[type[ast.operator], Callable[[Fraction, Fraction], Fraction]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def evaluate(expression: str) -> Fraction:
    """The exact value of an arithmetic expression; ValueError for anything else."""
    if len(expression) > MAX_EXPRESSION:
        raise ValueError("expression too long")
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as error:
        raise ValueError(f"not an expression: {expression!r}") from error
    return _value(tree.body)


def _value(node: ast.AST) -> Fraction:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        if node.value > MAX_CONSTANT:
            raise ValueError("constant too large")
        return Fraction(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_value(node.operand)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, ast.Div) and right == 0:
            raise ValueError("division by zero")
        return _OPERATORS[type(node.op)](left, right)
    raise ValueError(f"not allowed in a check: {type(node).__name__}")


# --- number answers as the format writes them: 12, 0.75, 3/4, 1 1/2 ------------------

_WHOLE = r"-?\d+"
_DECIMAL = r"-?\d+\.\d+"
_FRACTION = r"-?\d+/\d+"
_MIXED = r"-?\d+ \d+/\d+"


def parse_number(text: str) -> Fraction:
    """The value of an answer written in one of the format's four forms."""
    if re.fullmatch(_WHOLE, text) or re.fullmatch(_DECIMAL, text):
        return Fraction(text)
    if re.fullmatch(_FRACTION, text):
        top, bottom = text.split("/")
        if int(bottom) == 0:
            raise ValueError(f"zero denominator in {text!r}")
        return Fraction(int(top), int(bottom))
    if re.fullmatch(_MIXED, text):
        whole, part = text.split(" ")
        top, bottom = (int(n) for n in part.split("/"))
        if not 0 < top < bottom:
            raise ValueError(f"the fraction of a mixed number must be proper: {text!r}")
        sign = -1 if whole.startswith("-") else 1
        return sign * (abs(int(whole)) + Fraction(top, bottom))
    raise ValueError(f"not a number answer: {text!r}")


def is_whole_number(text: str) -> bool:
    return re.fullmatch(_WHOLE, text) is not None


def in_lowest_terms(text: str) -> bool:
    """Whether an answer is written in simplest form (no common factor, no 4/1, no 0.50)."""
    if re.fullmatch(_WHOLE, text):
        return True
    if re.fullmatch(_DECIMAL, text):
        return not text.endswith("0")
    top, bottom = (int(n) for n in text.split(" ")[-1].lstrip("-").split("/"))
    return bottom > 1 and math.gcd(top, bottom) == 1
