"""Content packs: build, sign, verify, install, upgrade, remove, scan a stick, and the
corpus of bad packs, each refused with one sentence and no change to the station."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine import keys, packs
from engine.station import Station
from kiosk.cli import main
from tests.engine import badpacks


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture()
def key_file(tmp_path: Path, key: Ed25519PrivateKey) -> Path:
    from cryptography.hazmat.primitives import serialization as s

    path = tmp_path / "signing.key"
    path.write_bytes(key.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()))
    (tmp_path / "signing.key.pub").write_bytes(keys.public_of(key).to_pem())
    return path


@pytest.fixture()
def home(tmp_path: Path, key_file: Path) -> Path:
    home = tmp_path / "station"
    Station.init(home, "Test School").close()
    keys.trust(home, key_file.with_name("signing.key.pub"))
    return home


def built(tmp_path: Path, key: Ed25519PrivateKey, name: str = "alpha", **options: object) -> Path:
    src = badpacks.write_folder(tmp_path / f"src-{name}", badpacks.pack_data(**options))  # type: ignore[arg-type]
    out = tmp_path / f"{name}.pspack"
    packs.build(src, out, key)
    return out


def cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(home: Path) -> dict[str, str]:
    """Every file's sha256, every link's target and every folder of the station home,
    once the state cache has caught up with the journal (opening the station does that)."""
    Station.open(home).close()
    found = {}
    for dirpath, dirnames, filenames in os.walk(home):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(home))
            if path.is_symlink():
                found[rel] = "link → " + os.readlink(path)
            elif path.is_dir():
                found[rel] = "folder"
            else:
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def events(home: Path, kind: str) -> list[dict[str, object]]:
    with Station.open(home) as station:
        return [e.data for _, e in station.journal.scan() if e.type == kind]  # type: ignore[misc]


# -- building and verifying ---------------------------------------------------------------


def test_build_is_checked_reproducible_and_verifies(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    first = built(tmp_path, key)
    again = tmp_path / "again.pspack"
    packs.build(tmp_path / "src-alpha", again, key)
    assert first.read_bytes() == again.read_bytes()
    result = packs.verify(first, keys.public_of(key))
    assert (result.content.id, result.content.version) == ("org.test.alpha", "1.0.0")
    assert [s.id for s in result.content.skills] == badpacks.skill_ids("alpha", 3)
    assert result.content.item_types() == {"choice": 3, "number": 3, "text": 3, "order": 3}
    assert {f.path for f in result.manifest.files} == set(badpacks.pack_data())


def test_verify_cli_prints_the_pack_or_one_sentence(
        tmp_path: Path, key: Ed25519PrivateKey, key_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = built(tmp_path, key)
    code, out, _ = cli(capsys, "pack", "verify", file, "--trust", key_file.with_name("signing.key.pub"))
    assert code == 0
    assert "org.test.alpha 1.0.0" in out and "alpha.skill-2" in out
    assert "items       12 (choice 3, number 3, order 3, text 3)" in out
    other = tmp_path / "other.key"
    keys.generate(other)
    code, out, err = cli(capsys, "pack", "verify", file, "--trust", other.with_name("other.key.pub"))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "not by the trusted key" in err


def test_build_refuses_links_and_stray_files(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    src = badpacks.write_folder(tmp_path / "src", badpacks.pack_data())
    cases = [
        (lambda: (src / "lessons" / "link.md").symlink_to(src / "lessons" / "skill-0.md"), "symbolic link"),
        (lambda: os.link(src / "lessons" / "skill-0.md", src / "lessons" / "hard.md"), "hard link"),
        (lambda: (src / ".DS_Store").write_bytes(b"x"), "not part of a format 1 pack"),
        (lambda: (src / "media").mkdir(), "not part of a format 1 pack"),
    ]
    for make, says in cases:
        make()
        with pytest.raises(packs.PackError, match=says):
            packs.build(src, tmp_path / "out.pspack", key)
        assert not (tmp_path / "out.pspack").exists()
        shutil.rmtree(src)
        badpacks.write_folder(src, badpacks.pack_data())


def test_schema_file_is_a_valid_json_schema() -> None:
    from importlib import resources

    from jsonschema import Draft202012Validator

    schema = json.loads(resources.files("engine.packs").joinpath("format1.schema.json").read_bytes())
    Draft202012Validator.check_schema(schema)


# -- installing ---------------------------------------------------------------------------


def test_install_upgrade_same_file_and_downgrade(
        tmp_path: Path, key: Ed25519PrivateKey, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    v1 = built(tmp_path, key, "v1")
    v2 = built(tmp_path, key, "v2", version="1.1.0", lesson_text="Version two.")
    code, out, _ = cli(capsys, "pack", "install", v1, "--home", home)
    assert code == 0 and out == "Installed org.test.alpha 1.0.0.\n"
    before = snapshot(home)
    code, out, _ = cli(capsys, "pack", "install", v1, "--home", home)
    assert code == 0 and "already installed; nothing changed" in out
    assert snapshot(home) == before
    code, out, _ = cli(capsys, "pack", "install", v2, "--home", home)
    assert code == 0 and out == "Installed org.test.alpha 1.1.0 (was 1.0.0).\n"
    assert "Version two." in (home / "packs" / "org.test.alpha" / "lessons" / "skill-0.md").read_text()
    assert len(list((home / "packs" / ".store").iterdir())) == 1
    code, _, err = cli(capsys, "pack", "install", v1, "--home", home)
    assert code == 2 and "the older version 1.0.0 is refused" in err
    same_version = built(tmp_path, key, "v2b", version="1.1.0", lesson_text="Changed quietly.")
    code, _, err = cli(capsys, "pack", "install", same_version, "--home", home)
    assert code == 2 and "needs a higher version number" in err
    recorded = events(home, packs.PACK_INSTALLED)
    assert [(e["version"], e["previous"]) for e in recorded] == [("1.0.0", None), ("1.1.0", "1.0.0")]


def test_untrusted_pack_needs_the_flag_and_the_setting(
        tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = built(tmp_path, Ed25519PrivateKey.generate(), "local")
    code, _, err = cli(capsys, "pack", "install", file, "--home", home)
    assert code == 2 and "which this station does not trust" in err
    code, _, err = cli(capsys, "pack", "install", file, "--home", home, "--allow-unsigned")
    assert code == 2 and "allow_local_packs" in err
    assert cli(capsys, "settings", "allow_local_packs", "true", "--home", home)[0] == 0
    code, out, _ = cli(capsys, "pack", "install", file, "--home", home, "--allow-unsigned")
    assert code == 0 and "not signed by a trusted key" in out
    assert events(home, packs.PACK_INSTALLED)[0]["trusted"] is False


def test_trusted_key_is_a_file_in_the_station(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "st"
    Station.init(home, "S").close()
    code, out, _ = cli(capsys, "keygen", "-o", tmp_path / "district.key")
    assert code == 0 and "fingerprint" in out
    assert stat.S_IMODE((tmp_path / "district.key").stat().st_mode) == 0o600
    assert cli(capsys, "keygen", "-o", tmp_path / "district.key")[0] == 2  # never overwrites
    code, _, err = cli(capsys, "trust", "add", tmp_path / "district.key", "--home", home)
    assert code == 2 and "is a private key" in err
    code, out, _ = cli(capsys, "trust", "add", tmp_path / "district.key.pub", "--home", home)
    fingerprint = keys.load_public(tmp_path / "district.key.pub").fingerprint
    assert code == 0 and fingerprint in out
    assert list(keys.trusted(home)) == [fingerprint]
    assert "already trusts" in cli(capsys, "trust", "add", tmp_path / "district.key.pub", "--home", home)[1]


def test_catalog_gives_skills_items_activities_and_lessons(
        tmp_path: Path, key: Ed25519PrivateKey, home: Path) -> None:
    packs.install(home, built(tmp_path, key))
    catalog = packs.catalog(home)
    assert [p.id for p in catalog.packs] == ["org.test.alpha"]
    assert list(catalog.skills) == badpacks.skill_ids("alpha", 3)
    assert catalog.skills["alpha.skill-1"].requires == ("alpha.skill-0",)
    assert catalog.skills["alpha.skill-1"].mastery == {"model": "m_of_n", "m": 4, "n": 5}
    assert catalog.skills["alpha.skill-0"].mastery["prior"] == 0.2
    assert [i["id"] for i in catalog.items("alpha.skill-0")] == ["alpha-0-c", "alpha-0-n", "alpha-0-t", "alpha-0-o"]
    assert [a["id"] for a in catalog.activities("alpha.skill-1")] == ["alpha.project"]
    assert catalog.lesson("alpha.skill-2").startswith("# Skill 2")
    assert packs.read_lesson(home, "alpha.skill-0").startswith("# Skill 0")
    with pytest.raises(packs.PackError, match="No installed pack has the skill"):
        catalog.lesson("beta.nothing")
    assert packs.catalog(home / "nowhere").packs == ()


def test_missing_prerequisite_pack_is_a_warning_and_blocks_its_skills(
        tmp_path: Path, key: Ed25519PrivateKey, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    beta = built(tmp_path, key, "beta", pack_id="org.test.beta", prefix="beta", extra_requires=("alpha.skill-2",))
    code, out, err = cli(capsys, "pack", "install", beta, "--home", home)
    assert code == 0 and "Installed org.test.beta" in out
    assert "Prerequisite alpha.skill-2 is in no installed pack; beta.skill-0 will not be offered" in err
    assert packs.catalog(home).unavailable() == set(badpacks.skill_ids("beta", 3))
    packs.install(home, built(tmp_path, key))
    assert packs.catalog(home).unavailable() == set()
    assert packs.catalog(home).missing_requirements() == {}


def test_skill_ids_and_cycles_are_checked_across_packs(
        tmp_path: Path, key: Ed25519PrivateKey, home: Path) -> None:
    packs.install(home, built(tmp_path, key, extra_requires=("beta.skill-2",)))
    cyclic = built(tmp_path, key, "beta", pack_id="org.test.beta", prefix="beta", extra_requires=("alpha.skill-1",))
    before = snapshot(home)
    with pytest.raises(packs.PackError, match="With the installed packs, the prerequisites form a cycle"):
        packs.install(home, cyclic)
    clash = built(tmp_path, key, "clash", pack_id="org.test.clash")  # same skill ids as alpha
    with pytest.raises(packs.PackError, match="already in the installed pack org.test.alpha"):
        packs.install(home, clash)
    assert snapshot(home) == before


def test_remove_keeps_other_packs_and_warns_about_dependents(
        tmp_path: Path, key: Ed25519PrivateKey, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    packs.install(home, built(tmp_path, key))
    packs.install(home, built(tmp_path, key, "beta", pack_id="org.test.beta", prefix="beta",
                              extra_requires=("alpha.skill-2",)))
    code, out, err = cli(capsys, "pack", "remove", "org.test.alpha", "--home", home)
    assert code == 0 and "Removed org.test.alpha 1.0.0" in out
    assert "beta.skill-0 of org.test.beta requires alpha.skill-2" in err
    assert [p.id for p in packs.catalog(home).packs] == ["org.test.beta"]
    assert len(list((home / "packs" / ".store").iterdir())) == 1
    assert events(home, packs.PACK_REMOVED) == [{"pack": "org.test.alpha", "version": "1.0.0"}]
    code, _, err = cli(capsys, "pack", "remove", "org.test.alpha", "--home", home)
    assert code == 2 and "No pack with the id org.test.alpha is installed." in err


def test_leftovers_of_an_interrupted_install_are_cleaned(
        tmp_path: Path, key: Ed25519PrivateKey, home: Path) -> None:
    packs.install(home, built(tmp_path, key))
    root = home / "packs"
    before = snapshot(home)
    (root / ".staging" / "tmp123" / "lessons").mkdir(parents=True)
    (root / ".staging" / "tmp123" / "lessons" / "half.md").write_text("half")
    (root / ".store" / "org.test.alpha@2.0.0.abcd").mkdir()
    (root / ".link-abcd").symlink_to(".store/org.test.alpha@2.0.0.abcd")
    assert [p.version for p in packs.catalog(home).packs] == ["1.0.0"]
    assert snapshot(home) == before


# -- the bad packs ------------------------------------------------------------------------


@pytest.mark.parametrize("bad", badpacks.CORPUS, ids=[b.name for b in badpacks.CORPUS])
def test_bad_pack_is_refused_in_one_sentence_and_changes_nothing(
        bad: badpacks.BadPack, tmp_path: Path, key: Ed25519PrivateKey, home: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    packs.install(home, built(tmp_path, key, "installed", pack_id="org.test.installed", prefix="installed"))
    (tmp_path / "bad").mkdir()
    file = bad.make(tmp_path / "bad", key)
    before = snapshot(home)
    code, out, err = cli(capsys, "pack", "install", file, "--home", home)
    assert code == 2 and out == ""
    assert err.startswith("pathstone: ") and err.endswith(".\n") and err.count("\n") == 1, err
    assert bad.says in err
    assert snapshot(home) == before


def test_bad_pack_on_an_empty_station_changes_nothing(
        tmp_path: Path, key: Ed25519PrivateKey, home: Path) -> None:
    packs.install(home, built(tmp_path, key))
    packs.remove(home, "org.test.alpha")
    before = snapshot(home)
    for bad in badpacks.CORPUS[::4]:
        folder = tmp_path / bad.name
        folder.mkdir()
        with pytest.raises(packs.PackError):
            packs.install(home, bad.make(folder, key))
        assert snapshot(home) == before, bad.name


# -- a USB stick --------------------------------------------------------------------------


def test_scan_installs_the_newest_packs_found_on_a_stick(
        tmp_path: Path, key: Ed25519PrivateKey, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stick = tmp_path / "stick"
    places = {
        "packs/old/alpha-1.0.0.pspack": built(tmp_path, key, "a1"),
        "a/b/c/alpha-1.2.0.pspack": built(tmp_path, key, "a2", version="1.2.0"),
        "beta.pspack": built(tmp_path, key, "beta", pack_id="org.test.beta", prefix="beta"),
        "a/b/c/d/gamma.pspack": built(tmp_path, key, "g1", pack_id="org.test.gamma", prefix="gamma"),
        ".hidden/gamma.pspack": built(tmp_path, key, "g2", pack_id="org.test.gamma", prefix="gamma"),
        "System Volume Information/gamma.pspack": built(tmp_path, key, "g3", pack_id="org.test.gamma", prefix="gamma"),
        "$RECYCLE.BIN/gamma.pspack": built(tmp_path, key, "g4", pack_id="org.test.gamma", prefix="gamma"),
        ".Trashes/501/gamma.pspack": built(tmp_path, key, "g5", pack_id="org.test.gamma", prefix="gamma"),
        "broken.pspack": None,
    }
    for where, source in places.items():
        (stick / where).parent.mkdir(parents=True, exist_ok=True)
        if source is None:
            (stick / where).write_bytes(b"PK\x03\x04 cut short")
        else:
            shutil.copy(source, stick / where)
    packs.install(home, places["beta.pspack"])  # type: ignore[arg-type]
    code, out, err = cli(capsys, "pack", "scan", stick, "--home", home)
    assert code == 1  # one file was refused
    lines = out.splitlines()
    assert len(lines) == 4, out
    assert lines[0].startswith("refused    broken.pspack: ") and "not a complete pack file" in lines[0]
    assert lines[1] == "installed  a/b/c/alpha-1.2.0.pspack: org.test.alpha 1.2.0"
    assert lines[2].startswith("up to date packs/old/alpha-1.0.0.pspack: org.test.alpha 1.0.0 (1.2.0 is installed)")
    assert lines[3].startswith("up to date beta.pspack: org.test.beta 1.0.0 (already installed)")
    assert "100% a/b/c/alpha-1.2.0.pspack" in err
    assert sorted(p.id for p in packs.catalog(home).packs) == ["org.test.alpha", "org.test.beta"]
    code, _, err = cli(capsys, "pack", "scan", tmp_path / "no-stick", "--home", home)
    assert code == 2 and "is not a folder" in err


# -- what ships ---------------------------------------------------------------------------


def test_demo_key_is_a_matching_pair_marked_as_demo() -> None:
    from importlib import resources

    folder = Path(str(resources.files("content_packs") / "demo-key"))
    public = keys.load_public(folder / "demo.key.pub")
    assert keys.public_of(keys.load_private(folder / "demo.key")) == public
    assert b"DEMO KEY" in (folder / "demo.key").read_bytes()[:200]
    assert b"DEMO KEY" in (folder / "demo.key.pub").read_bytes()[:200]


def test_shipped_packs_install_or_are_skipped_in_one_line(tmp_path: Path) -> None:
    from importlib import resources

    root = Path(str(resources.files("content_packs")))
    folders = [p.name for p in root.iterdir() if p.is_dir() and p.name not in ("demo-key", "__pycache__")]
    lines: list[str] = []
    with Station.init(tmp_path / "demo", "Demo") as station:
        results = packs.install_shipped(station, lines.append)
        assert len(lines) == len(folders)
        assert all("\n" not in line for line in lines)
        assert len([line for line in lines if line.startswith("Installed the demo pack")]) == len(results)
        assert sorted(p.id for p in packs.catalog(station.home).packs) == sorted(r.pack_id for r in results)
        assert list(keys.trusted(station.home)) == [keys.load_public(root / "demo-key" / "demo.key.pub").fingerprint]


def test_the_example_in_the_format_page_builds(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    import re

    page = (Path(__file__).resolve().parents[2] / "docs" / "pack-format.md").read_text()
    blocks = re.findall(r"^### `halves/([^`]+)`\n\n```\w+\n(.*?)^```", page, re.DOTALL | re.MULTILINE)
    assert len(blocks) == 6
    for name, text in blocks:
        (tmp_path / "halves" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "halves" / name).write_text(text)
    content, _ = packs.build(tmp_path / "halves", tmp_path / "halves.pspack", key)
    assert (content.id, len(content.skills), content.item_count) == ("org.example.math.halves", 2, 5)
    assert set(content.item_types()) == {"choice", "number", "text", "order"}
