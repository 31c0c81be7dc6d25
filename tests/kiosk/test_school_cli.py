"""A school without a district: a second station by enrolment file, records and packs by stick."""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path

from tests.conftest import run_cli

DEMO_KEY = Path(__file__).resolve().parents[2] / "content_packs" / "demo-key"


def test_a_second_station_joins_the_school_and_a_stick_carries_records_and_packs(
    home: Path, tmp_path: Path
) -> None:
    enrolment = tmp_path / "enrol.json"
    exported = run_cli("school", "export", "--home", str(home), "-o", str(enrolment))
    assert exported.code == 0 and "keep it secret" in exported.out
    assert stat.S_IMODE(enrolment.stat().st_mode) == 0o600
    second = tmp_path / "second"
    assert run_cli("init", "--home", str(second), "--enrol", str(enrolment)).code == 0
    statuses = [run_cli("status", "--home", str(h)).out.splitlines()[1] for h in (home, second)]
    assert statuses[0] == statuses[1]  # the same school line, id included

    run_cli("simulate", "--home", str(home), "--learners", "3", "--days", "1")
    pack = tmp_path / "stick" / "packs" / "fractions.pspack"
    pack.parent.mkdir(parents=True)
    run_cli("pack", "build", str(DEMO_KEY.parent / "fractions"), "-o", str(pack),
            "--key", str(DEMO_KEY / "demo.key"))
    untrusted = run_cli("sync", "usb", str(tmp_path / "stick"), "--home", str(home))
    assert untrusted.code == 1 and "refused    packs/fractions.pspack" in untrusted.out
    run_cli("trust", "add", str(DEMO_KEY / "demo.key.pub"), "--home", str(second))

    relay = run_cli("sync", "usb", str(tmp_path / "stick"), "--home", str(second))
    assert relay.code == 0
    assert "installed  packs/fractions.pspack" in relay.out
    exports = [run_cli("journal", "export", "--home", str(h)).out.splitlines() for h in (home, second)]
    simulated = {json.loads(line)["id"] for line in exports[0]}
    assert simulated <= {json.loads(line)["id"] for line in exports[1]}
    assert "org.pathstone.math.fractions" in run_cli("pack", "list", "--home", str(second)).out


def test_a_bad_enrolment_file_is_one_sentence_and_makes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "enrol.json"
    bad.write_text('{"format": 1, "kind": "pathstone-enrolment", "school": {}}')
    result = run_cli("init", "--home", str(tmp_path / "new"), "--enrol", str(bad))
    assert result.code == 2
    assert result.err.strip() == "pathstone: enrol.json is not a valid Pathstone enrolment file."
    assert not (tmp_path / "new").exists()


def test_an_unreachable_district_is_exit_75_for_the_weekly_timer(tmp_path: Path) -> None:
    from engine.sync.enrolment import Enrolment, enrol

    with socket.socket() as probe:  # a loopback port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    home = tmp_path / "station"
    enrol(home, Enrolment("sc1", "Hill", b"k" * 32, "token", f"http://127.0.0.1:{port}")).close()
    result = run_cli("sync", "net", "--home", str(home), "--attempts", "1", "--timeout", "2")
    assert result.code == 75
    assert result.err.count("\n") == 1 and "could not be reached after 1 tries" in result.err
