"""Where the station looks for what comes from outside: enrolment files, USB sticks,
and the kernel's table of mounts.  Its own module because the kiosk needs it from its
first second, and first boot's enrolment (with its cryptography) is imported later."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "pathstone-enrol.json"
BOOT = Path("boot/firmware") / FILE_NAME
STICKS = Path("run/media/pathstone")
MOUNTINFO = Path("proc/self/mountinfo")


@dataclass(frozen=True)
class Places:
    """Where the station looks for what comes from outside, under `root` (a temporary
    folder in tests): enrolment files, USB sticks, and the kernel's table of mounts
    (engine.sticks).  `sticks_folder`, when given, is where sticks are instead: a
    developer's folder of pretend sticks (`pathstone demo --sticks DIR`)."""

    root: Path = Path("/")
    sticks_folder: Path | None = None

    @property
    def boot(self) -> Path:
        return self.root / BOOT

    @property
    def sticks(self) -> Path:
        return self.sticks_folder if self.sticks_folder is not None else self.root / STICKS

    @property
    def mountinfo(self) -> Path:
        return self.root / MOUNTINFO

    def shown(self, path: Path) -> str:
        """`path` as the machine names it, whatever the root: what the screen tells people."""
        return "/" + str(path.relative_to(self.root))

    def candidates(self) -> list[Path]:
        """Every enrolment file present now, the one to use first."""
        on_sticks = sorted(self.sticks.glob(f"*/{FILE_NAME}")) if self.sticks.is_dir() else []
        return [path for path in (self.boot, *on_sticks) if path.is_file()]
