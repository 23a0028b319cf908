"""Generate the API reference (HTML, one page per public module) from the docstrings with pydoc.

Usage: ``python scripts/build_api_docs.py [OUT_DIR]`` (default ``docs/api``). The test suite runs
it into a temporary folder and checks that every public name of ``vessels.__all__`` is documented.
"""

from __future__ import annotations

import html
import importlib
import inspect
import pydoc
import sys
from pathlib import Path

import vessels


def public_modules() -> dict[str, list[str]]:
    """Map each module that defines a public name to the public names it defines."""
    modules: dict[str, list[str]] = {}
    for name, target in vessels._EXPORTS.items():
        module = target.split(":")[0]
        modules.setdefault(module, []).append(name)
    return modules


def build(out: Path) -> list[Path]:
    """Write ``index.html`` and one page per module; return the written paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    doc = pydoc.HTMLDoc()
    rows = []
    for module_name, names in sorted(public_modules().items()):
        module = importlib.import_module(module_name)
        page = doc.page(pydoc.describe(module), doc.document(module, module_name))
        path = out / f"{module_name}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
        for name in names:
            obj = getattr(vessels, name)
            summary = (inspect.getdoc(obj) or "").splitlines()[0] if inspect.getdoc(obj) else ""
            anchor = html.escape(getattr(obj, "__name__", name))
            rows.append(
                f'<tr><td><a href="{module_name}.html#{anchor}">vessels.{name}</a></td>'
                f"<td>{html.escape(summary)}</td></tr>"
            )
    index = (
        "<!doctype html><meta charset='utf-8'><title>vessels API</title>"
        f"<h1>vessels {vessels.__version__} — public API</h1>"
        "<table>" + "".join(rows) + "</table>"
    )
    (out / "index.html").write_text(index, encoding="utf-8")
    written.append(out / "index.html")
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/api")
    paths = build(target)
    print(f"wrote {len(paths)} pages to {target}")
