"""The package's figure style: one look for every figure it draws or writes.

Two layers:

* **Layout**, applied by every Display to the axes it draws on: a title per
  axes, legends outside the data so they hide nothing, human-readable labels,
  level axes floored at :data:`LEVEL_FLOOR_DB`. Displays otherwise draw in the
  user's current matplotlib style, as scikit-learn's do.
* **Look** (:data:`RC_PARAMS`, the original demo's: serif text, 5-inch figures
  of golden-ratio height, 300 dpi), applied with :func:`style` to every figure
  the package writes itself (the ``speechmusic`` PNGs,
  :func:`~sklearn_speechmusic.plot_training_history`) and to the documentation's
  gallery.
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

GOLDEN_RATIO = (1 + math.sqrt(5)) / 2
#: Width of a one-panel figure, as in the original demo.
WIDTH_INCHES = 5.0
#: Resolution of the PNG files the package writes.
DPI = 300
#: Lowest level drawn (dB re full scale): quieter is silence to a listener, and a
#: digital-silence floor (-200 dB and below) would squash the curve into a line.
LEVEL_FLOOR_DB = -80.0

#: The package's matplotlib settings.
RC_PARAMS: dict[Any, Any] = {
    "font.family": "serif",
    "font.serif": ["DejaVu Serif", "Bitstream Vera Serif", "Computer Modern Roman", "Times New Roman"],
    "mathtext.fontset": "dejavuserif",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.figsize": (WIDTH_INCHES, WIDTH_INCHES / GOLDEN_RATIO),
    "savefig.dpi": DPI,
}

# Words kept upper-case, or spelled out, in labels made from identifiers.
_SPELLED = {
    "mfcc": "MFCC",
    "zcr": "zero-crossing rate",
    "rms": "RMS",
    "db": "dB",
    "hnr": "HNR",
    "4hz": "4 Hz",
}


@contextmanager
def style(*, usetex: bool = False) -> Iterator[None]:
    """Apply :data:`RC_PARAMS` inside the ``with`` block.

    Create, draw and save a figure inside the block: matplotlib reads some
    settings when an artist is drawn, not when it is created.

    Parameters
    ----------
    usetex : bool, default=False
        Typeset text with LaTeX (needs ``latex`` and ``dvipng``).

    Yields
    ------
    None
        Nothing; the settings apply until the block ends.

    Examples
    --------
    >>> import matplotlib
    >>> from sklearn_speechmusic._plot_style import style
    >>> with style():
    ...     matplotlib.rcParams["font.family"]
    ['serif']
    """
    import matplotlib

    with matplotlib.rc_context({**RC_PARAMS, "text.usetex": usetex}):
        yield


def apply_style() -> None:
    """Make :data:`RC_PARAMS` the current matplotlib settings (for the docs' gallery)."""
    import matplotlib

    # Saved figures keep everything drawn outside the axes (legends, labels), at
    # screen resolution (sphinx-gallery adds 2x copies for dense screens).
    matplotlib.rcParams.update({**RC_PARAMS, "savefig.bbox": "tight", "savefig.dpi": "figure"})


def latex_available() -> bool:
    """Whether LaTeX text can be rendered (``latex`` and ``dvipng`` found)."""
    return all(shutil.which(program) is not None for program in ("latex", "dvipng"))


def figure(width: float = WIDTH_INCHES, height: float | None = None):
    """A bare matplotlib Figure (not pyplot: nothing stays open in the user's session)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, width / GOLDEN_RATIO if height is None else height))


def save(figure, path) -> None:
    """Write a figure the package makes itself: :data:`DPI`, nothing cut off."""
    figure.savefig(path, dpi=DPI, bbox_inches="tight", pad_inches=0.05)


def new_axes(ax, *, width: float = WIDTH_INCHES, height: float | None = None):
    """``ax``, or the axes of a new pyplot figure of the given size when None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    # Constrained layout keeps the title, labels and an outside legend in the figure.
    _, ax = plt.subplots(
        figsize=(width, width / GOLDEN_RATIO if height is None else height), layout="constrained"
    )
    return ax


def title_and_legend(ax, title: str | None = None, *, legend: str | None = "above", ncols: int | None = None):
    """Put the title at the top left and the legend where it covers no data.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes to finish.
    title : str, default=None
        Axes title; None keeps the current one.
    legend : {"above", "right"} or None, default="above"
        ``"above"``: one row between the title and the axes (few entries);
        ``"right"``: a column beside the axes (many entries); None: no legend.
    ncols : int, default=None
        Entries per row of an ``"above"`` legend; all of them when None.

    Returns
    -------
    legend : matplotlib.legend.Legend or None
        None when no legend was drawn (or no artist has a label).
    """
    title = ax.get_title(loc="left") if title is None else title
    handles, labels = ax.get_legend_handles_labels()
    drawn = None
    pad = None
    if legend is not None and handles:
        if legend == "above":
            ncols = ncols or len(handles)
            drawn = ax.legend(
                handles,
                labels,
                loc="lower left",
                bbox_to_anchor=(0.0, 1.0),
                ncols=ncols,
                frameon=False,
                borderaxespad=0.2,
                handlelength=1.5,
                columnspacing=1.2,
            )
            rows = math.ceil(len(handles) / ncols)
            pad = rows * drawn.prop.get_size_in_points() * 1.6 + 4  # the title goes above the row
        elif legend == "right":
            drawn = ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        else:
            raise ValueError(f"legend must be 'above', 'right' or None; got {legend!r}")
    if title:
        ax.set_title(title, loc="left", pad=pad)
    return drawn


def readable(name: str) -> str:
    """A label for an identifier: ``param_network__learning_rate`` -> ``Learning rate``.

    Parameters
    ----------
    name : str
        A column, parameter or feature name.

    Returns
    -------
    label : str
        The last ``__``-separated part, without a ``param_`` prefix, with spaces
        for underscores and abbreviations spelled as in the user guide.

    Examples
    --------
    >>> from sklearn_speechmusic._plot_style import readable
    >>> readable("param_network__hidden_layer_sizes")
    'Hidden layer sizes'
    >>> readable("modulation_4hz_ratio")
    'Modulation 4 Hz ratio'
    """
    name = re.sub(r"^param_", "", str(name)).split("__")[-1]
    words = [_SPELLED.get(word.lower(), word) for word in name.split("_") if word]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else text
