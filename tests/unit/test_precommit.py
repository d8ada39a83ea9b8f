"""The pre-commit hook, run by the real ``pre-commit try-repo`` on a data repository.

try-repo installs this repository at a commit into its own environment, so the
test runs the hook as committed (``HEAD``): commit before running it locally.
It needs git, the ``pre-commit`` package (in the ``test`` extra) and access to
the package index that pre-commit installs the hook's dependencies from.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from helpers import EXAMPLES, ROOT

HOOKS = ROOT / ".pre-commit-hooks.yaml"


def _head() -> str | None:
    if shutil.which("git") is None:
        return None
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else None


HEAD = _head()
needs_tools = pytest.mark.skipif(
    HEAD is None or importlib.util.find_spec("pre_commit") is None,
    reason="needs git, a git checkout of guabao-rules and the pre-commit package",
)


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # One hook environment for the module's runs; never the user's own cache.
    yield tmp_path_factory.mktemp("pre-commit-home")


def try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(ROOT),
            "guabao-rules",
            "--ref",
            str(HEAD),
            "--all-files",
            "--color",
            "never",
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_the_hook_is_declared_as_documented() -> None:
    (hook,) = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert hook["id"] == "guabao-rules"
    assert hook["entry"] == "guabao-rules check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["files"] == r"\.(ya?ml|csv|toml)$"


@needs_tools
def test_try_repo_passes_a_clean_dataset_and_fails_a_broken_one(
    tmp_path: Path, pre_commit_home: Path
) -> None:
    repo = tmp_path / "data-repo"
    shutil.copytree(EXAMPLES / "yunnan-sanqu-sanzhou", repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "clean dataset")
    clean = try_repo(repo, pre_commit_home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "guabao-rules" in clean.stdout and "Passed" in clean.stdout

    (repo / "regions.yaml").write_text(
        (repo / "regions.yaml").read_text(encoding="utf-8")
        + '  - {id: "533399", name: 某县, level: county, parent: "539999"}\n',
        encoding="utf-8",
    )
    git(repo, "commit", "-q", "-am", "a county under a missing prefecture")
    broken = try_repo(repo, pre_commit_home)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "Failed" in broken.stdout
    assert "regions.yaml:" in broken.stdout and "D002" in broken.stdout
