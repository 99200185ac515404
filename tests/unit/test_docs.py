"""Consistency: every `odp` command the README shows exists and has --help."""

from __future__ import annotations

import re
from pathlib import Path

import click
from click.testing import CliRunner

from opendata_pipeline.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


def _commands() -> set[tuple[str, ...]]:
    found = set()
    for line in README.read_text(encoding="utf-8").splitlines():
        match = re.search(r"(?:\.venv/bin/)?\bodp((?: [a-z][a-z-]*)+)", line)
        if match and ("$ " in line or "`" in line):
            found.add(tuple(match.group(1).split()[:2]))
    return found


def test_readme_commands_exist_and_have_help() -> None:
    commands = _commands()
    assert ("plan",) in {c[:1] for c in commands} and ("publish",) in {c[:1] for c in commands}
    runner = CliRunner()
    for words in commands:
        group: click.Command = main
        path = []
        for word in words:
            if not isinstance(group, click.Group) or word not in group.commands:
                break
            group = group.commands[word]
            path.append(word)
        assert path, f"README mentions `odp {' '.join(words)}`, which does not exist"
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
