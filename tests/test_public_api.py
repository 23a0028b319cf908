"""The public API: names, docstrings, the generated reference, and the executed walkthrough."""

from __future__ import annotations

import importlib.util
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import vessels as vs

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = [n for n in vs.__all__ if n != "__version__"]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_name_is_documented_with_an_example(name: str) -> None:
    obj = getattr(vs, name)
    assert callable(obj), f"vessels.{name} is {type(obj).__name__}, not a function or class"
    doc = inspect.getdoc(obj) or ""
    assert len(doc) > 80, f"vessels.{name} has no real docstring"
    assert "Examples" in doc, f"vessels.{name} docstring has no Examples section"


def test_public_names_survive_submodule_imports() -> None:
    # importing every subpackage must not shadow a public function with a module of the same name
    for module in (
        "vessels.io",
        "vessels.tracks",
        "vessels.zones",
        "vessels.events",
        "vessels.risk",
    ):
        importlib.import_module(module)
    for name in PUBLIC:
        assert callable(getattr(vs, name)), name


def test_unknown_attribute_raises() -> None:
    with pytest.raises(AttributeError):
        _ = vs.no_such_function  # type: ignore[attr-defined]


def test_py_typed_is_shipped() -> None:
    assert (ROOT / "vessels" / "py.typed").exists()


def test_api_reference_builds(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_api_docs.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    for name in PUBLIC:
        assert f"vessels.{name}<" in index
    assert (tmp_path / "vessels.pipeline.html").exists()


def _load_builder():
    spec = importlib.util.spec_from_file_location(
        "_build_walkthrough", ROOT / "notebooks" / "_build_walkthrough.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_notebook_is_stripped_and_current() -> None:
    import nbformat

    committed = nbformat.read(ROOT / "notebooks" / "walkthrough.ipynb", as_version=4)
    for cell in committed.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    built = _load_builder().build()
    assert [c.source for c in committed.cells] == [c.source for c in built.cells]


def test_walkthrough_notebook_runs_top_to_bottom() -> None:
    import nbclient
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "walkthrough.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    html_out = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "leaflet" in html_out.lower(), "the folium map did not render inline"
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, "the movingpandas plot did not render inline (no matplotlib.use('Agg'))"
    assert "PipelineResult" in html_out or "risk" in html_out.lower()
