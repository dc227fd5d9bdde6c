"""`foi ingest --ray` without the ray extra, and misuse of its options (no cluster needed)."""

from __future__ import annotations

from click.testing import CliRunner

from assistant.cli import main


def test_ray_without_the_extra_exits_1_saying_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr("index.distributed.ray_available", lambda: False)
    (tmp_path / "a.txt").write_text("The council holds no such records.")
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "a.txt"), "--ray"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: distributed ingest needs Ray, which is not installed: pip install 'foi-assistant[ray]'"
    ]
    assert not (tmp_path / "foi-index").exists()


def test_commit_every_without_ray_is_a_usage_error(tmp_path):
    (tmp_path / "a.txt").write_text("The council holds no such records.")
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "a.txt"), "--commit-every", "10"])
    assert result.exit_code == 2
    assert "--commit-every needs --ray" in result.stderr
