"""Timeline plot of a segmented recording, in scikit-learn's Display style."""

from __future__ import annotations

import numpy as np

from . import _plot_style

#: Colours of the usual labels; other labels take the next colours of tab10.
_LABEL_COLORS = {"Speech": "tab:blue", "Music": "tab:orange", "Noise": "tab:green", "Silence": "0.8"}
_OTHER_COLORS = ("tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:red")
#: The level axis starts here (dB re full scale); quieter frames are drawn at it.
LEVEL_FLOOR_DB = _plot_style.LEVEL_FLOOR_DB
# Level curves longer than this are reduced to the loudest frame of each bucket.
_MAX_LEVEL_POINTS = 20_000


class SegmentationDisplay:
    """Speech/music/noise/silence timeline: the recording's level with coloured label bands.

    Every label present gets a band colour (Speech blue, Music orange, Noise
    green, Silence grey, others the next tab10 colours) and a legend entry;
    the legend sits outside the axes, right of them, so it covers nothing.
    The level axis runs from -80 dB FS (quieter frames, digital silence
    included, are drawn at -80).

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
            orange, Noise green, Silence grey).
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
        missing = {"start", "end", "label"} - set(self.segments.columns)
        if missing:
            raise ValueError(
                f"segments needs the columns start, end and label; missing {sorted(missing)}. "
                "Pass the DataFrame returned by SpeechMusicSegmenter.segment."
            )
        ax = _plot_style.new_axes(ax, width=10, height=3)
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
            times, levels = _thinned(
                np.asarray(self.times, dtype=float), np.asarray(self.level_db, dtype=float)
            )
            levels = np.maximum(levels, LEVEL_FLOOR_DB)
            (self.line_,) = ax.plot(
                times,
                levels,
                **{"color": "0.15", "linewidth": 0.8, "label": "Level", **(line_kw or {})},
            )
            top = max(0.0, float(levels.max())) + 2 if levels.size else 2.0
            ax.set_ylim(LEVEL_FLOOR_DB, top)
            ax.set_ylabel("Level (dB FS)")
        else:
            ax.set_yticks([])
        if len(self.segments):
            ax.set_xlim(float(self.segments["start"].min()), float(self.segments["end"].max()))
        ax.set_xlabel("Time (s)")
        if self.title is not None:
            ax.set_title(self.title)
        # Outside the axes, right of them: the legend hides no band and no level.
        _plot_style.title_and_legend(ax, legend="right")
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
        >>> from sklearn_speechmusic import SegmentationDisplay, SpeechMusicSegmenter, example_audio
        >>> disp = SegmentationDisplay.from_estimator(SpeechMusicSegmenter(), example_audio("music"))
        >>> disp.segments.label.tolist()
        ['Music']
        """
        windows = segmenter.window_probabilities(audio)
        segments = segmenter.segments_from_windows(windows, audio=audio)
        if title is None and not isinstance(audio, tuple):
            from pathlib import Path

            title = Path(audio).name
        times, level_db = level_curve(windows)
        return cls.from_segments(segments, times=times, level_db=level_db, ax=ax, colors=colors, title=title)

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


def level_curve(windows) -> tuple[np.ndarray, np.ndarray]:
    """Times and levels to draw for a table from ``window_probabilities``.

    The short frames' levels (``attrs["frame_level_db"]``) when the table has
    them, else each window's level at its centre.

    Parameters
    ----------
    windows : pandas.DataFrame
        As returned by :meth:`SpeechMusicSegmenter.window_probabilities`.

    Returns
    -------
    times, level_db : ndarray
        Seconds and dB re full scale.
    """
    frame_levels = windows.attrs.get("frame_level_db")
    if frame_levels is None:
        return windows["center"].to_numpy(), windows["level_db"].to_numpy()
    step, length = float(windows.attrs["frame_step"]), float(windows.attrs["frame_length"])
    return np.arange(len(frame_levels)) * step + length / 2, np.asarray(frame_levels, dtype=float)


def _thinned(times: np.ndarray, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most ``_MAX_LEVEL_POINTS`` points: the loudest of each bucket of frames."""
    if levels.size <= _MAX_LEVEL_POINTS:
        return times, levels
    bucket = -(-levels.size // _MAX_LEVEL_POINTS)
    n = levels.size // bucket * bucket
    return times[:n:bucket], levels[:n].reshape(-1, bucket).max(axis=1)


def _palette(labels, colors) -> dict:
    palette = dict(_LABEL_COLORS)
    others = iter(_OTHER_COLORS * 3)
    for label in dict.fromkeys(labels):
        if label not in palette:
            palette[label] = next(others)
    palette.update(colors or {})
    return palette
