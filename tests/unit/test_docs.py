"""The docs tell the truth: every command, option, variable and benchmark figure they name exists.

README.md and CONTRIBUTING.md are read as a newcomer would; a name that does not
exist (any more) fails here.
"""

from __future__ import annotations

import re

import click
from click.testing import CliRunner

from opendata_pipeline.cli import main
from opendata_pipeline.settings import documented_variables
from tests.project import ROOT

DOCS = {n: (ROOT / n).read_text(encoding="utf-8") for n in ("README.md", "CONTRIBUTING.md")}
COMMAND = re.compile(r"(?:\.venv/bin/)?\bodp((?: [a-z][a-z-]*)+)((?: [^`\n|]*)?)")


def _command(words: list[str]) -> tuple[list[str], click.Command]:
    """The longest prefix of ``words`` that names an ``odp`` (sub)command, and that command."""
    command: click.Command = main
    path: list[str] = []
    for word in words:
        if not isinstance(command, click.Group) or word not in command.commands:
            break
        command = command.commands[word]
        path.append(word)
    return path, command


def _mentions() -> list[tuple[str, list[str], str]]:
    """(doc, command words, rest of the line) for every ``odp ...`` in code or a console line."""
    found = []
    for doc, text in DOCS.items():
        for line in text.splitlines():
            if not ("`" in line or line.startswith(("$ ", "odp ")) or "odp " in line):
                continue
            for match in COMMAND.finditer(line):
                found.append((doc, match.group(1).split(), match.group(2)))
    return found


def test_every_command_the_docs_name_exists_and_has_help() -> None:
    mentions = _mentions()
    assert {"plan", "publish", "validate"} <= {words[0] for _, words, _ in mentions}
    runner = CliRunner()
    for doc, words, _ in mentions:
        path, _command_ = _command(words)
        assert path, f"{doc} mentions `odp {' '.join(words)}`, which does not exist"
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)


def test_every_option_the_docs_give_a_command_exists() -> None:
    checked = 0
    for doc, words, rest in _mentions():
        path, command = _command(words)
        known = {opt for p in [*command.params, *main.params] for opt in p.opts}
        known |= {"--help", "-h"}
        for option in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", rest):
            checked += 1
            assert option in known, f"{doc}: `odp {' '.join(path)}` has no option {option}"
    assert checked > 10


def test_every_variable_the_docs_name_is_a_setting() -> None:
    settings = {variable for variable, _, _ in documented_variables()}
    named = {v for text in DOCS.values() for v in re.findall(r"\bODP_[A-Z_]+\b", text)}
    assert named, "the docs name no variables at all?"
    assert sorted(named - settings) == []


def test_every_benchmark_figure_comes_from_its_script() -> None:
    """Each README output block after ``benchmarks/<script>.py`` quotes lines that script prints."""
    readme = DOCS["README.md"]
    bench = readme.split("## BENCHMARKS", 1)[1]
    checked = 0
    for section in re.split(r"\n### ", bench)[1:]:
        scripts = re.findall(r"benchmarks/([a-z0-9_]+\.py)", section)
        blocks = re.findall(r"```(?:console)?\n(.*?)```", section, flags=re.S)
        if not scripts:
            continue
        sources = ""
        for script in scripts:
            path = ROOT / "benchmarks" / script
            assert path.is_file(), f"README cites benchmarks/{script}, which does not exist"
            sources += path.read_text(encoding="utf-8")
        for block in blocks:
            for line in block.splitlines():
                label = re.split(r"[:0-9(]", line.strip().lstrip("$ "), maxsplit=1)[0].strip()
                if len(label) < 6 or label.startswith((".venv", "[")):
                    continue
                checked += 1
                words = label.split()[:3]
                assert all(w in sources for w in words), (
                    f"README quotes {line!r} but {', '.join(scripts)} prints no such line"
                )
    assert checked > 5
