"""Station settings: known keys, their types and defaults, checked on every change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import PathstoneError

DEFAULTS: Mapping[str, Any] = {
    "class_name": "",
    "idle_signout_seconds": 120,
    "turn_minutes": 0,
    "scanner_port": "",
    "allow_local_packs": False,
}

SETTING_CHANGED = "setting_changed"


class SettingError(PathstoneError):
    pass


def parse_setting(key: str, text: str) -> Any:
    """Read a setting's value from text typed by an operator, by the key's type."""
    if key not in DEFAULTS:
        raise SettingError(f"There is no setting {key!r}; known settings: {', '.join(DEFAULTS)}.")
    default = DEFAULTS[key]
    if isinstance(default, bool):
        if text.lower() not in ("true", "false", "yes", "no", "1", "0"):
            raise SettingError(f"Setting {key} takes true or false, not {text!r}.")
        return text.lower() in ("true", "yes", "1")
    if isinstance(default, int):
        if not text.isdigit() or int(text) > 10**6:
            raise SettingError(f"Setting {key} takes a whole number from 0 to 1000000, not {text!r}.")
        return int(text)
    if len(text) > 200:
        raise SettingError(f"Setting {key} takes at most 200 characters.")
    return text


def is_valid(key: object, value: object) -> bool:
    """True when `value` may be stored under `key` (for settings read back from events)."""
    if not isinstance(key, str) or key not in DEFAULTS:
        return False
    default = DEFAULTS[key]
    return type(value) is type(default)
