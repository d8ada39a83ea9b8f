"""The progress bar: on a terminal only, quiet for quick checks, erased at the end."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from helpers import EXAMPLES

from guabao_rules.report.progress import Progress, wanted
from guabao_rules.sources.loader import load


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quiet_for_quick_loads_and_erased_after_slow_ones() -> None:
    now = [0.0]
    quick = io.StringIO()
    progress = Progress(quick, clock=lambda: now[0], columns=100)
    for done in range(4):
        now[0] += 0.1
        progress(done, 3, f"f{done}.yaml", done * 10)
    progress.close()
    assert quick.getvalue() == ""

    slow = io.StringIO()
    now[0] = 0.0
    progress = Progress(slow, clock=lambda: now[0], columns=100)
    for done in range(3):
        now[0] += 0.6
        progress(done, 3, f"counties/f{done}.csv", done * 1000)
    now[0] += 0.6
    progress(3, 3, None, 3000)
    out = slow.getvalue()
    assert "\rreading  [##########------] 2/3 files · 2,000 records · counties/f2.csv" in out
    last = out.rsplit("\r", 1)[1]
    assert last.startswith("reading  [################] 3/3 files · 3,000 records")
    progress.rule(5, 10, "T009")  # under 0.1 s after the last redraw: not drawn
    now[0] += 0.2
    progress.rule(6, 10, "T009")
    last = slow.getvalue().rsplit("\r", 1)[1]
    assert last.startswith("checking [#########-------] 6/10 rules · T009")
    shown = progress.shown
    progress.close()
    assert slow.getvalue().endswith("\r" + " " * shown + "\r")


def test_redraws_at_most_ten_times_a_second() -> None:
    now = [10.0]
    stream = io.StringIO()
    progress = Progress(stream, delay=0, clock=lambda: now[0], columns=80)
    for done in range(1000):
        now[0] += 0.001  # a thousand small files in one second
        progress(done, 1000, "x.yaml", done)
    assert 9 <= stream.getvalue().count("\r") <= 11


def test_fits_the_terminal_and_escapes_file_names() -> None:
    stream = io.StringIO()
    progress = Progress(stream, delay=0, columns=80)
    name = "县/福贡县/建档立卡贫困户名单\x1b[2J非常长的文件名称一二三四五六七八九十.csv"
    progress(1, 2, name, 5)
    line = stream.getvalue().lstrip("\r")
    assert "\x1b" not in line  # a file name cannot clear the screen
    assert line.endswith("九十.csv")
    from guabao_rules.report.text import display_width

    assert display_width(line) <= 79
    assert line.startswith("reading  [########--------] 1/2 files · 5 records · …")


def test_wanted_only_on_a_terminal_outside_ci() -> None:
    assert wanted("auto", Tty(), {"TERM": "xterm"})
    assert not wanted("auto", io.StringIO(), {})
    assert not wanted("auto", Tty(), {"CI": "true"})
    assert not wanted("auto", Tty(), {"TERM": "dumb"})
    assert wanted("always", io.StringIO(), {"CI": "true"})
    assert not wanted("never", Tty(), {})


def test_loader_reports_each_file_and_the_records_read() -> None:
    calls: list[tuple[int, int, str | None, int]] = []
    dataset = load(EXAMPLES / "broken", progress=lambda *call: calls.append(call))
    files = dataset.files
    assert [c[2] for c in calls] == [*files, None]
    assert [c[0] for c in calls] == list(range(len(files) + 1))
    records = [c[3] for c in calls]
    assert records == sorted(records) and records[-1] == len(dataset.entries)


def _run_on_a_pty(*args: str) -> tuple[int, str]:
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["TERM"] = "xterm"
    proc = subprocess.Popen(
        [sys.executable, "-m", "guabao_rules", "check", *args],
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    status, err = _run_on_a_pty(str(EXAMPLES / "yunnan-sanqu-sanzhou"), "--progress", "always")
    assert status == 0
    assert "reading  [" in err and " files · " in err and " records" in err
    assert "-lushui/" in err  # the file being read is named (its folder cut to fit 80 columns)
    assert "checking [" in err and " rules · " in err
    assert err.endswith("\r")  # erased: the terminal is left clean


def test_quiet_on_a_terminal_when_quick_and_in_pipes(tmp_path: Path) -> None:
    status, err = _run_on_a_pty(str(EXAMPLES / "yunnan-sanqu-sanzhou"))
    assert (status, err) == (0, "")  # the example takes well under the half-second delay
    piped = subprocess.run(
        [sys.executable, "-m", "guabao_rules", "check", str(EXAMPLES / "yunnan-sanqu-sanzhou")],
        capture_output=True,
        check=False,
        text=True,
    )
    assert piped.stderr == ""
