"""CLI conventions (issue #18 point 4): data on stdout, progress and logs on stderr; the top-level
help's typical use shows --profile."""

from __future__ import annotations

from vessels.cli import main


def test_zones_list_table_goes_to_stdout(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["zones", "list"]) == 0
    captured = capsys.readouterr()
    assert "zones" in captured.out and "eez" in captured.out  # `vessels zones list > f` not empty
    assert "zone_id" not in captured.err


def test_top_level_help_shows_a_profile(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    typical = out.split("Typical use:")[1].split("Options:")[0]
    assert "vessels score" in typical and "--profile" in typical
