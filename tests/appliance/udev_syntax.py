"""A syntax check of udev rules files, for systems whose udevadm has no `verify` (< 253).

It checks what udev itself rejects or silently ignores: unknown keys, operators a key
does not take, unquoted or unterminated values, rules that assign nothing, and GOTOs
without their LABEL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MATCH_OPS = frozenset({"==", "!="})
ASSIGN_OPS = frozenset({"=", "+=", "-=", ":="})

# Key -> (takes an {attribute}, may match, may assign); from udev(7), systemd 252.
KEYS: dict[str, tuple[bool, bool, bool]] = {
    "ACTION": (False, True, False), "DEVPATH": (False, True, False),
    "KERNEL": (False, True, False), "KERNELS": (False, True, False),
    "SUBSYSTEM": (False, True, False), "SUBSYSTEMS": (False, True, False),
    "DRIVER": (False, True, False), "DRIVERS": (False, True, False),
    "ATTRS": (True, True, False), "TAGS": (False, True, False),
    "CONST": (True, True, False), "TEST": (True, True, False),
    "PROGRAM": (False, True, False), "RESULT": (False, True, False),
    "NAME": (False, True, True), "SYMLINK": (False, True, True),
    "ATTR": (True, True, True), "SYSCTL": (True, True, True),
    "ENV": (True, True, True), "TAG": (False, True, True),
    "OWNER": (False, False, True), "GROUP": (False, False, True),
    "MODE": (False, False, True), "SECLABEL": (True, False, True),
    "RUN": (True, False, True), "IMPORT": (True, True, False),
    "OPTIONS": (False, False, True), "LABEL": (False, False, True),
    "GOTO": (False, False, True),
}
RUN_TYPES = frozenset({"", "program", "builtin"})

_PAIR = re.compile(r'\s*([A-Z]+)(?:\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,?)')


@dataclass(frozen=True)
class Pair:
    key: str
    attr: str | None
    op: str
    value: str


def check_file(path: Path) -> list[str]:
    """Every problem in the rules file at `path`, as `name:line: message`."""
    problems: list[str] = []
    labels: set[str] = set()
    gotos: list[tuple[int, str]] = []
    for number, line in _logical_lines(path.read_text(encoding="utf-8")):
        pairs, error = parse_rule(line)
        if error is not None:
            problems.append(f"{path.name}:{number}: {error}")
            continue
        problems.extend(f"{path.name}:{number}: {p}" for p in _pair_problems(pairs))
        labels.update(p.value for p in pairs if p.key == "LABEL")
        gotos.extend((number, p.value) for p in pairs if p.key == "GOTO")
    problems.extend(
        f"{path.name}:{number}: GOTO {target!r} has no LABEL in this file"
        for number, target in gotos if target not in labels
    )
    return problems


def parse_rule(line: str) -> tuple[list[Pair], str | None]:
    """The key-operator-value pairs of one rule, or the reason it does not parse."""
    pairs: list[Pair] = []
    at = 0
    while at < len(line):
        match = _PAIR.match(line, at)
        if match is None:
            return pairs, f"cannot read a KEY==\"value\" pair at column {at + 1}: {line[at:at + 30]!r}"
        key, attr, op, value, comma = match.groups()
        pairs.append(Pair(key, attr, op, value))
        at = match.end()
        if not comma and at < len(line):
            return pairs, f"expected a comma at column {at + 1}"
    return pairs, None


def _pair_problems(pairs: list[Pair]) -> list[str]:
    problems = []
    for pair in pairs:
        if pair.key not in KEYS:
            problems.append(f"unknown key {pair.key}")
            continue
        takes_attr, can_match, can_assign = KEYS[pair.key]
        if takes_attr != (pair.attr is not None) and pair.key not in ("RUN", "IMPORT"):
            problems.append(f"{pair.key} {'needs' if takes_attr else 'takes no'} {{attribute}}")
        if pair.key == "RUN" and (pair.attr or "") not in RUN_TYPES:
            problems.append(f"RUN{{{pair.attr}}} is not program or builtin")
        if pair.op in MATCH_OPS and not can_match:
            problems.append(f"{pair.key} cannot be matched with {pair.op}")
        if pair.op in ASSIGN_OPS and not can_assign:
            problems.append(f"{pair.key} cannot be assigned with {pair.op}")
    if pairs and not any(p.op in ASSIGN_OPS for p in pairs):
        problems.append("the rule only matches and assigns nothing")
    return problems


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Rules with comments and blank lines dropped and backslash continuations joined."""
    lines: list[tuple[int, str]] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1]
            continue
        lines.append((start, pending + stripped))
        pending = ""
    if pending:
        lines.append((start, pending))
    return lines
