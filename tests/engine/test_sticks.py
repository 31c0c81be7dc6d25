"""USB sticks: which are in and mounted (from the mount table, never their files), and
what one holds for the teacher, with every bad file one line and a pulled stick one
sentence."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine import sticks
from engine.places import Places
from engine.station import Station
from engine.sticks import (
    TAKEN_OUT,
    Holding,
    Stick,
    find_sticks,
    parse_mountinfo,
    summarise,
)
from engine.sync import bundle
from engine.sync.enrolment import Enrolment, write_enrolment
from engine.sync.usb import UsbError, sync_stick
from tests.engine.stick_rig import (
    bundles_folder,
    escaped,
    leave_bundle,
    pack_file,
    stick_at,
    write_mountinfo,
)
from tests.engine.sync.conftest import record_some, sibling_of


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def places(tmp_path: Path) -> Places:
    return Places(tmp_path / "root")


@pytest.fixture
def sibling(home: Path, tmp_path: Path) -> Callable[[str], Path]:
    return lambda name: sibling_of(home, tmp_path / name)


def device_of(home: Path) -> str:
    with Station.open(home) as station:
        return station.identity.device_id


def holding(home: Path, installed: dict[str, str] | None = None) -> Holding:
    with Station.open(home) as station:
        return Holding.of(station, installed or {})


# -- the mount table -----------------------------------------------------------------------


def test_the_mount_table_is_read_with_its_optional_fields_and_escapes() -> None:
    text = (b"22 27 0:21 / /proc rw,relatime - proc proc rw\n"
            b"90 27 0:50 / /run/media/pathstone/my\\040stick rw shared:5 master:1 - autofs systemd-1 rw\n"
            b"91 90 8:1 / /run/media/pathstone/my\\040stick rw,nosuid - vfat /dev/sda1 rw,flush\n"
            b"92 27 8:2 / /run/media/tab\\011back\\134slash\\012nl rw - exfat /dev/sdb1 rw\n"
            b"this line is not of the format\n"
            b"93 27 8:3 / /no/separator rw shared:1 vfat /dev/sdc1 rw\n")
    table = parse_mountinfo(text)
    assert table["/proc"] == ["proc"]
    assert table["/run/media/pathstone/my stick"] == ["autofs", "vfat"]
    assert table["/run/media/tab\tback\\slash\nnl"] == ["exfat"]
    assert "/no/separator" not in table and len(table) == 3


def test_sticks_are_found_by_name_and_mount_table_without_touching_their_files(
        places: Places, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("sda1", "sdb1", "my stick"):
        (stick_at(places, name) / "inside.txt").write_text("a stick's file")
    stick_at(places, "left-behind")  # an empty mount point of a stick pulled earlier
    (stick_at(places, "pretend") / "pathstone").mkdir()  # a developer's folder
    stick_at(places, ".hidden")
    (places.sticks / "a-file").write_text("not a stick")
    write_mountinfo(places, [("sda1", "autofs"), ("sdb1", "autofs"), ("sdb1", "vfat"),
                             ("my stick", "autofs"), ("my stick", "exfat"), ("gone", "autofs")])
    listed: list[str] = []
    real_scandir = os.scandir

    def scandir(path: str | Path) -> object:
        listed.append(os.path.basename(str(path)))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = {s.name: s for s in find_sticks(places.sticks, places.mountinfo)}
    monkeypatch.undo()
    assert sorted(found) == ["gone", "my stick", "pretend", "sda1", "sdb1"]
    assert found["sda1"] == Stick("sda1", places.sticks / "sda1", "", True)
    assert not found["sda1"].mounted and not found["sda1"].plain
    assert found["sdb1"].filesystem == "vfat" and found["sdb1"].mounted
    assert found["my stick"].filesystem == "exfat"
    assert found["pretend"].plain and not found["pretend"].mounted
    # Only the sticks folder and the folders with no mount entry were listed.
    assert sorted(listed) == sorted(["pathstone", "left-behind", "pretend"])


def test_no_sticks_folder_or_mount_table_is_no_sticks(places: Places) -> None:
    assert find_sticks(places.sticks, places.mountinfo) == ()
    (stick_at(places, "pretend") / "x").write_text("x")
    assert [s.name for s in find_sticks(places.sticks, places.mountinfo)] == ["pretend"]


def test_a_stick_is_unmounted_once_its_filesystem_leaves_the_table(places: Places) -> None:
    stick_at(places)
    write_mountinfo(places, [("sda1", "autofs"), ("sda1", "vfat")])
    assert find_sticks(places.sticks, places.mountinfo)[0].mounted
    write_mountinfo(places, [("sda1", "autofs")])
    assert not find_sticks(places.sticks, places.mountinfo)[0].mounted
    write_mountinfo(places, [])  # pulled: the units stopped, the empty folder stays
    assert find_sticks(places.sticks, places.mountinfo) == ()


def test_the_sticks_folder_can_be_given_instead_of_the_root(tmp_path: Path) -> None:
    folder = tmp_path / "my-sticks"
    (folder / "stick").mkdir(parents=True)
    (folder / "stick" / "f").write_text("x")
    places = Places(tmp_path / "root", sticks_folder=folder)
    assert places.sticks == folder
    assert [s.name for s in find_sticks(places.sticks, places.mountinfo)] == ["stick"]


# -- what is on a stick --------------------------------------------------------------------


def test_the_summary_names_packs_bundles_and_the_enrolment_file(
        home: Path, sibling: Callable[[str], Path], tmp_path: Path, key: Ed25519PrivateKey,
        places: Places) -> None:
    stick = stick_at(places)
    pack_file(stick / "packs", key, "alpha-1.2.0.pspack", version="1.2.0")
    pack_file(stick / "packs", key, "alpha-1.1.0.pspack", version="1.1.0")
    pack_file(stick, key, "beta.pspack", pack_id="org.test.beta", prefix="beta")
    pack_file(stick, key, "gamma.pspack", pack_id="org.test.gamma", prefix="gamma", version="0.9.0")
    pack_file(stick, key, "delta.pspack", pack_id="org.test.delta", prefix="delta")
    (stick / "garbage.pspack").write_bytes(b"PK\x03\x04 not really a zip")
    # Two other stations of this school, this station's own bundle, another school's,
    # and one cut short.
    b, c = sibling("b"), sibling("c")
    device_b, device_c = device_of(b), device_of(c)
    record_some(b, 3, "amy")
    record_some(c, 2, "ben")
    whole = bundles_folder(stick) / leave_bundle(b, stick)
    leave_bundle(c, stick)
    record_some(home, 1)
    with Station.open(home) as station:  # left at an earlier sync (without taking any in)
        bundle.write_bundle(bundles_folder(stick), bundle.make_bundle(station, {})[0])
    stranger = tmp_path / "stranger"
    Station.init(stranger, "Elsewhere").close()
    record_some(stranger, 2)
    leave_bundle(stranger, stick)
    (bundles_folder(stick) / f"cut{bundle.SUFFIX}").write_bytes(whole.read_bytes()[:-20])
    with Station.open(home) as station:
        write_enrolment(stick / "pathstone-enrol.json",
                        Enrolment(station.identity.school_id, "Test School", station.school_key()))

    found = summarise(stick, holding(home, {"org.test.alpha": "1.1.0", "org.test.beta": "1.0.0",
                                            "org.test.gamma": "1.0.0"}))
    packs = {p.name: (p.standing, p.detail) for p in found.packs}
    assert packs["packs/alpha-1.2.0.pspack"] == ("newer", "1.1.0")
    assert packs["packs/alpha-1.1.0.pspack"] == ("older", "1.2.0")  # the sync takes 1.2.0
    assert packs["beta.pspack"] == ("installed", "1.0.0")
    assert packs["gamma.pspack"] == ("older", "1.0.0")
    assert packs["delta.pspack"] == ("new", "")
    standing, why = packs["garbage.pspack"]
    assert standing == "unreadable" and why.endswith(".") and "\n" not in why
    assert [(r.sender, r.bundles, r.records, r.new) for r in found.records] == sorted(
        [(device_b, 1, 3, 3), (device_c, 1, 2, 2)])
    assert found.own_bundles == 1 and found.other_schools == 1
    assert [name for name, _ in found.bad_bundles] == [f"cut{bundle.SUFFIX}"]
    assert "could not be verified" in found.bad_bundles[0][1]
    assert found.enrolment.startswith("An enrolment file for this school")
    assert found.problem == "" and not found.empty


def test_records_already_held_are_not_counted_as_new(
        home: Path, sibling: Callable[[str], Path], places: Places) -> None:
    stick, other = stick_at(places), sibling("b")
    record_some(other, 4)
    leave_bundle(other, stick)
    leave_bundle(home, stick)  # takes the four in
    [records] = summarise(stick, holding(home)).records
    assert (records.records, records.new) == (4, 0)


def test_an_empty_stick_and_a_foreign_enrolment_file(home: Path, places: Places) -> None:
    stick = stick_at(places)
    assert summarise(stick, holding(home)).empty
    write_enrolment(stick / "pathstone-enrol.json",
                    Enrolment("scother", "Other\nSchool [b]", b"k" * 32))
    assert summarise(stick, holding(home)).enrolment.startswith(
        "An enrolment file for another school, Other?School [b] is on the stick.")
    (stick / "pathstone-enrol.json").write_text("{not json")
    assert "not a valid Pathstone enrolment file" in summarise(stick, holding(home)).enrolment


def test_a_stick_gone_between_listing_and_reading_is_one_sentence(home: Path, places: Places) -> None:
    stick = stick_at(places)
    (stick / "f").write_text("x")
    [found] = find_sticks(places.sticks, places.mountinfo)
    shutil.rmtree(stick)
    assert summarise(found.path, holding(home)).problem == (
        "The stick was taken out before it could be read.")


def test_a_stick_pulled_mid_read_keeps_what_was_read(
        home: Path, sibling: Callable[[str], Path], key: Ed25519PrivateKey, places: Places,
        monkeypatch: pytest.MonkeyPatch) -> None:
    stick = stick_at(places)
    pack_file(stick, key, "alpha.pspack")
    other = sibling("b")
    record_some(other, 1)
    leave_bundle(other, stick)

    def pulled(path: Path) -> bytes:
        shutil.rmtree(stick)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(bundle, "read_bundle_file", pulled)
    found = summarise(stick, holding(home))
    assert found.problem == TAKEN_OUT
    assert [p.name for p in found.packs] == ["alpha.pspack"]


def test_one_look_is_bounded(home: Path, sibling: Callable[[str], Path], places: Places,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    stick = stick_at(places)
    for name in "bcd":
        other = sibling(name)
        record_some(other, 1)
        leave_bundle(other, stick)
    monkeypatch.setattr(sticks, "MAX_BUNDLES", 2)
    found = summarise(stick, holding(home))
    assert sum(r.bundles for r in found.records) == 2 and found.not_opened == 1


# -- the whole sync with a stick -------------------------------------------------------------


def test_a_stick_pulled_while_packs_install_keeps_the_records_and_says_so(
        home: Path, sibling: Callable[[str], Path], key: Ed25519PrivateKey, places: Places,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from engine import keys, packs

    pub = places.root / "k.pub"
    pub.parent.mkdir(parents=True, exist_ok=True)
    pub.write_bytes(keys.public_of(key).to_pem())
    keys.trust(home, pub)
    stick = stick_at(places)
    pack_file(stick, key, "alpha.pspack")
    pack_file(stick, key, "beta.pspack", pack_id="org.test.beta", prefix="beta")
    other = sibling("b")
    record_some(other, 3)
    leave_bundle(other, stick)
    real_install = packs.install_on

    def install_then_pull(station: Station, file: Path, **options: object) -> object:
        if file.name == "beta.pspack":
            raise OSError(5, "Input/output error")
        return real_install(station, file, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(packs, "install_on", install_then_pull)
    said: list[str] = []
    with Station.open(home) as station, pytest.raises(UsbError, match="pulled out") as caught:
        sync_stick(station, stick, said.append, on_pack=lambda p: said.append(p.outcome))
    assert [r.added for r in caught.value.report.received] == [3]
    assert "installed" in said
    assert [p.id for p in packs.catalog(home).packs] == ["org.test.alpha"]
    with Station.open(home) as station:
        assert len(station.journal.history("amy")) == 3


def test_the_summary_line_for_a_sticks_folder_that_is_not_a_folder(home: Path, places: Places) -> None:
    places.sticks.parent.mkdir(parents=True)
    places.sticks.write_text("a file where the folder should be")
    assert find_sticks(places.sticks, places.mountinfo) == ()
    assert escaped("a b\\c") == "a\\040b\\134c"


@pytest.fixture
def mounted_stick(tmp_path: Path) -> Iterator[Path]:
    """A real mount (tmpfs standing in for a stick's vfat) under a sticks folder whose
    name the kernel must escape in its mount table; unmounted again at the end."""
    folder = tmp_path / "sticks folder" / "sdz1"
    folder.mkdir(parents=True)
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                           capture_output=True, text=True, check=False)
    if mount.returncode != 0:
        pytest.skip(f"this machine does not let the tests mount ({mount.stderr.strip()})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, check=False)


def test_the_kernels_own_table_shows_a_stick_mounted_then_unmounted(mounted_stick: Path) -> None:
    places = Places(sticks_folder=mounted_stick.parent)  # the machine's real mount table
    (mounted_stick / "notes.txt").write_text("on the stick")
    (stick,) = find_sticks(places.sticks, places.mountinfo)
    assert (stick.name, stick.filesystem, stick.mounted) == ("sdz1", "tmpfs", True)
    subprocess.run(["umount", str(mounted_stick)], check=True)
    # What is left is the empty mount point of a stick taken out: no stick.
    assert find_sticks(places.sticks, places.mountinfo) == ()
