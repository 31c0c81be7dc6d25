"""`pathstone evidence list|review`: a teacher looks at logged evidence and rates it.

Until the teacher screens exist, this is how a student's performance task gets its
review; a rating at or above the rubric's proficient level masters the task's skills.
"""

from __future__ import annotations

import argparse

from engine.learner import Curriculum, record_review
from engine.mastery import evidence_log
from engine.packs import catalog
from engine.roster import members_of
from kiosk.commands.common import open_station


def register(commands: argparse._SubParsersAction, home: argparse.ArgumentParser) -> None:
    evidence = commands.add_parser("evidence", help="list and review students' logged evidence")
    sub = evidence.add_subparsers(title="evidence commands", metavar="COMMAND")
    listing = sub.add_parser("list", parents=[home],
                             help="every logged evidence, waiting or reviewed, with its id")
    listing.add_argument("--waiting", action="store_true", help="only evidence not yet reviewed")
    listing.set_defaults(command=_list)
    review = sub.add_parser("review", parents=[home], help="rate logged evidence at a rubric level")
    review.add_argument("event_id", metavar="EVENT_ID", help="the id that `evidence list` shows")
    review.add_argument("level", metavar="LEVEL", help="a level id of the task's rubric")
    review.set_defaults(command=_review)
    evidence.set_defaults(command=lambda args: evidence.print_help() or 2)


def _list(args: argparse.Namespace) -> None:
    with open_station(args) as station:
        logged = evidence_log(event for _, event in station.journal.scan())
        names = {member_id: member.name for member_id, member in members_of(station).items()}
    shown = [entry for entry in logged if not (args.waiting and entry.review is not None)]
    if not shown:
        print("No evidence is logged." if not logged else "No evidence is waiting for review.")
        return
    for entry in shown:
        event, review = entry.evidence, entry.review
        status = "waiting" if review is None else f"reviewed: {review.data.get('level')}"
        learner = str(event.learner)
        print(f"{event.id}  {names.get(learner, learner)}  {event.data.get('activity')}  "
              f"student says: {event.data.get('level', '-')}  {status}")
        print(f"    {event.data.get('note', '')}")


def _review(args: argparse.Namespace) -> None:
    with open_station(args) as station:
        curriculum = Curriculum.from_catalog(catalog(station.home))
        event = record_review(station, curriculum.activities, args.event_id, args.level)
    print(f"Recorded: {event.data['activity']} rated {event.data['level']} for {event.learner}.")
