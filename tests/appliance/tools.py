"""Finding the system tools the appliance tests run, and where the appliance files are."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SYSTEMD = REPO / "systemd"
IMAGE_BUILD = REPO / "image-build"


def need(tool: str, package: str) -> str:
    """The path of `tool`; skip when it is not installed, except in CI, where it must be.

    CI installs every tool these tests use, so there a missing one is a broken CI setup,
    not a reason to pass quietly.
    """
    path = shutil.which(tool)
    if path is not None:
        return path
    reason = f"{tool} is not installed (apt-get install {package})"
    if os.environ.get("CI") or os.environ.get("PATHSTONE_REQUIRE_TOOLS"):
        pytest.fail(reason + ", and CI must run this test")
    pytest.skip(reason)
