"""`pathstone doctor`: one screen that tells a technician whether the station is well."""

from __future__ import annotations

import argparse
import textwrap
import time

from engine import doctor
from kiosk.commands.common import home_of

_CHECK_WIDTH = 24
_VERDICT_WIDTH = 10


def register(commands: argparse._SubParsersAction, home: argparse.ArgumentParser) -> None:
    run = commands.add_parser(
        "doctor", parents=[home],
        help="check the station and the machine; exit 1 if anything needs attention")
    run.set_defaults(command=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    home = home_of(args)
    findings = doctor.examine(home)
    print(f"Pathstone doctor  {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"station home      {home}")
    print()
    for finding in findings:
        print(_line(finding))
    attention = sum(f.verdict is doctor.Verdict.ATTENTION for f in findings)
    print()
    if attention:
        print(f"{attention} thing(s) need attention (marked ATTENTION above).")
        return 1
    print("Nothing needs attention.")
    return 0


def _line(finding: doctor.Finding) -> str:
    """One finding, its detail wrapped to fit an 80-column console."""
    head = f"{finding.verdict.value:<{_VERDICT_WIDTH}}{finding.check:<{_CHECK_WIDTH}}"
    return textwrap.fill(finding.detail, width=80, initial_indent=head,
                         subsequent_indent=" " * len(head))
