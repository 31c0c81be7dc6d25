"""Signed packs from the district: offered when newer, downloaded by byte range through
a link that keeps being cut, checked against the announced digest and the trusted keys."""

from __future__ import annotations

import base64
import json
import random
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine import keys, packs
from engine.station import Station
from engine.sync.downloads import DOWNLOADS, _offers, fetch_packs
from engine.sync.net import NetError, NetOptions
from tests.conftest import run_cli
from tests.district.helpers import CuttingProxy, add_school, enrolled, running, token_of
from tests.engine import badpacks

FAST = NetOptions(backoff=0.01, max_pause=0.05, attempts=80, timeout=5)


def _pack(tmp: Path, key: Ed25519PrivateKey, version: str = "1.0.0") -> Path:
    noise = base64.b64encode(random.Random(7).randbytes(90_000)).decode()
    src = badpacks.write_folder(tmp / f"src-{version}", badpacks.pack_data(version=version, lesson_text=noise))
    out = tmp / f"alpha-{version}.pspack"
    packs.build(src, out, key)
    return out


def _setup(tmp: Path, trusted: bool = True) -> tuple[Path, str, Path, Path]:
    data = tmp / "district"
    school = add_school(data)
    home = enrolled(data, school, tmp / "a")
    key = Ed25519PrivateKey.generate()
    (tmp / "signer.pub").write_bytes(keys.public_of(key).to_pem())
    if trusted:
        keys.trust(home, tmp / "signer.pub")
    pack = _pack(tmp, key)
    added = run_cli("district", "add-pack", str(pack), "--data", str(data))
    assert added.code == 0 and "now offers org.test.alpha 1.0.0" in added.out, added.err
    return data, school, home, pack


def _installed(home: Path) -> dict[str, str]:
    return {p.id: p.version for p in packs.catalog(home).packs}


def test_a_download_cut_many_times_resumes_and_installs_once(tmp_path):
    data, _, home, pack = _setup(tmp_path)
    with running(data) as server:
        proxy = CuttingProxy(server.port, seed=3, low=6_000, high=30_000)
        with Station.open(home) as station:
            report = fetch_packs(station, proxy.url, token_of(home), FAST)
            again = fetch_packs(station, proxy.url, token_of(home), FAST)
        proxy.close()
    assert report.installed == ["org.test.alpha 1.0.0"] and not report.refused, report
    assert proxy.cuts >= 5
    assert report.received_bytes == pack.stat().st_size  # no byte fetched twice
    assert again.installed == [] and again.received_bytes == 0
    assert _installed(home) == {"org.test.alpha": "1.0.0"}
    assert list((home / DOWNLOADS).iterdir()) == []


def test_a_tampered_download_and_an_untrusted_signer_install_nothing(tmp_path):
    data, _, home, _ = _setup(tmp_path)
    stored = next((data / "packs").glob("*.pspack"))
    raw = bytearray(stored.read_bytes())
    raw[len(raw) // 2] ^= 1
    stored.write_bytes(bytes(raw))
    other = tmp_path / "other"
    other.mkdir()
    data2, _, home2, _ = _setup(other, trusted=False)
    with running(data) as server, Station.open(home) as station:
        tampered = fetch_packs(station, server.url, token_of(home), FAST)
    with running(data2) as server:
        untrusted = run_cli("sync", "net", server.url, "--home", str(home2))
    [(_, problem)] = tampered.refused
    assert "does not match the digest" in problem and problem.count(". ") == 0
    assert untrusted.code == 1 and "refused   the pack org.test.alpha 1.0.0" in untrusted.out
    assert "does not trust" in untrusted.out
    assert _installed(home) == {} == _installed(home2)
    assert list((home / DOWNLOADS).iterdir()) == [] == list((home2 / DOWNLOADS).iterdir())


def test_the_server_refuses_bad_ranges_tokens_and_unknown_packs(tmp_path):
    data, _, home, pack = _setup(tmp_path)
    size = pack.stat().st_size
    with running(data) as server:
        sha = json.loads(_get(server.url + "/v1/packs", token_of(home),
                              body={"installed": {}})[1])["packs"][0]["sha256"]
        url = f"{server.url}/v1/pack/{sha}"
        status, body, headers = _get(url, token_of(home), {"Range": f"bytes={size - 10}-"})
        assert status == 206 and len(body) == 10 and headers["content-range"] == f"bytes {size - 10}-{size - 1}/{size}"
        for rng in ["bytes=5-2", "bytes=0-1,5-6", "items=0-", f"bytes={size}-", "bytes=-5"]:
            status, body, _ = _get(url, token_of(home), {"Range": rng})
            assert status == 416 and json.loads(body)["error"].endswith("."), rng
        assert _get(url, "wrong", {})[0] == 401
        assert _get(f"{server.url}/v1/pack/{'0' * 64}", token_of(home), {})[0] == 404
        status, body, _ = _get(server.url + "/v1/packs", token_of(home), body={"installed": {"x": "one"}})
        assert status == 400 and "1.2.3" in json.loads(body)["error"]
        newer = json.loads(_get(server.url + "/v1/packs", token_of(home),
                                body={"installed": {"org.test.alpha": "1.0.0"}})[1])
        assert newer == {"packs": []}


def test_a_reply_that_offers_what_was_not_asked_is_refused():
    good = {"id": "org.a", "version": "2.0.0", "sha256": "a" * 64, "size": 10}
    assert len(_offers({"packs": [good]}, {"org.a": "1.0.0"})) == 1
    for bad in [{"packs": [good]}, {"packs": [good, good]}, {"packs": "x"}, {},
                {"packs": [{**good, "size": -1}]}, {"packs": [{**good, "sha256": "../x"}]}]:
        with pytest.raises(NetError, match="not a list of newer packs"):
            _offers(bad, {"org.a": "2.0.0"} if bad == {"packs": [good]} else {})


def test_a_pack_with_other_contents_under_a_held_version_is_refused(tmp_path):
    data, _, _, _ = _setup(tmp_path)
    (tmp_path / "again").mkdir()
    other = _pack(tmp_path / "again", Ed25519PrivateKey.generate())
    result = run_cli("district", "add-pack", str(other), "--data", str(data))
    assert result.code == 2 and "other contents" in result.err and result.err.count("\n") == 1


def _get(url: str, token: str, headers: dict[str, str] | None = None,
         body: dict | None = None) -> tuple[int, bytes, dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={
        "Authorization": f"Bearer {token}", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read(), dict(reply.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_a_download_reply_that_is_not_the_range_asked_for_is_refused(tmp_path):
    import contextlib
    import io

    from engine.sync.downloads import DownloadReport, Offer, _resume

    class Whole(io.BytesIO):
        status, headers = 200, {"Content-Length": "10"}

    class FakeLink:
        @contextlib.contextmanager
        def open(self, path, headers):
            assert headers == {"Range": "bytes=4-"}
            yield Whole(b"x" * 10)

    part = tmp_path / "p.part"
    part.write_bytes(b"abcd")
    with pytest.raises(NetError, match="not the byte range asked for"):
        _resume(FakeLink(), Offer("org.a", "1.0.0", "a" * 64, 10), part, DownloadReport())  # type: ignore[arg-type]
    assert part.read_bytes() == b"abcd"
