"""Network sync against a real district on 127.0.0.1: convergence, cut links, kill -9."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import random
import signal
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from district.store import open_store
from engine.station import Station
from engine.sync.net import NetError, NetOptions, sync_net
from tests.conftest import run_cli
from tests.district.helpers import (
    PATHSTONE,
    CuttingProxy,
    Server,
    add_school,
    enrolled,
    ids,
    running,
    token_of,
)
from tests.engine.sync.conftest import record_some

FAST = NetOptions(timeout=5, attempts=40, backoff=0.01, max_pause=0.05, chunk_bytes=4096,
                  pull_limit=50)


def _sync(home: Path, url: str, options: NetOptions = FAST):
    with Station.open(home) as station:
        return sync_net(station, url, token_of(home), options)


def _district_ids(data: Path, school: str) -> list[str]:
    store = open_store(data)
    try:
        return sorted(e.id for e in store.events(school))
    finally:
        store.close()


@pytest.fixture
def school(tmp_path: Path) -> tuple[Path, str]:
    data = tmp_path / "district"
    return data, add_school(data)


def test_two_stations_converge_through_the_district(tmp_path, school):
    data, sid = school
    a, b = enrolled(data, sid, tmp_path / "a"), enrolled(data, sid, tmp_path / "b")
    record_some(a, 30, "amy")
    record_some(b, 20, "ben")
    with running(data) as server:
        assert _sync(a, server.url).sent == 30
        report = _sync(b, server.url)
        assert (report.sent, report.received) == (20, 30)
        assert _sync(a, server.url).received == 20
        again = _sync(a, server.url)
        assert (again.sent, again.received) == (0, 0)
    assert ids(a) == ids(b) == _district_ids(data, sid) and len(ids(a)) == 50


def test_a_link_cut_after_random_byte_counts_still_finishes_without_doubles(tmp_path, school):
    data, sid = school
    a, b = enrolled(data, sid, tmp_path / "a"), enrolled(data, sid, tmp_path / "b")
    record_some(a, 300, "amy")
    record_some(b, 100, "ben")
    with running(data) as server:
        proxy = CuttingProxy(server.port, seed=11, low=400, high=2500)
        try:
            first = _sync(a, proxy.url)
            second = _sync(b, proxy.url)
            third = _sync(a, proxy.url)
        finally:
            proxy.close()
    assert proxy.cuts >= 5 and first.retries + second.retries + third.retries >= 5
    assert (first.sent, second.sent, second.received, third.received) == (300, 100, 300, 100)
    assert ids(a) == ids(b) == _district_ids(data, sid) and len(ids(a)) == 400
    with Station.open(a) as station:
        assert station.journal.check().problems == ()


def test_bad_token_unreachable_district_and_non_json_replies_are_one_sentence(tmp_path, school):
    data, sid = school
    a = enrolled(data, sid, tmp_path / "a")
    record_some(a, 3)
    before = ids(a)
    with running(data) as server, Station.open(a) as station:
        with pytest.raises(NetError, match="refused: This station token is not known"):
            sync_net(station, server.url, "forged", FAST)
    with Station.open(a) as station:
        dead = NetOptions(timeout=1, attempts=2, backoff=0.01)
        with pytest.raises(NetError, match="could not be reached after 2 tries"):
            sync_net(station, f"http://127.0.0.1:{_closed_port()}", "t", dead)
        with _garbage_server(b"HTTP/1.0 200 OK\r\nContent-Length: 15\r\n\r\n<html>hi</html>") as url:
            with pytest.raises(NetError, match="not JSON"):
                sync_net(station, url, "t", FAST)
        body = b'{"school": "' + sid.encode() + b'", "frontier": {"x": "y"}}'
        with _garbage_server(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)) as url:
            with pytest.raises(NetError, match="no valid frontier"):
                sync_net(station, url, "t", FAST)
    assert ids(a) == before


def test_cli_sync_net_uses_the_enrolment_token(tmp_path, school):
    data, sid = school
    a = enrolled(data, sid, tmp_path / "a")
    record_some(a, 5)
    with running(data) as server:
        result = run_cli("sync", "net", server.url, "--home", str(a))
        assert result.code == 0 and "Sent 5 events" in result.out
        wrong = run_cli("sync", "net", server.url, "--home", str(a), "--token", "nope")
    assert wrong.code == 2 and wrong.err.startswith("pathstone: The district refused")
    assert _district_ids(data, sid) == ids(a)


def test_kill_9_of_client_and_of_server_mid_sync_loses_and_doubles_nothing(tmp_path, school):
    data, sid = school
    a, b = enrolled(data, sid, tmp_path / "a"), enrolled(data, sid, tmp_path / "b")
    record_some(a, 2000, "amy")
    record_some(b, 500, "ben")
    rng = random.Random(5)
    server = Server(data).start()
    try:
        proxy = CuttingProxy(server.port, seed=3, low=20_000, high=60_000)
        _sync(a, server.url, NetOptions())
        client = subprocess.Popen(  # b's sync killed while it pulls a's events page by page
            [PATHSTONE, "sync", "net", server.url, "--home", str(b)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert client.stderr is not None
        assert client.stderr.readline().startswith(b"Sent 500 of 500")
        assert client.stderr.readline().startswith(b"Received ")
        assert client.poll() is None
        client.send_signal(signal.SIGKILL)
        client.wait()
        client.stderr.close()
        assert 500 < len(ids(b)) < 2500
        record_some(b, 300, "cal")  # so that the sync below has many chunks to push
        stop_at = rng.randint(2, 8)
        calls = []

        def kill_server_mid_push(_: str) -> None:
            calls.append(1)
            if len(calls) == stop_at:
                server.kill()

        with Station.open(b) as station, pytest.raises(NetError, match="could not be reached"):
            sync_net(station, proxy.url, token_of(b),
                     NetOptions(timeout=2, attempts=3, backoff=0.01, chunk_bytes=1024),
                     kill_server_mid_push)
        server.start()
        for home in (a, b, a):
            _sync(home, proxy.url, NetOptions(chunk_bytes=64 * 1024, backoff=0.01, attempts=50))
        proxy.close()
    finally:
        server.kill()
    assert ids(a) == ids(b) == _district_ids(data, sid) and len(ids(a)) == 2800
    for home in (a, b):
        with Station.open(home) as station:
            assert station.journal.check().problems == ()


@pytest.mark.stress
def test_stress_many_syncs_through_a_cutting_proxy(tmp_path, school):
    data, sid = school
    homes = [enrolled(data, sid, tmp_path / name) for name in "abc"]
    rounds = int(os.environ.get("PATHSTONE_STRESS_ROUNDS", "20"))
    rng = random.Random(rounds)
    with running(data) as server:
        proxy = CuttingProxy(server.port, seed=rounds, low=400, high=20_000)
        try:
            for turn in range(rounds):
                home = rng.choice(homes)
                record_some(home, rng.randint(0, 200), f"l{turn % 7}")
                _sync(home, proxy.url)
            for home in [*homes, *homes]:
                _sync(home, proxy.url)
        finally:
            proxy.close()
    assert ids(homes[0]) == ids(homes[1]) == ids(homes[2]) == _district_ids(data, sid)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def _garbage_server(reply: bytes):
    """A socket that answers every connection with fixed bytes: not an HTTP server."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def _self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_https_is_verified_against_the_given_ca_file(tmp_path, school):
    data, sid = school
    a = enrolled(data, sid, tmp_path / "a")
    record_some(a, 4)
    cert, key = _self_signed(tmp_path, "district")
    other, _ = _self_signed(tmp_path, "impostor")
    server = Server(data, tls=(cert, key)).start()
    try:
        trusted = run_cli("sync", "net", server.url, "--home", str(a), "--ca-file", str(cert))
        untrusted = run_cli("sync", "net", server.url, "--home", str(a), "--ca-file", str(other))
    finally:
        server.kill()
    assert trusted.code == 0 and "Sent 4 events" in trusted.out
    assert untrusted.code == 2 and "certificate is not trusted" in untrusted.err
    assert untrusted.err.count("\n") == 1
