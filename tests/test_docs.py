"""The README stays true: settings, commands and the CI's test command."""

from __future__ import annotations

import re

import pytest

from assistant.cli import main
from assistant.settings import field_names
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", field_names())
def test_every_setting_is_documented(name):
    assert re.search(rf"^\| `{name}` \|", README, re.M), f"setting {name} is missing from the README table"


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_documented(command):
    assert f"`foi {command}" in README, f"command foi {command} is missing from the README"


def test_ci_runs_the_readme_test_command():
    blocks = re.findall(r"```bash\n(.*?)\n```", README, re.S)
    test_command = blocks[1].strip()
    assert "pytest" in test_command
    assert test_command in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_setup_commands_pin_the_cpu_torch():
    for block in re.findall(r"```bash\n(.*?)\n```", README, re.S)[:2]:
        assert "torch==2.13.0" in block
