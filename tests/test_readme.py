"""The README stays true: its commands are what CI runs, its links resolve, its tables current."""

from __future__ import annotations

import re
from pathlib import Path

import vessels as vs
from vessels.events.config import parameters_markdown

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_commands() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in ("bash scripts/quickstart.sh", ".venv/bin/python -m pytest"):
        assert command in README, command
        assert command in ci, command


def test_quickstart_runs_the_main_job_on_a_shipped_sample() -> None:
    script = (ROOT / "scripts" / "quickstart.sh").read_text(encoding="utf-8")
    assert 'pip install -q -e ".[dev]"' in script
    match = re.search(r"vessels score (\S+)", script)
    assert match, "quickstart must run vessels score"
    assert (ROOT / match.group(1)).exists()


def test_relative_links_resolve() -> None:
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", README):
        assert (ROOT / target).exists(), f"README links to missing {target}"


def test_detector_defaults_table_is_current() -> None:
    block = README.split("<!-- detector-defaults -->")[1].split("<!-- /detector-defaults -->")[0]
    assert block.strip() == parameters_markdown().strip(), (
        "README detector defaults are stale: paste parameters_markdown() between the markers"
    )


def test_public_names_listed_match_all() -> None:
    listed = README.split("The public names are")[1].split("(`vessels.__all__`)")[0]
    names = set(re.findall(r"[A-Za-z_]+", listed))
    assert names == {n for n in vs.__all__ if n != "__version__"}


def test_profile_examples_in_the_readme_load(tmp_path: Path) -> None:
    """Every inline ``[events.detector] key = value`` example of the README is a valid profile
    (it once read ``[ais_gap] min_gap_h = 12``, which the loader refuses)."""
    examples = re.findall(r"`(\[events\.[a-z_]+\] [a-z_]+ = [^`]+)`", README)
    assert examples, "the README shows how a profile overrides a detector parameter"
    for i, text in enumerate(examples):
        section, assignment = text.split("] ", 1)
        path = tmp_path / f"p{i}.toml"
        profile = f'[profile]\nextends = "default"\n{section}]\n{assignment}\n'
        path.write_text(profile, encoding="utf-8")
        vs.load_profile(path).detector_config()  # raises ConfigError naming the key if wrong


def test_the_first_command_installs_the_browser_the_second_needs() -> None:
    """README command 1 installs Chromium for command 2's map tests (issue #18): CI does not do
    it behind the README's back, and where apt-get is missing the script says what to do."""
    script = (ROOT / "scripts" / "quickstart.sh").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get install -y -q chromium" in script
    assert "VESSELS_CHROMIUM" in script  # the same variable the map tests read
    assert "exit 1" in script.split("apt-get install")[1]  # no silent skip
    assert "apt-get" not in ci  # the README's command does it, not CI on its own
    conftest = (ROOT / "tests" / "maps" / "conftest.py").read_text(encoding="utf-8")
    assert 'os.environ.get("VESSELS_CHROMIUM", "/usr/bin/chromium")' in conftest
