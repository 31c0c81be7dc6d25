"""Badge payloads, verdicts and printed sheets, read back with an independent QR decoder."""

from __future__ import annotations

import io
import re
import string
from pathlib import Path

import pytest
import qrcode
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFilter

from engine import badges, roster
from engine.badges import PrintedBadge
from engine.roster import Member
from engine.station import Station

KEY = bytes(range(32))
SCHOOL = "sc0a1b2c3d"
ALICE = Member("lk7mq2xp", added=True, name="Alice A.", named_at="1", grade="4")
TEACHER = Member("lt2ach3r", added=True, name="Mr T.", named_at="1", role="teacher")
MEMBERS = {m.id: m for m in (ALICE, TEACHER)}


def good() -> str:
    return badges.payload(SCHOOL, ALICE.id, 1, KEY)


def pdf_page_images(path: Path) -> list[Image.Image]:
    """The page images inside a PDF that write_pdf made (JPEG streams, read by length)."""
    data = path.read_bytes()
    images = []
    for match in re.finditer(rb"/Length (\d+)\n>>stream\n", data):
        stream = data[match.end():match.end() + int(match.group(1))]
        if stream.startswith(b"\xff\xd8"):
            images.append(Image.open(io.BytesIO(stream)))
    return images


def decoded(image: Image.Image) -> list[str]:
    return sorted(r.text for r in zxingcpp.read_barcodes(image))


def test_a_payload_is_short_alphanumeric_and_fits_a_small_qr_code() -> None:
    text = badges.payload("sc" + "f" * 22, "l" + "z" * 23, roster.MAX_SERIAL, KEY)  # longest ids
    assert set(text) <= set(string.ascii_uppercase + string.digits + ":")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    assert code.version <= 4
    assert len(good()) <= 45
    assert badges.parse(good()) == badges.Badge(SCHOOL, ALICE.id, 1, good()[-16:])


def test_a_good_badge_signs_its_learner_in_and_a_teacher_badge_asks_for_a_pin() -> None:
    verdict = badges.check(good(), SCHOOL, KEY, MEMBERS)
    assert verdict.ok and verdict.member == ALICE
    teacher = badges.check(badges.payload(SCHOOL, TEACHER.id, 1, KEY), SCHOOL, KEY, MEMBERS)
    assert teacher.ok and teacher.member == TEACHER and "PIN" in teacher.message
    # Caps Lock on a keyboard scanner, or a trailing space, change nothing.
    assert badges.check(f" {good().lower()} ", SCHOOL, KEY, MEMBERS).ok


def test_every_single_character_change_is_refused() -> None:
    text = good()
    alphabet = string.ascii_uppercase + string.digits + ":"
    for i, original in enumerate(text):
        for replacement in (alphabet[(alphabet.index(original) + 1) % len(alphabet)], "#"):
            altered = text[:i] + replacement + text[i + 1:]
            verdict = badges.check(altered, SCHOOL, KEY, MEMBERS)
            assert not verdict.ok, altered
            assert verdict.message in (badges.NOT_A_BADGE, badges.DAMAGED, badges.OTHER_SCHOOL,
                                       badges.NOT_GENUINE)


def test_other_schools_forgeries_and_removed_learners_get_their_own_sentence() -> None:
    assert badges.check(badges.payload("sc99999999", ALICE.id, 1, KEY), SCHOOL, KEY,
                        MEMBERS).message == badges.OTHER_SCHOOL
    assert badges.check(badges.payload(SCHOOL, ALICE.id, 1, b"x" * 32), SCHOOL, KEY,
                        MEMBERS).message == badges.NOT_GENUINE
    assert badges.check(badges.payload(SCHOOL, "lnobody", 1, KEY), SCHOOL, KEY,
                        MEMBERS).message == badges.NOT_ON_ROSTER
    gone = {ALICE.id: Member(ALICE.id, added=True, name="A", named_at="1", deactivated=True)}
    assert badges.check(good(), SCHOOL, KEY, gone).message == badges.INACTIVE
    assert badges.check("hello", SCHOOL, KEY, MEMBERS).message == badges.NOT_A_BADGE
    assert badges.check("PS1:SC0A1B2C3D:LK7", SCHOOL, KEY, MEMBERS).message == badges.DAMAGED


def test_a_replaced_badge_is_refused_with_the_exact_sentence() -> None:
    replaced = {ALICE.id: Member(ALICE.id, added=True, name="A", named_at="1", badge_serial=2)}
    verdict = badges.check(good(), SCHOOL, KEY, replaced)
    assert not verdict.ok
    assert verdict.message == "This badge was replaced — ask your teacher for the new one."
    assert badges.check(badges.payload(SCHOOL, ALICE.id, 2, KEY), SCHOOL, KEY, replaced).ok


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300).map(
    lambda b: b.decode("utf-8", errors="replace"))))
def test_any_text_gets_a_verdict_of_one_sentence(text: str) -> None:
    verdict = badges.check(text, SCHOOL, KEY, MEMBERS)
    assert not verdict.ok
    assert verdict.message.endswith(".") and "\n" not in verdict.message


def test_bad_ids_cannot_go_on_a_badge() -> None:
    with pytest.raises(badges.BadgeError, match="cannot go on a badge"):
        badges.payload(SCHOOL, "Not-OK", 1, KEY)


@pytest.fixture
def school(station: Station) -> Station:
    """A station with a class of 14 learners and a teacher: 15 badges, two pages."""
    names = "\n".join(f"Learner Number {i:02d},4" for i in range(14))
    roster.import_roster(station, f"name,grade,role\n{names}\nMs Dube,,teacher\n".encode())
    return station


@pytest.mark.parametrize("paper, size", [("a4", (2480, 3508)), ("letter", (2550, 3300))])
def test_every_badge_in_a_pdf_decodes_to_a_payload_parse_accepts(
    school: Station, tmp_path: Path, paper: str, size: tuple[int, int]
) -> None:
    station = school
    members = roster.members_of(station)
    printed = badges.printable(station, members.values())
    path = tmp_path / "sheet.pdf"
    badges.write_pdf(badges.render_sheets(printed, paper), path)
    pages = pdf_page_images(path)
    assert len(pages) == 2 and all(page.size == size for page in pages)
    found = [text for page in pages for text in decoded(page)]
    assert sorted(found) == sorted(b.payload for b in printed)
    assert len(found) == 15
    for text in found:
        assert badges.check(text, station.identity.school_id, station.school_key(), members).ok


def test_every_png_badge_decodes_and_reads_at_camera_resolution(
    school: Station, tmp_path: Path
) -> None:
    printed = badges.printable(school, roster.members_of(school).values())
    paths = badges.write_pngs(printed, tmp_path / "png")
    assert len(paths) == len(printed) == 15
    for badge, path in zip(printed, paths, strict=True):
        image = Image.open(path)
        assert round(image.info["dpi"][0]) == badges.DPI
        assert decoded(image) == [badge.payload]
    # A 640-pixel camera frame 11 cm wide (a phone-grade scanner at 10 cm) sees about
    # 5.8 px/mm; slightly blurred, the code must still read.
    image = Image.open(paths[0])
    px_per_mm = 640 / 110
    scale = px_per_mm / (badges.DPI / 25.4)
    small = image.resize((round(image.width * scale), round(image.height * scale)),
                         Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(0.8))
    assert decoded(small) == [printed[0].payload]


def test_long_and_unusual_names_still_print(tmp_path: Path) -> None:
    badge = PrintedBadge("lk7mq2xp", "Nomvula-Thandiwe Zuzumeleni-Ngcobo " * 3, good(), "School")
    image = badges.badge_image(badge, 700, 720)
    assert decoded(image) == [good()]
    with pytest.raises(badges.BadgeError):
        badges.render_sheets([badge], "a3")
    with pytest.raises(badges.BadgeError):
        badges.qr_image("X" * 200)  # would need a version above 4
