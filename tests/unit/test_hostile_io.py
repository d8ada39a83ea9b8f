"""Hostile places (issue 11): outputs never destroy input, the dataset stays inside its root,
no input hangs, config type errors are one line, pipes and full disks end cleanly."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers import EXAMPLES

from guabao_rules.cli import main
from guabao_rules.safeio import NotRegularFile, OutputError, read_regular, write_output
from guabao_rules.sources.loader import load

CLEAN = EXAMPLES / "yunnan-sanqu-sanzhou"
CLI = [sys.executable, "-m", "guabao_rules.cli"]
FULL = Path("/dev/full")

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")


def digest(folder: Path) -> dict[str, str]:
    """The hash of every regular file below ``folder`` (links and FIFOs by what they are)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        mode = path.lstat().st_mode
        if stat.S_ISREG(mode):
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[str(path)] = f"mode {stat.S_IFMT(mode)}"
    return out


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A copy of the clean example (its own guabao-rules.toml and data files)."""
    target = tmp_path / "ds"
    shutil.copytree(CLEAN, target)
    return target


def run(capsys: pytest.CaptureFixture[str], *argv: str | os.PathLike[str]) -> tuple[int, str, str]:
    status = main([os.fspath(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def one_line_error(err: str) -> str:
    """The single stderr line of a usage error, checked to name no Python exception."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert "internal error" not in err
    assert not any(word in err for word in ("Error:", "Exception", "errno", "[Errno"))
    return lines[0]


# --- the shared writer -------------------------------------------------------------


def test_writer_replaces_a_regular_file_keeping_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old")
    target.chmod(0o640)
    write_output(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]  # no temporary file left


def test_writer_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real.name)
    write_output(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_writer_makes_the_target_of_a_dangling_link(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to("made.json")
    write_output(link, "new")
    assert link.is_symlink()
    assert (tmp_path / "made.json").read_text() == "new"


@posix_only
def test_writer_writes_into_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_output(fifo, "through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still a FIFO, not replaced


@pytest.mark.skipif(
    not (FULL.exists() and stat.S_ISCHR(FULL.stat().st_mode)), reason="no /dev/full"
)
def test_writer_on_a_full_device_is_one_line_and_keeps_the_device() -> None:
    with pytest.raises(OutputError, match=r"^cannot write /dev/full: No space left on device$"):
        write_output(FULL, "x" * 10)
    assert stat.S_ISCHR(FULL.stat().st_mode)


def test_writer_refuses_a_protected_file_and_links_to_it(tmp_path: Path) -> None:
    data = tmp_path / "regions.yaml"
    data.write_text("regions: []\n")
    link = tmp_path / "report.txt"
    link.symlink_to(data.name)
    for target in (data, link, tmp_path / "." / "regions.yaml"):
        with pytest.raises(OutputError, match=r"refusing to write .*: it is a data file"):
            write_output(target, "report", [(data, "a data file")])
    assert data.read_text() == "regions: []\n"


def test_writer_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="it is a folder"):
        write_output(tmp_path, "x")


@posix_only
def test_read_regular_refuses_a_fifo_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile, match="a FIFO"):
        read_regular(fifo)
    with pytest.raises(NotRegularFile, match="a folder"):
        read_regular(tmp_path)


# --- outputs never destroy input ---------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "target", "what"),
    [
        ("-o", "regions.yaml", "a data file of the dataset"),
        ("-o", "guabao-rules.toml", "the configuration file"),
        ("-o", "guabao-rules-waivers.yaml", "the waiver file"),
        ("--write-baseline", "regions.yaml", "a data file of the dataset"),
        ("--write-baseline", "guabao-rules.toml", "the configuration file"),
        ("-o", "link-to-regions.txt", "a data file of the dataset"),
    ],
)
def test_outputs_refuse_the_dataset_s_own_files(
    capsys: pytest.CaptureFixture[str], dataset: Path, option: str, target: str, what: str
) -> None:
    (dataset / "guabao-rules-waivers.yaml").write_text("waivers: []\n")
    (dataset / "link-to-regions.txt").symlink_to("regions.yaml")
    before = digest(dataset)
    status, _, err = run(capsys, "check", dataset, option, dataset / target)
    assert status == 2
    assert what in one_line_error(err)
    assert digest(dataset) == before


def test_report_refuses_the_profile_and_the_baseline_read(
    capsys: pytest.CaptureFixture[str], dataset: Path, tmp_path: Path
) -> None:
    profile = tmp_path / "mine.yaml"
    profile.write_text("name: mine\ndescription: {zh: 我的, en: mine}\nparams: {}\n")
    status, _, err = run(capsys, "check", dataset, "--profile", profile, "-o", profile)
    assert status == 2
    assert "the profile" in one_line_error(err)
    baseline = tmp_path / "baseline.json"
    assert run(capsys, "check", dataset, "--write-baseline", baseline, "-q")[0] == 0
    kept = baseline.read_bytes()
    status, _, err = run(capsys, "check", dataset, "--baseline", baseline, "-o", baseline)
    assert status == 2
    assert "the baseline file read" in one_line_error(err)
    assert baseline.read_bytes() == kept
    # Refreshing a baseline in place is a workflow, not a loss.
    assert run(capsys, "check", dataset, "--baseline", baseline, "--write-baseline", baseline)[
        0
    ] in (0, 1)


def test_graph_output_refuses_a_data_file(
    capsys: pytest.CaptureFixture[str], dataset: Path
) -> None:
    before = digest(dataset)
    status, _, err = run(
        capsys, "graph", dataset, "--format", "json", "-o", dataset / "regions.yaml"
    )
    assert status == 2
    assert "a data file of the dataset" in one_line_error(err)
    assert digest(dataset) == before


def test_report_written_through_a_symlink_keeps_the_link(
    capsys: pytest.CaptureFixture[str], dataset: Path, tmp_path: Path
) -> None:
    real = tmp_path / "report.json"
    link = tmp_path / "latest.json"
    link.symlink_to(real.name)
    assert run(capsys, "check", dataset, "--format", "json", "-o", link)[0] == 0
    assert link.is_symlink()
    assert json.loads(real.read_text())["summary"]


def test_schema_output_through_a_symlink(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    real = tmp_path / "elsewhere.json"
    status, out, _ = run(capsys, "schema", "-o", tmp_path)
    assert status == 0
    written = Path(out.strip().removeprefix("wrote "))
    written.unlink()
    written.symlink_to(real.name)
    assert run(capsys, "schema", "-o", tmp_path)[0] == 0
    assert written.is_symlink()
    assert json.loads(real.read_text())


@pytest.mark.skipif(
    not (FULL.exists() and stat.S_ISCHR(FULL.stat().st_mode)), reason="no /dev/full"
)
def test_report_to_a_full_disk_is_exit_2(capsys: pytest.CaptureFixture[str], dataset: Path) -> None:
    status, _, err = run(capsys, "check", dataset, "-o", FULL)
    assert status == 2
    assert one_line_error(err).endswith("cannot write /dev/full: No space left on device")
    assert stat.S_ISCHR(FULL.stat().st_mode)


# --- the dataset stays inside its root -----------------------------------------------------


def _d000(dataset: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    status, out, err = run(
        capsys, "check", dataset, "--format", "json", "--select", "D000", "--lang", "en"
    )
    assert status == 1, err
    return {str(d["file"]): d for d in json.loads(out)["diagnostics"]}


@posix_only
def test_links_out_of_the_root_and_special_files_are_d000_at_1_1_and_never_read(
    capsys: pytest.CaptureFixture[str], dataset: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("regions:\n  - {id: SECRET-CONTENT-42}\n")
    (dataset / "out.yaml").symlink_to(secret)
    (dataset / "environ.yaml").symlink_to("/proc/self/environ")
    (dataset / "dangling.yaml").symlink_to("nothing-here.yaml")
    os.mkfifo(dataset / "pipe.yaml")
    (dataset / "to-pipe.yaml").symlink_to("pipe.yaml")
    (dataset / "inside.yaml").symlink_to("regions.yaml")  # inside the root: read as data
    found = _d000(dataset, capsys)
    expected = {
        "out.yaml": "outside the dataset root",
        "environ.yaml": "outside the dataset root",
        "dangling.yaml": "a symbolic link to nothing",
        "pipe.yaml": "a FIFO, not a regular file",
        "to-pipe.yaml": "a symbolic link to a FIFO",
    }
    assert set(found) == set(expected)
    for name, text in expected.items():
        assert (found[name]["line"], found[name]["column"]) == (1, 1), name
        assert text in str(found[name]["message"]), name
    status, out, _ = run(capsys, "check", dataset, "--show-source", "--lang", "en")
    assert status == 1
    assert "SECRET-CONTENT-42" not in out
    assert "\x00" not in out
    assert "out.yaml:1:1: D000" in out


def test_a_linked_folder_is_not_walked(dataset: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "regions.yaml").write_text("regions:\n  - {id: X}\n")
    (dataset / "linked").symlink_to(outside, target_is_directory=True)
    assert not any(f.startswith("linked/") for f in load(dataset).files)


def test_deep_folders_are_walked_without_recursion(tmp_path: Path) -> None:
    folder = tmp_path / "deep"
    folder.mkdir()
    here = Path.cwd()
    # Made and removed with relative steps: the full path is past some systems'
    # PATH_MAX, and shutil.rmtree (so pytest's clean-up) recurses on Python 3.11.
    try:
        os.chdir(folder)
        for _ in range(1100):
            os.mkdir("d")
            os.chdir("d")
        Path("regions.yaml").write_text("regions: []\n")
        os.chdir(here)
        dataset = load(folder)
        assert dataset.files == ["/".join(["d"] * 1100) + "/regions.yaml"]
    finally:
        os.chdir(folder)
        for _ in range(1100):
            os.chdir("d")
        Path("regions.yaml").unlink(missing_ok=True)
        for _ in range(1100):
            os.chdir("..")
            os.rmdir("d")
        os.chdir(here)


# --- no input hangs -----------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("option", ["--profile", "--baseline", "--config"])
def test_a_fifo_as_an_input_is_exit_2_at_once(dataset: Path, tmp_path: Path, option: str) -> None:
    fifo = tmp_path / ("pipe.yaml" if option == "--profile" else "pipe")
    os.mkfifo(fifo)
    done = subprocess.run(
        [*CLI, "check", str(dataset), option, str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "not a regular file (a FIFO)" in one_line_error(done.stderr)


@posix_only
def test_a_fifo_as_the_waiver_file_is_exit_2(
    capsys: pytest.CaptureFixture[str], dataset: Path
) -> None:
    os.mkfifo(dataset / "guabao-rules-waivers.yaml")
    status, _, err = run(capsys, "check", dataset)
    assert status == 2
    assert "not a regular file (a FIFO)" in one_line_error(err)


# --- config type errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool]\nguabao-rules = 3\n", "[tool.guabao-rules] must be a table, not an integer"),
        ('tool = {guabao-rules = "x"}\n', "[tool.guabao-rules] must be a table, not a string"),
        ("[tool.guabao-rules]\nparams = 3\n", "`params` must be a mapping"),
        ("[tool.guabao-rules]\nseverity = 3\n", "`severity` must be a mapping"),
        ("[tool.guabao-rules]\nselect = 3\n", "`select`: input should be a valid list"),
        ("[tool.guabao-rules]\nlang = [1]\n", "`lang`: input should be 'zh' or 'en'"),
        ("[tool.guabao-rules]\nas_of = 3\n", "must be a date written YYYY-MM-DD"),
        ("[tool.guabao-rules]\nencoding = [1]\n", "`encoding` must be a mapping"),
        ("[tool.guabao-rules]\nparams = {max_file_mb = 1e400}\n", "finite number"),
        ("[tool.guabao-rules]\nparams = {max_file_mb = inf}\n", "finite number"),
        ("[tool.guabao-rules]\nparams = {max_file_mb = nan}\n", "finite number"),
        ("[tool.guabao-rules]\nparams = {idle_days = 1e300}\n", "must be of type int"),
        ("[tool.guabao-rules]\nparams = {idle_days = [1]}\n", "must be of type int"),
        (
            "[tool.guabao-rules]\nseverity = {D001 = [1]}\n",
            "input should be 'error', 'warning' or 'info'",
        ),
    ],
)
def test_config_type_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], dataset: Path, text: str, message: str
) -> None:
    (dataset / "guabao-rules.toml").unlink()
    (dataset / "pyproject.toml").write_text(text)
    status, _, err = run(capsys, "check", dataset)
    assert status == 2
    assert message in one_line_error(err)


@pytest.mark.parametrize(
    "argv",
    [["--select", ""], ["--select", "D", "--ignore", "D"], ["--select", ",", "--ignore", "ALL"]],
)
def test_an_empty_selection_is_exit_2(
    capsys: pytest.CaptureFixture[str], dataset: Path, argv: list[str]
) -> None:
    status, out, err = run(capsys, "check", dataset, *argv)
    assert status == 2
    assert out == ""
    assert one_line_error(err) == "guabao-rules: error: no rule selected"


# --- pipes and full disks -------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("command", [["check", str(CLEAN), "--format", "json"], ["rules"]])
def test_a_closed_pipe_ends_quietly(command: list[str]) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # the reader has gone before a byte is written: `| head` at its end
    try:
        done = subprocess.run(
            [*CLI, *command], stdout=writer, stderr=subprocess.PIPE, timeout=60, check=False
        )
    finally:
        os.close(writer)
    assert done.stderr == b""
    assert done.returncode == 0


@pytest.mark.skipif(
    not (FULL.exists() and stat.S_ISCHR(FULL.stat().st_mode)), reason="no /dev/full"
)
@pytest.mark.parametrize("command", [["check", str(CLEAN)], ["rules"]])
def test_standard_output_on_a_full_disk_is_exit_2(command: list[str]) -> None:
    with FULL.open("wb") as full:
        done = subprocess.run(
            [*CLI, *command], stdout=full, stderr=subprocess.PIPE, timeout=60, check=False
        )
    assert done.returncode == 2
    line = one_line_error(done.stderr.decode())
    assert line == "guabao-rules: error: cannot write the standard output: No space left on device"


# --- waivers only suppress findings that exist ----------------------------------------------


def test_a_far_future_waiver_for_no_finding_suppresses_nothing(
    capsys: pytest.CaptureFixture[str], dataset: Path
) -> None:
    (dataset / "guabao-rules-waivers.yaml").write_text(
        "waivers:\n  - {rule: Q003, subject: NO-SUCH-COUNTY, reason: test, expires: 9999-12-31}\n"
    )
    status, out, _ = run(capsys, "check", dataset, "--format", "sarif", "--show-waived")
    assert status == 0
    results = json.loads(out)["runs"][0]["results"]
    assert not [r for r in results if r.get("suppressions")]
    assert [r["ruleId"] for r in results] == ["D009"]  # the stale waiver, at the waiver entry
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("guabao-rules-waivers.yaml")
    status, out, _ = run(capsys, "check", dataset, "--format", "json", "--show-waived")
    assert status == 0  # D009 is a warning
    report = json.loads(out)
    assert [d["rule"] for d in report["diagnostics"]] == ["D009"]
    assert report["summary"].get("waived", 0) == 0
