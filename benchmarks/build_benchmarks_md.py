"""Assemble BENCHMARKS.md from the verdict table (benchmarks/summary.md) and every results file.

Each benchmark script writes its own figures to ``benchmarks/results/<topic>.md`` (machine, date,
load, ratios against the baseline measured in the same run); this script only concatenates them
under the summary so the repository has one page with every figure. Run it after a benchmark:
``python benchmarks/build_benchmarks_md.py``.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["ingest", "segment", "zones", "simulate", "events", "fishing", "score", "map"]


def build() -> str:
    parts = [(HERE / "summary.md").read_text(encoding="utf-8").rstrip() + "\n"]
    results = sorted(
        (HERE / "results").glob("*.md"),
        key=lambda p: (ORDER.index(p.stem) if p.stem in ORDER else len(ORDER), p.stem),
    )
    for path in results:
        body = path.read_text(encoding="utf-8").strip()
        # demote the file's headings one level so they nest under the section title
        body = "\n".join("#" + line if line.startswith("#") else line for line in body.splitlines())
        parts.append(f"\n---\n\n## Details: `{path.relative_to(HERE.parent)}`\n\n{body}\n")
    return "".join(parts)


if __name__ == "__main__":
    target = HERE.parent / "BENCHMARKS.md"
    target.write_text(build(), encoding="utf-8")
    print(f"wrote {target}")
