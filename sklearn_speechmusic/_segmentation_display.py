"""Timeline plot of a segmented recording, in scikit-learn's Display style."""

from __future__ import annotations

import numpy as np

from ._history_display import _require_matplotlib

#: Colours of the usual labels; other labels take the next colours of tab10.
_LABEL_COLORS = {"Speech": "tab:blue", "Music": "tab:orange", "Silence": "0.85"}
_OTHER_COLORS = ("tab:green", "tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan")


class SegmentationDisplay:
    """Speech/music timeline: the recording's level with coloured label bands.

    Create it with :meth:`from_estimator` (segments a recording) or
    :meth:`from_segments` (segments you already have); both call :meth:`plot`.

    Parameters
    ----------
    segments : pandas.DataFrame
        ``start``, ``end``, ``label`` (and optionally ``confidence``), as from
        :meth:`SpeechMusicSegmenter.segment`.
    times : array-like of shape (n_windows,), default=None
        Times (seconds) of the level curve; None draws bands only.
    level_db : array-like of shape (n_windows,), default=None
        Level (dB re full scale) at ``times``.
    title : str, default=None
        Axes title (e.g. the file name).

    Attributes
    ----------
    ax_ : matplotlib.axes.Axes
        Axes with the timeline.
    figure_ : matplotlib.figure.Figure
        Figure containing it.
    bands_ : list of matplotlib.patches.Polygon or Rectangle
        One coloured band per segment, in time order.
    line_ : matplotlib.lines.Line2D or None
        The level curve.

    See Also
    --------
    SpeechMusicSegmenter : Computes the segments.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from sklearn_speechmusic import SegmentationDisplay
    >>> segments = pd.DataFrame(
    ...     {"start": [0.0, 4.0], "end": [4.0, 9.0], "label": ["Speech", "Music"]}
    ... )
    >>> disp = SegmentationDisplay.from_segments(segments)
    >>> len(disp.bands_), [float(x) for x in disp.ax_.get_xlim()]
    (2, [0.0, 9.0])
    """

    def __init__(self, segments, *, times=None, level_db=None, title=None):
        self.segments = segments
        self.times = times
        self.level_db = level_db
        self.title = title

    def plot(self, *, ax=None, colors=None, line_kw=None):
        """Draw the timeline.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw into; a new figure is created when None.
        colors : dict of str to color, default=None
            Colour per label, overriding the defaults (Speech blue, Music
            orange, Silence grey).
        line_kw : dict, default=None
            Keyword arguments for ``ax.plot`` of the level curve.

        Returns
        -------
        display : SegmentationDisplay
            This object, with ``ax_``, ``figure_``, ``bands_`` and ``line_`` set.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> import pandas as pd
        >>> from sklearn_speechmusic import SegmentationDisplay
        >>> segments = pd.DataFrame({"start": [0.0], "end": [2.0], "label": ["Music"]})
        >>> fig, ax = plt.subplots()
        >>> SegmentationDisplay(segments).plot(ax=ax).ax_ is ax
        True
        """
        _require_matplotlib(f"{type(self).__name__}.plot")
        missing = {"start", "end", "label"} - set(self.segments.columns)
        if missing:
            raise ValueError(
                f"segments needs the columns start, end and label; missing {sorted(missing)}. "
                "Pass the DataFrame returned by SpeechMusicSegmenter.segment."
            )
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(10, 3))
        palette = _palette(self.segments["label"], colors)
        self.bands_ = []
        labelled = set()
        for start, end, label in self.segments[["start", "end", "label"]].itertuples(index=False):
            band = ax.axvspan(
                start,
                end,
                color=palette[label],
                alpha=0.6,
                linewidth=0,
                label=None if label in labelled else str(label),
            )
            labelled.add(label)
            self.bands_.append(band)
        self.line_ = None
        if self.times is not None and self.level_db is not None:
            (self.line_,) = ax.plot(
                np.asarray(self.times),
                np.asarray(self.level_db),
                **{"color": "0.15", "linewidth": 1, "label": "Level", **(line_kw or {})},
            )
            ax.set_ylabel("Level (dB FS)")
        else:
            ax.set_yticks([])
        if len(self.segments):
            ax.set_xlim(float(self.segments["start"].min()), float(self.segments["end"].max()))
        ax.set_xlabel("Time (s)")
        if self.title is not None:
            ax.set_title(self.title)
        ax.legend(loc="upper right", ncols=min(4, len(labelled) + 1), fontsize="small")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, segmenter, audio, *, ax=None, colors=None, title=None):
        """Segment a recording and plot its timeline.

        Parameters
        ----------
        segmenter : SpeechMusicSegmenter
            The segmenter (its pipeline fitted, or None for the pretrained one).
        audio : str, path-like or tuple
            An audio file, or a ``(waveform, sample_rate)`` pair.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw into.
        colors : dict of str to color, default=None
            Colour per label.
        title : str, default=None
            Axes title; the file name when None and ``audio`` is a path.

        Returns
        -------
        display : SegmentationDisplay
            The plotted display; ``segments`` holds the timeline.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np
        >>> from sklearn_speechmusic import SegmentationDisplay, SpeechMusicSegmenter
        >>> t = np.arange(6 * 8000) / 8000
        >>> tone = np.sin(2 * np.pi * 440 * t)
        >>> disp = SegmentationDisplay.from_estimator(SpeechMusicSegmenter(), (tone, 8000))
        >>> disp.segments.label.tolist()
        ['Music']
        """
        windows = segmenter.window_probabilities(audio)
        segments = segmenter.segments_from_windows(windows)
        if title is None and not isinstance(audio, tuple):
            from pathlib import Path

            title = Path(audio).name
        return cls.from_segments(
            segments, times=windows["center"], level_db=windows["level_db"], ax=ax, colors=colors, title=title
        )

    @classmethod
    def from_segments(cls, segments, *, times=None, level_db=None, ax=None, colors=None, title=None):
        """Plot a timeline from segments you already have.

        Parameters
        ----------
        segments : pandas.DataFrame
            ``start``, ``end``, ``label`` columns.
        times, level_db : array-like, default=None
            Optional level curve.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw into.
        colors : dict of str to color, default=None
            Colour per label.
        title : str, default=None
            Axes title.

        Returns
        -------
        display : SegmentationDisplay
            The plotted display.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import pandas as pd
        >>> from sklearn_speechmusic import SegmentationDisplay
        >>> segments = pd.DataFrame({"start": [0.0], "end": [1.5], "label": ["Speech"]})
        >>> SegmentationDisplay.from_segments(segments, title="clip").ax_.get_title()
        'clip'
        """
        display = cls(segments, times=times, level_db=level_db, title=title)
        return display.plot(ax=ax, colors=colors)


def _palette(labels, colors) -> dict:
    palette = dict(_LABEL_COLORS)
    others = iter(_OTHER_COLORS * 3)
    for label in dict.fromkeys(labels):
        if label not in palette:
            palette[label] = next(others)
    palette.update(colors or {})
    return palette
