"""The README's promise: its two commands are the ones CI and newcomers run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```sh\n(.+?)\n```", text)


def test_the_first_two_readme_commands_set_up_then_demo_and_test() -> None:
    demo, test = readme_commands()[:2]
    assert demo.startswith("python3 -m venv .venv && ") and demo.endswith("pathstone demo")
    assert test.startswith("python3 -m venv .venv && ") and test.endswith(".venv/bin/pytest")


def test_ci_runs_the_readme_test_command() -> None:
    test = readme_commands()[1]
    assert test in (ROOT / ".ci" / "run").read_text().splitlines()
