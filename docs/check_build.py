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
    problems += _page_problems(site)
    problems += _thumbnail_problems(site)
    for problem in problems:
        print(f"docs check: {problem}", file=sys.stderr)
    if not problems:
        print(f"docs check: {len(list(site.rglob('*.html')))} pages; quickstart shows {sorted(figures)}")
    return 1 if problems else 0


def _page_problems(site: Path) -> list[str]:
    """Every page: no stray object reprs, no empty "Section Navigation" sidebar."""
    problems = []
    empty_nav = re.compile(
        r'aria-label="Section Navigation">\s*<p [^>]*>Section Navigation</p>\s*'
        r'<div class="bd-toc-item navbar-nav">\s*</div>'
    )
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        name = page.relative_to(site)
        # A cell whose last expression is a Display prints "<...Display object at 0x7f...>".
        for match in re.finditer(r"object at 0x[0-9a-fA-F]+", text):
            line = text[max(0, match.start() - 80) : match.end()].split("\n")[-1]
            problems.append(f"{name} shows a stray object repr: {line.strip()}")
            break
        if empty_nav.search(text):
            problems.append(f"{name} has an empty 'Section Navigation' sidebar (list it in html_sidebars)")
    return problems


def _thumbnail_problems(site: Path) -> list[str]:
    """Every gallery example has a thumbnail drawn from one of its own figures.

    sphinx-gallery falls back to a placeholder image for an example without a
    figure; the placeholders are identical files, real thumbnails are not.
    """
    import hashlib

    problems = []
    digests: dict[str, list[str]] = {}
    for page in sorted((site / "auto_examples").glob("plot_*.html")):
        example = page.stem
        if not list((site / "_images").glob(f"sphx_glr_{example}_[0-9][0-9][0-9].png")):
            problems.append(f"{example} draws no figure, so its gallery thumbnail is the placeholder")
        thumbnail = site / "_images" / f"sphx_glr_{example}_thumb.png"
        if thumbnail.is_file():
            digests.setdefault(hashlib.sha256(thumbnail.read_bytes()).hexdigest(), []).append(example)
    for same in digests.values():
        if len(same) > 1:
            problems.append(f"{', '.join(same)} share one thumbnail image (a placeholder)")
    return problems


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
