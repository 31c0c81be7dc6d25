"""`pathstone roster|badges|scanner` as an operator uses them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import zxingcpp
from PIL import Image

from engine import badges, roster
from engine.station import Station
from tests.conftest import run_cli

CLASS = b"name,grade,role\nAmina Bello,4,\nBao Chen,4,\nNomsa Dube,,teacher\n"


def run(home: Path, *argv: str) -> tuple[int, str, str]:
    result = run_cli(*argv, "--home", str(home))
    return result.code, result.out, result.err


def imported(home: Path, tmp_path: Path) -> str:
    csv = tmp_path / "class.csv"
    csv.write_bytes(CLASS)
    code, out, _ = run(home, "roster", "import", str(csv))
    assert code == 0
    return out


def payloads(home: Path) -> dict[str, str]:
    code, out, _ = run(home, "badges", "list", "--format", "text")
    assert code == 0
    return dict(line.split("\t") for line in out.splitlines())


def test_import_list_print_revoke(home: Path, tmp_path: Path) -> None:
    out = imported(home, tmp_path)
    assert "3 added" in out and "Teacher PINs" in out
    pin = out.rsplit("Nomsa Dube: ", 1)[1].split()[0]
    assert len(pin) == 6 and pin.isdigit()
    code, out, _ = run(home, "roster", "list")
    assert [line.split("\t")[3] for line in out.splitlines()] == [
        "Nomsa Dube", "Amina Bello", "Bao Chen"]

    texts = payloads(home)
    assert sorted(texts) == ["Amina Bello", "Bao Chen", "Nomsa Dube"]
    for payload in texts.values():
        badges.parse(payload)

    pdf, png = tmp_path / "sheet.pdf", tmp_path / "png"
    code, out, _ = run(home, "badges", "print", "-o", str(pdf), "--png", str(png),
                       "--paper", "letter")
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF")
    decoded = sorted(zxingcpp.read_barcodes(Image.open(p))[0].text for p in png.iterdir())
    assert decoded == sorted(texts.values())

    one = tmp_path / "one"
    code, _, _ = run(home, "badges", "print", "--png", str(one), "--learner", "Bao Chen")
    assert code == 0 and [p.name.split("-")[0] for p in one.iterdir()] == ["bao"]

    code, out, _ = run(home, "badges", "revoke", "Bao Chen")
    assert code == 0 and "badge 2" in out
    after = payloads(home)
    assert after["Bao Chen"] != texts["Bao Chen"] and after["Amina Bello"] == texts["Amina Bello"]


def test_operator_mistakes_get_one_sentence_and_exit_2(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"first,last\nA,B\n")
    for argv in (["roster", "import", str(bad)], ["roster", "import", str(tmp_path / "none")],
                 ["badges", "revoke", "Nobody"], ["roster", "pin", "Nobody"],
                 ["badges", "print"]):
        code, out, err = run(home, *argv)
        assert code == 2 and err.startswith("pathstone: ") and err.count("\n") == 1, (argv, err)
    code, out, _ = run(home, "roster", "list")
    assert out == ""


def test_a_teacher_pin_is_changed_and_shown_once(home: Path, tmp_path: Path) -> None:
    first_pin = imported(home, tmp_path).rsplit("Nomsa Dube: ", 1)[1].split()[0]
    code, out, _ = run(home, "roster", "pin", "Nomsa Dube")
    assert code == 0 and "New PIN for Nomsa Dube:" in out
    new_pin = out.split("Nomsa Dube: ")[1].split()[0]
    with Station.open(home) as station:
        teacher = roster.find_member(station, "Nomsa Dube")
        assert roster.check_pin(teacher, new_pin)
        assert first_pin == new_pin or not roster.check_pin(teacher, first_pin)
        exported = b"".join(event.to_json() for _, event in station.journal.scan())
    assert new_pin.encode() not in exported.replace(teacher.pin_hash.encode(), b"")
    code, _, err = run(home, "roster", "pin", "Amina Bello")
    assert code == 2 and "not a teacher" in err


def test_scanner_test_prints_source_and_verdict_until_ctrl_c(home: Path, tmp_path: Path) -> None:
    imported(home, tmp_path)
    texts = payloads(home)
    run(home, "badges", "revoke", "Bao Chen")
    master, slave = os.openpty()
    argv = [sys.executable, "-m", "kiosk", "scanner", "test", "--port", os.ttyname(slave),
            "--home", str(home)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as proc:
        try:
            lines = [proc.stdout.readline() for _ in range(2)]
            assert "connected" in lines[1]
            os.write(master, f"{texts['Amina Bello']}\r\n{texts['Amina Bello']}\r\n".encode())
            os.write(master, f"{texts['Bao Chen']}\rhello\n".encode())
            lines = [proc.stdout.readline().rstrip("\n") for _ in range(4)]
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=5) == 0
        finally:
            proc.kill()
            os.close(master)
            os.close(slave)
    assert lines == [
        "serial\tok\tWelcome, Amina Bello.",
        "serial\trepeat\t(the same badge again within a second)",
        "serial\trefused\tThis badge was replaced — ask your teacher for the new one.",
        "serial\trefused\tThis is not a Pathstone badge.",
    ]


def test_scanner_test_tells_a_keyboard_scanner_burst_from_typing(
    home: Path, tmp_path: Path
) -> None:
    imported(home, tmp_path)
    texts = payloads(home)
    master, slave = os.openpty()  # the terminal the keyboard scanner types into
    argv = [sys.executable, "-m", "kiosk", "scanner", "test", "--home", str(home)]
    with subprocess.Popen(argv, stdin=slave, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert "keyboard scanner" in proc.stdout.readline()
            time.sleep(0.3)  # let it switch the terminal to cbreak
            os.write(master, texts["Amina Bello"].encode() + b"\r")  # one burst
            for char in b"hello\r":  # a person, a key every 150 ms
                os.write(master, bytes([char]))
                time.sleep(0.15)
            lines = [proc.stdout.readline().rstrip("\n") for _ in range(2)]
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=5) == 0
        finally:
            proc.kill()
            os.close(master)
            os.close(slave)
    assert lines == [
        "keyboard\tok\tWelcome, Amina Bello.",
        "keyboard\tnote\tThat was typed by a person, not scanned (too slow for a scanner burst).",
    ]
