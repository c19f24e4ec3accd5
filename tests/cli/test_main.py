"""The ``lightboard`` command as a whole: help with examples, version, exit statuses, a real subprocess."""

from __future__ import annotations

import importlib
import pathlib
import re
import subprocess
import sys

import pytest

import lightboard
from lightboard import SummaryWriter
from lightboard.cli import COMMANDS, main

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_help_shows_examples_of_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "examples:" in text
    for command in ("ls", "summary", "export", "serve"):
        assert f"lightboard {command} runs/" in text
    assert "exit status" in text


@pytest.mark.parametrize("command", ["ls", "summary", "export", "serve"])
def test_each_command_help_shows_its_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert f"usage: lightboard {command}" in text
    assert "examples:" in text
    assert text.count(f"  lightboard {command} ") >= 3


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"lightboard {lightboard.__version__}"


def test_every_command_module_registers_a_subcommand() -> None:
    assert {module.__name__.rsplit(".", 1)[1] for module in COMMANDS} == {"ls", "summary", "export", "serve", "watch"}


@pytest.mark.parametrize(
    "argv",
    [[], ["frobnicate"], ["ls"], ["export", ".", "--format", "xml"], ["summary", ".", "--progress", "--quiet"]],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage: lightboard" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["ls", "summary", "export", "serve"])
def test_a_missing_logdir_exits_2_naming_it(command: str, tmp_path: pathlib.Path, capsys) -> None:
    missing = tmp_path / "no-such-dir"
    assert main([command, str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err
    assert "Traceback" not in err


@pytest.mark.parametrize("option", ["--runs", "--tags"])
def test_a_bad_regex_exits_2_naming_the_option(option: str, logdir: pathlib.Path, capsys) -> None:
    assert main(["summary", str(logdir), option, "(unclosed"]) == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err
    assert "bad regular expression '(unclosed'" in err


def test_console_script_names_main() -> None:
    scripts = (ROOT / "pyproject.toml").read_text().partition("[project.scripts]")[2]
    entry = re.search(r'^lightboard = "([\w.]+):(\w+)"$', scripts, re.MULTILINE)
    assert entry is not None
    assert getattr(importlib.import_module(entry[1]), entry[2]) is main


def test_python_dash_m_runs_the_command(logdir: pathlib.Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lightboard", "ls", str(logdir), "--tags", "loss"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "val/loss" in done.stdout
    assert "train" in done.stdout
    assert done.stderr == ""


def test_a_closed_pipe_ends_the_export_quietly(tmp_path: pathlib.Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        for step in range(20_000):  # ~1 MB of CSV: more than a pipe holds
            writer.add_scalar("loss", step, step)
    process = subprocess.Popen(
        [sys.executable, "-m", "lightboard", "export", str(tmp_path), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline() == b"run,tag,step,wall_time,value\n"
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert err == ""
