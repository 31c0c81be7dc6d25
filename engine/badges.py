"""Badges: the signed text in a learner's QR code, checking a scan, and printing sheets.

A badge payload reads

    PS1:SC1A2B3C4D:LK7MQ2XP:1:ABCDEFGHIJKLMNOP

the format tag, the school id, the learner id, the badge serial and an HMAC-SHA256 of
what precedes it, made with the school key and cut to 80 bits (16 base32 characters).
Every character is in the QR alphanumeric set (digits, capitals and `:`), so a payload
of about 45 characters fits a version 3 code at error correction M.  Ids are stored in
lower case and carried in upper case.  Scanners with Caps Lock on type lower case, so
parsing ignores case; the MAC is over the canonical upper-case text either way.

Replacing a lost badge raises the learner's serial (a `badge_replaced` event, see
engine.roster); a badge with an older serial is then refused.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import qrcode
from PIL import Image, ImageDraw, ImageFont

from engine import roster
from engine.errors import PathstoneError
from engine.roster import Member

if TYPE_CHECKING:
    from engine.station import Station

FORMAT_TAG = "PS1"
MAX_QR_VERSION = 4
MAC_BYTES = 10
_MAC_LABEL = b"pathstone badge mac\n"
_ID_RE = re.compile(r"^[a-z0-9]{1,24}$")
_PAYLOAD_RE = re.compile(
    r"^PS1:([A-Z0-9]{1,24}):([A-Z0-9]{1,24}):([1-9][0-9]{0,5}):([A-Z2-7]{16})$")
_MAX_SCAN_CHARS = 200

NOT_A_BADGE = "This is not a Pathstone badge."
DAMAGED = "This badge could not be read; scan it again, or ask your teacher for a new one."
OTHER_SCHOOL = "This badge belongs to another school."
NOT_GENUINE = "This badge was not made by this school; ask your teacher for a real one."
NOT_ON_ROSTER = "This badge's learner is not on this station's class list; ask your teacher."
INACTIVE = "This learner has left the class list; ask your teacher."
REPLACED = "This badge was replaced — ask your teacher for the new one."


class BadgeError(PathstoneError):
    pass


@dataclass(frozen=True)
class Badge:
    """The fields of a well-formed payload; its MAC is not yet checked."""

    school: str
    learner: str
    serial: int
    mac: str

    @property
    def body(self) -> str:
        return f"{FORMAT_TAG}:{self.school.upper()}:{self.learner.upper()}:{self.serial}"


@dataclass(frozen=True)
class Verdict:
    """What a scan means: a member to sign in, or one sentence saying why not."""

    ok: bool
    message: str
    member: Member | None = None


def _mac(key: bytes, body: str) -> str:
    digest = hmac.new(key, _MAC_LABEL + body.encode("ascii"), hashlib.sha256).digest()
    return base64.b32encode(digest[:MAC_BYTES]).decode("ascii")


def payload(school_id: str, learner_id: str, serial: int, key: bytes) -> str:
    """The signed text of a badge."""
    for what, value in (("school", school_id), ("learner", learner_id)):
        if not _ID_RE.match(value):
            raise BadgeError(f"The {what} id {value!r} cannot go on a badge "
                             "(it must be 1 to 24 lower-case letters and digits).")
    if not 1 <= serial <= roster.MAX_SERIAL:
        raise BadgeError(f"Badge serial {serial} is out of range.")
    badge = Badge(school_id, learner_id, serial, "")
    return f"{badge.body}:{_mac(key, badge.body)}"


def parse(text: str) -> Badge:
    """Read a scanned text strictly; raises BadgeError with a sentence for the screen."""
    text = text.strip()
    if len(text) > _MAX_SCAN_CHARS or not text.isascii():
        raise BadgeError(NOT_A_BADGE)
    text = text.upper()
    match = _PAYLOAD_RE.match(text)
    if match is None:
        raise BadgeError(DAMAGED if text.startswith(FORMAT_TAG + ":") else NOT_A_BADGE)
    school, learner, serial, mac = match.groups()
    return Badge(school.lower(), learner.lower(), int(serial), mac)


def check(text: str, school_id: str, key: bytes, members: Mapping[str, Member]) -> Verdict:
    """Everything a scan must pass to sign someone in; never raises."""
    try:
        badge = parse(text)
    except BadgeError as error:
        return Verdict(False, str(error))
    if badge.school != school_id:
        return Verdict(False, OTHER_SCHOOL)
    if not hmac.compare_digest(badge.mac, _mac(key, badge.body)):
        return Verdict(False, NOT_GENUINE)
    member = members.get(badge.learner)
    if member is None or not member.added:
        return Verdict(False, NOT_ON_ROSTER)
    if not member.active:
        return Verdict(False, INACTIVE, member)
    # A newer serial than ours is genuine (the MAC says the school made it): it was
    # issued by a station whose badge_replaced event has not reached us yet.
    if badge.serial < member.badge_serial:
        return Verdict(False, REPLACED, member)
    if member.role == "teacher":
        return Verdict(True, f"Welcome, {member.name}; type your teacher PIN.", member)
    return Verdict(True, f"Welcome, {member.name}.", member)


# -- a station's badges -------------------------------------------------------------


def badge_of(station: Station, member: Member) -> str:
    return payload(station.identity.school_id, member.id, member.badge_serial, station.school_key())


def check_scan(station: Station, text: str, members: Mapping[str, Member] | None = None) -> Verdict:
    """`check` against this station's school, key and roster."""
    members = members if members is not None else roster.members_of(station)
    return check(text, station.identity.school_id, station.school_key(), members)


def revoke(station: Station, key: str) -> Member:
    """Replace a learner's badge: the old one is refused from now on."""
    member = roster.find_member(station, key)
    roster.record_all(station, [(member.id, roster.BADGE_REPLACED,
                                 {"serial": member.badge_serial + 1})])
    return roster.members_of(station)[member.id]


# -- printing -----------------------------------------------------------------------

DPI = 300
MODULE_PX = 12  # 1.02 mm a module: a code about 3 cm wide, read by a phone-grade scanner at 10 cm
QUIET_MODULES = 4
PAPERS_MM: Mapping[str, tuple[float, float]] = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
_COLUMNS, _ROWS, _MARGIN_MM = 3, 4, 12.0
_NAME_PX, _SMALL_PX = 52, 30


@dataclass(frozen=True)
class PrintedBadge:
    learner: str
    name: str
    payload: str
    caption: str


def printable(station: Station, members: Iterable[Member]) -> list[PrintedBadge]:
    """The badges of active `members`, by name, captioned with the school and serial."""
    school = station.identity.school_name
    result = []
    for m in sorted(members, key=lambda m: (m.name.casefold(), m.id)):
        if m.active:
            role = "Teacher - " if m.role == "teacher" else ""
            result.append(PrintedBadge(m.id, m.name, badge_of(station, m),
                                       f"{role}{school} - badge {m.badge_serial}"))
    return result


def qr_image(text: str) -> Image.Image:
    """The QR code of `text` with its quiet zone, black on white, MODULE_PX a module."""
    code = qrcode.QRCode(version=None, error_correction=qrcode.constants.ERROR_CORRECT_M,
                         border=QUIET_MODULES)
    code.add_data(text)
    code.make(fit=True)
    if code.version > MAX_QR_VERSION:
        raise BadgeError(f"A badge text of {len(text)} characters needs a QR code larger "
                         f"than version {MAX_QR_VERSION}.")
    matrix = code.get_matrix()
    size = len(matrix)
    small = Image.new("L", (size, size))
    small.putdata([0 if dark else 255 for row in matrix for dark in row])
    return small.resize((size * MODULE_PX, size * MODULE_PX), Image.Resampling.NEAREST)


def badge_image(badge: PrintedBadge, width: int, height: int) -> Image.Image:
    """One badge cell: the code, the name under it, and a small caption."""
    cell = Image.new("L", (width, height), 255)
    code = qr_image(badge.payload)
    top = max(0, (height - code.height - _NAME_PX - _SMALL_PX - 60) // 2)
    cell.paste(code, ((width - code.width) // 2, top))
    draw = ImageDraw.Draw(cell)
    y = top + code.height + 10
    for text, px, shade in ((badge.name, _NAME_PX, 0), (badge.caption, _SMALL_PX, 90)):
        text, font = _fit(draw, text, px, width - 40)
        x = (width - draw.textlength(text, font=font)) / 2
        draw.text((x, y), text, font=font, fill=shade)
        y += px + 16
    return cell


def render_sheets(badges: Sequence[PrintedBadge], paper: str = "a4") -> list[Image.Image]:
    """Pages of badges at 300 dpi, 12 a page, with light cut lines between them."""
    if paper not in PAPERS_MM:
        raise BadgeError(f"Paper {paper!r} is not one of {', '.join(PAPERS_MM)}.")
    page_w, page_h = (round(mm / 25.4 * DPI) for mm in PAPERS_MM[paper])
    margin = round(_MARGIN_MM / 25.4 * DPI)
    cell_w, cell_h = (page_w - 2 * margin) // _COLUMNS, (page_h - 2 * margin) // _ROWS
    per_page = _COLUMNS * _ROWS
    pages = []
    for start in range(0, max(len(badges), 1), per_page):
        page = Image.new("L", (page_w, page_h), 255)
        draw = ImageDraw.Draw(page)
        for i, badge in enumerate(badges[start:start + per_page]):
            x = margin + (i % _COLUMNS) * cell_w
            y = margin + (i // _COLUMNS) * cell_h
            page.paste(badge_image(badge, cell_w, cell_h), (x, y))
            draw.rectangle((x, y, x + cell_w - 1, y + cell_h - 1), outline=200)
        pages.append(page)
    return pages


def write_pdf(pages: Sequence[Image.Image], path: Path) -> None:
    if not pages:
        raise BadgeError("There are no badges to print.")
    pages[0].save(path, "PDF", resolution=DPI, save_all=True, append_images=list(pages[1:]),
                  quality=92, title="Pathstone badges")


def write_pngs(badges: Sequence[PrintedBadge], directory: Path) -> list[Path]:
    """One PNG per badge, named after the learner, at 300 dpi."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for badge in badges:
        path = directory / f"{_slug(badge.name)}-{badge.learner}.png"
        badge_image(badge, 700, 720).save(path, dpi=(DPI, DPI))
        paths.append(path)
    return paths


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_name.lower()))[:40] or "badge"


def _fit(draw: ImageDraw.ImageDraw, text: str, px: int, width: int
         ) -> tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont]:
    """Shrink the font to at most half size, then shorten with an ellipsis, to fit `width`."""
    for size in range(px, px // 2 - 1, -4):
        font = _font(size)
        if draw.textlength(text, font=font) <= width:
            return text, font
    while len(text) > 1 and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…", font


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # DejaVu covers most scripts a class list holds; Pillow's own font is the fallback.
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size)
