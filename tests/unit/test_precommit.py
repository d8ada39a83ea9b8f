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
from typing import Any

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


README = ROOT / "README.md"


def readme_pre_commit_config() -> dict[str, Any]:
    """The `.pre-commit-config.yaml` the README tells a data repository to write."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("- **pre-commit**") :]
    block = section[section.index("```yaml\n") + len("```yaml\n") : section.index("```\n", 10)]
    # The snippet is indented under its list item: dedent it as the reader pastes it.
    lines = block.splitlines()
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    config = yaml.safe_load("\n".join(line[indent:] for line in lines))
    assert isinstance(config, dict)
    return config


def test_the_readme_snippet_is_a_pre_commit_config_for_the_hook() -> None:
    config = readme_pre_commit_config()
    (entry,) = config["repos"]
    assert entry["rev"] == "v0.1.0"
    (hook,) = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert [h["id"] for h in entry["hooks"]] == [hook["id"]]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {entry['rev'].removeprefix('v')}\n" in changelog


@needs_tools
def test_the_readme_snippet_works_as_pasted(tmp_path: Path, pre_commit_home: Path) -> None:
    # This checkout, cloned, with the README's tag made in the clone (never here).
    config = readme_pre_commit_config()
    (entry,) = config["repos"]
    clone = tmp_path / "guabao-rules"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, capture_output=True)
    git(clone, "tag", "-f", entry["rev"], str(HEAD))
    entry["repo"] = str(clone)

    repo = tmp_path / "data-repo"
    shutil.copytree(EXAMPLES / "yunnan-sanqu-sanzhou", repo)
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a dataset with the README's hook")
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), "NO_COLOR": "1"}

    def run(**extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
            cwd=repo,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    clean = run()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "guabao-rules" in clean.stdout and "Passed" in clean.stdout
    (repo / "regions.yaml").write_text(
        (repo / "regions.yaml").read_text(encoding="utf-8")
        + '  - {id: "533399", name: 某县, level: county, parent: "539999"}\n',
        encoding="utf-8",
    )
    broken = run()
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "regions.yaml:" in broken.stdout and "D002" in broken.stdout
    # A Chinese locale gets the hook's findings in Chinese (the same hook environment).
    chinese = run(LC_ALL="zh_CN.UTF-8", LANG="zh_CN.UTF-8")
    assert chinese.returncode == 1, chinese.stdout + chinese.stderr
    assert "regions.yaml:" in chinese.stdout and "D002 [错误]" in chinese.stdout
    assert "引用无效" in chinese.stdout and "发现 " in chinese.stdout
