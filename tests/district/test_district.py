"""The district: provisioning, bundles in and out, reports, and a guarded HTTP API."""

from __future__ import annotations

import gzip
import json
import os
import socket
import stat
import urllib.error
import urllib.request

import pytest

from district.store import open_store
from engine.station import Station, StationError
from engine.sync import bundle
from engine.sync.enrolment import EnrolmentError, read_enrolment
from engine.sync.usb import sync_usb
from tests.conftest import run_cli
from tests.district.helpers import add_school, enrolled, ids, running, token_of
from tests.engine.sync.conftest import record_some


def test_add_school_and_enrolment_make_stations_of_one_school(tmp_path):
    data = tmp_path / "district"
    school = add_school(data)
    out = tmp_path / "a.enrol"
    result = run_cli("district", "enroll", "--school", school, "-o", str(out), "--data", str(data))
    assert result.code == 0 and "secret" in result.out
    enrolment = read_enrolment(out)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert enrolment.key.hex() not in result.out + repr(enrolment)
    assert enrolment.token not in result.out + repr(enrolment)
    a = enrolled(data, school, tmp_path / "a")
    b = enrolled(data, school, tmp_path / "b")
    with Station.open(a) as first, Station.open(b) as second:
        assert first.identity.school_id == second.identity.school_id == school
        assert first.identity.device_id != second.identity.device_id
        assert first.school_key() == second.school_key() == enrolment.key
    assert token_of(a) != token_of(b)


def test_unknown_school_and_bad_enrolment_files_are_refused(tmp_path):
    data = tmp_path / "district"
    add_school(data)
    result = run_cli("district", "enroll", "--school", "scnope", "-o", str(tmp_path / "x"),
                     "--data", str(data))
    assert result.code == 2 and "no school" in result.err
    bad = tmp_path / "bad.enrol"
    for text in ["", "[]", '{"format": 1}', json.dumps({
            "format": 1, "kind": "pathstone-enrolment", "token": None, "district": None,
            "pack_keys": [], "school": {"id": "sc1", "name": "X", "key": "c2hvcnQ="}})]:
        bad.write_text(text)
        with pytest.raises(EnrolmentError, match="not a valid"):
            read_enrolment(bad)


def test_init_with_a_school_still_makes_a_new_school_and_checks_given_keys(tmp_path):
    a = Station.init(tmp_path / "a", "One")
    b = Station.init(tmp_path / "b", "One")
    assert a.identity.school_id != b.identity.school_id
    a.close(), b.close()
    with pytest.raises(StationError, match="32-byte key"):
        Station.init(tmp_path / "c", "One", school_id="sc1", school_key=b"short")
    with pytest.raises(StationError, match="32-byte key"):
        Station.init(tmp_path / "d", "One", school_id="sc1")


def test_usb_round_trip_through_the_district(tmp_path):
    data = tmp_path / "district"
    school = add_school(data)
    a, b = enrolled(data, school, tmp_path / "a"), enrolled(data, school, tmp_path / "b")
    record_some(a, 4, "amy")
    record_some(b, 2, "ben")
    stick = tmp_path / "stick"
    stick.mkdir()
    for home in (a, b):
        with Station.open(home) as station:
            sync_usb(station, stick)
    for path in (stick / "pathstone").glob("*" + bundle.SUFFIX):
        result = run_cli("district", "import-bundle", str(path), "--data", str(data))
        assert result.code == 0, result.err
    again = run_cli("district", "import-bundle", str(path), "--data", str(data))
    assert "0 new events" in again.out  # a replayed bundle adds nothing
    back = tmp_path / "back" / "pathstone"
    back.mkdir(parents=True)
    result = run_cli("district", "export-bundle", "--school", school, "-o",
                     str(back / "from-district.psbundle"), "--data", str(data))
    # b carried a's events too, and both said so: only b's two are news to anyone
    assert result.code == 0 and result.out.startswith("Wrote 2 events")
    for home in (a, b):
        with Station.open(home) as station:
            sync_usb(station, tmp_path / "back")
    assert ids(a) == ids(b) and len(ids(a)) == 6


def test_district_refuses_bundles_it_cannot_verify(tmp_path):
    data = tmp_path / "district"
    school = add_school(data)
    stranger = tmp_path / "stranger"
    Station.init(stranger, "Nowhere").close()
    record_some(stranger, 2)
    with Station.open(stranger) as station:
        foreign, _ = bundle.make_bundle(station, {})
    a = enrolled(data, school, tmp_path / "a")
    record_some(a, 2)
    with Station.open(a) as station:
        good, _ = bundle.make_bundle(station, {})
    tampered = good[:-1] + bytes([good[-1] ^ 1])
    for name, payload, words in [("f", foreign, "does not know"), ("t", tampered, "could not be verified"),
                                 ("c", good[: len(good) // 2], "could not be verified")]:
        (tmp_path / name).write_bytes(payload)
        result = run_cli("district", "import-bundle", str(tmp_path / name), "--data", str(data))
        assert result.code == 2 and words in result.err and result.err.count("\n") == 1
    store = open_store(data)
    try:
        assert list(store.events(school)) == []
    finally:
        store.close()


def test_reports_give_mastery_csv_and_stable_xapi_ids(tmp_path):
    data = tmp_path / "district"
    school = add_school(data)
    a = enrolled(data, school, tmp_path / "a")
    with Station.open(a) as station:
        station.record("amy", "learner_added", {"name": "Amy Private", "grade": 4, "role": "student"})
        for correct in (True, True, False, True):
            station.record("amy", "answer", {"skill": "frac.add", "item": f"i{correct}",
                                             "correct": correct, "response": "x", "hints": 0,
                                             "attempt": 1})
        station.record(None, "setting_changed", {"key": "k", "value": 1})
        sealed, _ = bundle.make_bundle(station, {})
    (tmp_path / "b.psbundle").write_bytes(sealed)
    run_cli("district", "import-bundle", str(tmp_path / "b.psbundle"), "--data", str(data))
    csv = run_cli("district", "report", "--school", school, "--format", "csv", "--data", str(data))
    lines = csv.out.strip().splitlines()
    assert lines[0] == "learner,skill,answers,right,p_known"
    assert lines[1].startswith("amy,frac.add,4,3,")
    xapi = run_cli("district", "report", "--school", school, "--format", "xapi", "--data", str(data))
    assert "Amy Private" not in xapi.out  # names stay in the school
    first = [s for s in json.loads(xapi.out) if "result" in s]
    second = [s for s in json.loads(run_cli("district", "report", "--school", school, "--format",
                                            "xapi", "--data", str(data)).out) if "result" in s]
    assert len(first) == 4 and len({s["id"] for s in first}) == 4
    assert [s["id"] for s in first] == [s["id"] for s in second]
    assert first[0]["actor"]["account"]["name"] == "amy"
    assert [s["result"]["success"] for s in first] == [True, True, False, True]
    assert all(s["object"]["id"].endswith("/skill/frac.add") for s in first)


def _post(url: str, body: bytes, token: str | None, gzipped: bool = False) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_http_api_refuses_bad_requests_with_one_sentence(tmp_path):
    data = tmp_path / "district"
    school = add_school(data)
    a = enrolled(data, school, tmp_path / "a")
    token = token_of(a)
    with Station.open(a) as station:
        device = station.identity.device_id
    hello = json.dumps({"device": device, "frontier": {}}).encode()
    with running(data) as server:
        cases = [
            ("/v1/hello", hello, None, 401),
            ("/v1/hello", hello, "wrong-token", 401),
            ("/v1/hello", b"{not json", token, 400),
            ("/v1/hello", b"[1]", token, 400),
            ("/v1/hello", json.dumps({"device": "bad id!", "frontier": {}}).encode(), token, 400),
            ("/v1/push", json.dumps({"device": device, "events": []}).encode(), token, 403),
            ("/v1/hello", hello, token, 200),
            ("/v1/hello", json.dumps({"device": "stother", "frontier": {}}).encode(), token, 403),
            ("/v1/push", json.dumps({"device": device, "events": [{"id": 1}]}).encode(), token, 400),
            ("/v1/pull", json.dumps({"frontier": {}, "cursor": -1, "limit": 5}).encode(), token, 400),
            ("/v1/pull", json.dumps({"frontier": {}, "cursor": 0, "limit": 5}).encode(), token, 200),
        ]
        for path, body, tok, status in cases:
            code, reply = _post(server.url + path, body, tok)
            assert code == status, (path, body[:40], reply)
            if status != 200:
                assert reply["error"].endswith(".") and "\n" not in reply["error"]
        assert _declared_too_large(server.port, token).startswith(b"HTTP/1.1 413")
        bomb = gzip.compress(b" " * (40 * 1024 * 1024))
        assert _post(server.url + "/v1/hello", bomb, token, gzipped=True)[0] == 413
        assert _post(server.url + "/v1/hello", b"\x1f\x8bnot gzip", token, gzipped=True)[0] == 400
        assert _post(server.url + "/v1/hello", gzip.compress(hello), token, gzipped=True)[0] == 200


def _declared_too_large(port: int, token: str) -> bytes:
    """An oversized request is refused on its declared length, before its body is read."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"POST /v1/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n"
                     b"Authorization: Bearer " + token.encode() + b"\r\n\r\n{")
        return conn.recv(200)


def test_school_without_district_adds_a_station_then_joins_a_district(tmp_path):
    from engine.sync.enrolment import enrol, school_enrolment, write_enrolment
    from engine.sync.net import NetOptions, sync_net

    first = tmp_path / "a"
    Station.init(first, "Valley School").close()
    record_some(first, 3, "amy")
    exported = tmp_path / "school.enrol"
    with Station.open(first) as station:
        write_enrolment(exported, school_enrolment(station))
        school = station.identity.school_id
    enrol(tmp_path / "b", read_enrolment(exported)).close()
    stick = tmp_path / "stick"
    stick.mkdir()
    for home in (first, tmp_path / "b"):
        with Station.open(home) as station:
            sync_usb(station, stick)
    assert ids(tmp_path / "b") == ids(first)
    data = tmp_path / "district"
    adopted = run_cli("district", "add-school", "--enrolment", str(exported), "--data", str(data))
    assert adopted.code == 0 and adopted.out.split()[-1] == school
    again = run_cli("district", "add-school", "--enrolment", str(exported), "--data", str(data))
    assert again.code == 2 and "already has" in again.err
    run_cli("district", "enroll", "--school", school, "-o", str(tmp_path / "t.enrol"), "--data", str(data))
    token = read_enrolment(tmp_path / "t.enrol").token
    assert token
    with running(data) as server, Station.open(first) as station:
        report = sync_net(station, server.url, token, NetOptions(backoff=0.01))
    assert report.sent == 3
    with Station.open(tmp_path / "b") as station:
        sealed, _ = bundle.make_bundle(station, {})
    (tmp_path / "b.psbundle").write_bytes(sealed)
    taken = run_cli("district", "import-bundle", str(tmp_path / "b.psbundle"), "--data", str(data))
    assert taken.code == 0 and "0 new events" in taken.out  # b's copy of a's events, already held


def test_enrolment_carries_trusted_pack_keys_and_refuses_a_bad_one(tmp_path):
    from engine import keys
    from engine.sync.enrolment import (
        Enrolment,
        enrol,
        school_enrolment,
        write_enrolment,
    )

    data = tmp_path / "district"
    school = add_school(data)
    public, _ = keys.generate(tmp_path / "packs.key")
    enrol_file = tmp_path / "k.enrol"
    result = run_cli("district", "enroll", "--school", school, "-o", str(enrol_file),
                     "--pack-key", str(public), "--data", str(data))
    assert result.code == 0
    enrol(tmp_path / "a", read_enrolment(enrol_file)).close()
    expected = keys.load_public(public).fingerprint
    assert set(keys.trusted(tmp_path / "a")) == {expected}
    with Station.open(tmp_path / "a") as station:  # a second station inherits the trust
        write_enrolment(tmp_path / "s.enrol", school_enrolment(station))
    enrol(tmp_path / "b", read_enrolment(tmp_path / "s.enrol")).close()
    assert set(keys.trusted(tmp_path / "b")) == {expected}
    bad = read_enrolment(enrol_file)
    forged = Enrolment(bad.school_id, bad.school_name, bad.key, None, None, ("not a key",))
    with pytest.raises(EnrolmentError, match="Pack key 1 in the enrolment"):
        enrol(tmp_path / "c", forged)
    assert not (tmp_path / "c").exists()
