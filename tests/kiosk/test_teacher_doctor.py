"""`pathstone doctor` in short on the teacher's screen, checked off the UI thread."""

from __future__ import annotations

import threading
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static

from engine.doctor import Finding, Probe, Verdict
from engine.station import Station
from kiosk.screens.teacher import ASK, LINE, TeacherScreen, doctor_lines
from tests.kiosk.kiosk_rig import kiosk


def shown(pilot: Pilot[Any]) -> str:
    return str(pilot.app.screen.query_one("#doctor-body", Static).render())


def test_attention_comes_first_and_each_finding_is_one_line() -> None:
    lines = doctor_lines([Finding("clock", Verdict.OK, "fine"),
                          Finding("scanner", Verdict.UNKNOWN, "no port"),
                          Finding("packs", Verdict.ATTENTION, "none installed " * 9)])
    assert [line[:9] for line in lines] == ["!! packs:", "ok clock:", "-- scanne"]
    assert len(lines[0]) == LINE and lines[0].endswith("...")


async def test_f6_shows_the_findings_without_stopping_the_screen(classroom: Station) -> None:
    systemd_answers = threading.Event()

    def unit_state(unit: str) -> str:
        systemd_answers.wait(5)  # a slow systemctl
        return "active"

    probe = Probe(disk_usage=lambda path: (10**10, 10**10, 10**6),
                  unit_state=unit_state)
    app = kiosk(classroom)
    async with app.run_test() as pilot:
        await app.push_screen(TeacherScreen(classroom, probe))
        assert shown(pilot) == ASK
        await pilot.press("f6")
        await pilot.pause()
        assert shown(pilot) == "Checking the station ..."
        systemd_answers.set()
        for _ in range(200):
            await pilot.pause(0.02)
            if "Checking" not in shown(pilot):
                break
        lines = shown(pilot).splitlines()
    assert lines[0].startswith("!! free space: only 1 MB free")
    assert "ok journal: 10 events from 1 station(s), no problems" in lines
    assert "ok pathstone-kiosk.service: active" in lines
    assert all(len(line) <= LINE for line in lines)
