"""Check a built documentation site: the pages users land on show what they promise.

Usage: ``python docs/check_build.py docs/_build/html`` (exit 1 with a message if not).
"""

import re
import sys
from pathlib import Path


def main(site: Path) -> int:
    problems = []
    quickstart = (site / "auto_examples" / "plot_quickstart.html").read_text(encoding="utf-8")
    figures = set(re.findall(r"sphx_glr_plot_quickstart_\d{3}\.png", quickstart))
    if len(figures) != 2:
        shown = len(figures)
        problems.append(f"the quickstart page shows {shown} figures, expected the 2 training-history plots")
    for name in sorted(figures):
        if not (site / "_images" / name).is_file():
            problems.append(f"{name} is referenced but missing")
    for page in ("index.html", "api.html", "user_guide.html", "install.html", "auto_examples/index.html"):
        if not (site / page).is_file():
            problems.append(f"{page} was not built")
    for example in sorted((site / "auto_examples").glob("plot_*.html")):
        if "Traceback (most recent call last)" in example.read_text(encoding="utf-8"):
            problems.append(f"{example.name} shows a traceback")
    for problem in problems:
        print(f"docs check: {problem}", file=sys.stderr)
    if not problems:
        print(f"docs check: {len(list(site.rglob('*.html')))} pages; quickstart shows {sorted(figures)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
