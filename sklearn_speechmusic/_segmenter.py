"""Speech/music/noise/silence timeline of a long recording: sliding windows, smoothing, segments."""

from __future__ import annotations

import os
from numbers import Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from ._audio_io import require_regular_file
from ._boundaries import change_point
from ._compat import HasMethods, Interval, StrOptions
from ._segment_windows import read_windows
from ._smoothing import (
    absorb_short,
    absorb_traces,
    evidence_clear_of,
    long_runs,
    overlay,
    runs,
    silent_frames,
    smooth_states,
)

#: Label of stretches at the recording's noise floor (or below ``silence_db``).
SILENCE = "Silence"
_SEGMENT_COLUMNS = ["start", "end", "label", "confidence"]
# Columns of window_probabilities before the class columns.
_WINDOW_COLUMNS = ["start", "end", "center", "level_db"]
# A window more than this share silence says little about the sound in it.
_MAX_SILENT_SHARE = 1 / 6
# The window labels put a change within about this many seconds of the truth
# (standard deviation): a spectral change further away, such as a pause in
# speech over a music bed, must be much clearer to move the boundary there.
_BOUNDARY_SPREAD = 0.4
# A window holding under a second of speech already sounds like speech, the more so
# against noise: between speech and noise the window labels put the change about
# this many seconds into the noise (median over held-out broadcast programmes:
# 0.55-0.71 s; between speech and music 0.1-0.2 s), so the prior is centred back
# towards the speech.
_SPEECH_NOISE_LEAD = 0.6
# Seconds the expected change moves, by (left, right) label: later after noise, earlier before it.
_LEAD_TOWARDS_SPEECH = {("Noise", "Speech"): _SPEECH_NOISE_LEAD, ("Speech", "Noise"): -_SPEECH_NOISE_LEAD}
# Seconds of each side's audio beyond the search range that the change point's two
# regimes are fitted on as well.
_REGIME_CONTEXT = 1.0


def _mean_probability(
    probabilities: np.ndarray, centers: np.ndarray, quiet: np.ndarray, segment, silence: int, gaps
) -> float:
    """Mean probability of a segment's label over the windows centred in it (else the nearest window).

    1 for silence that is not the model's own class, that only quiet windows found, or
    that lies mostly in stretches at the recording's noise floor (``gaps``): the level
    found it, and the 3-s windows around a 1-s gap hear mostly the sound on either side.
    """
    start, end, state = segment
    if state >= probabilities.shape[1]:
        return 1.0
    if state == silence:
        at_floor = sum(max(0.0, min(end, gap_end) - max(start, gap_start)) for gap_start, gap_end in gaps)
        if at_floor >= 0.5 * (end - start):
            return 1.0
    inside = (centers >= start) & (centers < end)
    if not inside.any():
        inside = np.arange(len(centers)) == np.argmin(np.abs(centers - (start + end) / 2))
    inside &= ~quiet
    return float(probabilities[inside, state].mean()) if inside.any() else 1.0


def _no_spill_over_pauses(segments: list[list], probabilities, centers, silence: int, reach: float):
    """Give a pause's far side back to the sound after it when its own windows say so.

    A boundary placed near a pause (by the windows, then the change point) can
    leave a piece of one sound on the far side of the pause, between the pause
    and the next sound: music, a pause, then speech gave the speech's first second
    the label Music. Such a piece, no longer than ``reach``, takes its other
    neighbour's label when the windows centred in it favour that label.
    """
    for index in range(1, len(segments) - 1):
        before, piece, after = segments[index - 1], segments[index], segments[index + 1]
        if piece[2] == silence or piece[1] - piece[0] > reach:
            continue
        for pause, other in ((before, after), (after, before)):
            if pause[2] == silence and other[2] not in (silence, piece[2]):
                inside = (centers >= piece[0]) & (centers < piece[1])
                if inside.any():
                    votes = probabilities[inside].mean(axis=0)
                    if votes[other[2]] > votes[piece[2]]:
                        piece[2] = other[2]
                break
    return segments  # absorb_short, next, joins neighbours of one label


def _check_one_recording(audio) -> None:
    """Refuse what is not one recording before any decoding (a pipe would block the reader)."""
    if isinstance(audio, tuple):
        if len(audio) != 2:
            raise TypeError(
                f"audio must be one recording: a path or a (waveform, sample_rate) pair; "
                f"got a tuple of {len(audio)} item{'s' if len(audio) != 1 else ''}."
            )
        return
    if isinstance(audio, (str, bytes, os.PathLike)):
        require_regular_file(os.fsdecode(audio), os.fsdecode(audio))
        return
    if isinstance(audio, np.ndarray):
        hint = " A bare array has no sample rate: pass (waveform, sample_rate)."
    elif isinstance(audio, (list, set)) or hasattr(audio, "iloc"):
        hint = " To segment several recordings, call segment once per recording."
    else:
        hint = ""
    raise TypeError(
        f"audio must be one recording: a path or a (waveform, sample_rate) tuple, "
        f"not {type(audio).__name__}.{hint}"
    )


class SpeechMusicSegmenter(BaseEstimator):
    """Find where the speech, music, noise and silence are in a long recording.

    Slides a window over the recording, classifies each window with a fitted
    audio pipeline (an :class:`AudioFeatureExtractor` first, a classifier with
    ``predict_proba`` last), smooths the window labels over time and merges
    runs of one label into segments. The labels are the pipeline's classes,
    read by name (``Speech``, ``Music`` and, when the model has them,
    ``Noise`` and ``Silence``), plus ``Silence`` from the level: stretches of
    at least ``min_silence`` seconds at the recording's own noise floor (or
    below ``silence_db``). Then:

    * a window more than a sixth silence takes the probabilities of the
      nearest window of its sounding stretch that is not: a window mixing a
      pause with a sound is heard badly (music entering after a pause as
      noise), so the label comes from windows clear of the pause;
    * a segment shorter than the windows straddling one change (``window
      + hop``) between two segments of one label takes that label: no window
      heard it alone, so it is the trace of a change (a cut between two music
      tracks sounds like speech to a window straddling it), not evidence of
      another class; one as short between two segments of two other labels
      is split between them (speech turning into noise can sound like music
      to the windows straddling the change). The shortest such trace goes
      first, then the next shortest of what is left, so two single windows
      heard as noise inside music are absorbed into the music, never the music
      between them into the noise;
    * boundaries move to the frame where the spectrum's statistics change;
    * silences are cut out at frame level, and a short piece of one sound left
      beyond a pause takes the label of the sound after it when its own
      windows favour that label;
    * segments shorter than ``min_duration`` join a neighbour; silence is
      never absorbed (so it is the one label that can be shorter). A short
      sound between two silences (a word, a footstep) grows into them to
      ``min_duration`` where each can spare the time and keep
      ``min_silence``, rather than vanish into them; where they cannot, a
      silence joins the sound (a sound is never labelled Silence).

    Files are read and resampled in blocks, so memory stays flat however long
    the recording is (about 40 MB of frame values per hour). With the
    packaged model's features each frame is analysed once, however much the
    windows overlap.

    Parameters
    ----------
    pipeline : Pipeline, default=None
        Fitted audio pipeline. None uses the packaged pretrained model (the one
        :func:`load_pretrained` returns) through its TensorFlow-free NumPy
        runtime, read from the package once per call: the same extractor, scaler and network
        weights, so the same probabilities up to float rounding, without
        importing TensorFlow.
    window : float, default=3.0
        Seconds of audio per classified window (the pretrained model was
        trained on clips of 1-6 s). A sound between two other sounds (no pause
        beside it), whose windows span less than ``window + hop``, is taken for
        the trace of a change and absorbed: with the defaults a jingle of up to
        about 4-5 s between speech, or between speech and music, can vanish. A
        shorter window (``window=2.0, hop=0.25``) keeps shorter inserts, at the
        cost of more spurious short segments
        (measured on the broadcast programmes, before segments between two
        other labels were split too: 12 to 15-19 per 24 at ``window + hop`` of
        3.0-2.0 s).
    hop : float, default=0.5
        Seconds between window starts (rounded to whole analysis hops, 23 ms
        for the packaged model): the time resolution of the window labels;
        boundaries are then refined frame by frame.
    smoothing : {"viterbi", "median", "none"}, default="viterbi"
        ``"viterbi"``: most likely label sequence under a model where changing
        label costs ``switch_penalty`` nats; ``"median"``: median filter over
        ``window / hop`` windows of each class probability; ``"none"``: each
        window's own label.
    switch_penalty : float, default=6.0
        Cost of a label change in the Viterbi smoothing, in nats (natural-log
        probability): higher gives fewer, longer segments.
    min_duration : float, default=1.0
        Shortest segment kept, in seconds, except silence; shorter ones join a
        neighbour. A whole recording shorter than this is one segment.
    silence_db : float or None, default=-60.0
        Audio quieter than this (dB re full scale) is silence whatever the
        recording (digital silence); None for no fixed threshold.
    silence_margin : float or None, default=15.0
        Audio within this many dB of the recording's noise floor is silence
        too. The floor is a low percentile of the 46 ms frame levels, and
        silence never comes closer than 25 dB to the median level, so a
        recording that is never silent keeps its quiet passages. None uses
        ``silence_db`` alone.
    min_silence : float, default=0.5
        Shortest stretch of silence, in seconds (pauses between words are
        shorter). Whole analysis frames at the floor must span it, so a gap
        of digital silence needs about one frame step (23 ms) more.
    refine_boundaries : bool, default=True
        Move each boundary between two sounding segments to the most likely
        change point of the log-mel spectrum's statistics within about half a
        window of where the window labels put it (a window holding a little
        speech already sounds like speech), favouring points near it (a
        Gaussian prior with a 0.4-s spread). Needs the audio: :meth:`segment`
        passes it, :meth:`segments_from_windows` takes it as ``audio``.
    block_seconds : float, default=60.0
        Seconds of audio decoded at a time.
    progress : bool, default=False
        Show a tqdm progress bar over the recording.

    See Also
    --------
    SegmentationDisplay : Plot the timeline.
    load_pretrained : The default pipeline.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic import SpeechMusicSegmenter
    >>> rate = 16000
    >>> t = np.arange(8 * rate) / rate
    >>> chord = sum(np.sin(2 * np.pi * f * t) for f in (262, 330, 392))
    >>> recording = np.concatenate([np.zeros(4 * rate), chord])
    >>> SpeechMusicSegmenter().segment((recording, rate))[["start", "end", "label"]]
       start     end    label
    0  0.000   3.994  Silence
    1  3.994  12.000    Music
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "pipeline": [HasMethods(["predict_proba"]), None],
        "window": [Interval(Real, 0.1, None, closed="left")],
        "hop": [Interval(Real, 0.01, None, closed="left")],
        "smoothing": [StrOptions({"viterbi", "median", "none"})],
        "switch_penalty": [Interval(Real, 0, None, closed="left")],
        "min_duration": [Interval(Real, 0, None, closed="left")],
        "silence_db": [Interval(Real, None, 0, closed="right"), None],
        "silence_margin": [Interval(Real, 0, None, closed="left"), None],
        "min_silence": [Interval(Real, 0, None, closed="left")],
        "refine_boundaries": ["boolean"],
        "block_seconds": [Interval(Real, 1, None, closed="left")],
        "progress": ["boolean"],
    }

    def __init__(
        self,
        pipeline=None,
        *,
        window=3.0,
        hop=0.5,
        smoothing="viterbi",
        switch_penalty=6.0,
        min_duration=1.0,
        silence_db=-60.0,
        silence_margin=15.0,
        min_silence=0.5,
        refine_boundaries=True,
        block_seconds=60.0,
        progress=False,
    ):
        self.pipeline = pipeline
        self.window = window
        self.hop = hop
        self.smoothing = smoothing
        self.switch_penalty = switch_penalty
        self.min_duration = min_duration
        self.silence_db = silence_db
        self.silence_margin = silence_margin
        self.min_silence = min_silence
        self.refine_boundaries = refine_boundaries
        self.block_seconds = block_seconds
        self.progress = progress

    def window_probabilities(self, audio):
        """Classify every window of a recording, without smoothing.

        Parameters
        ----------
        audio : str, path-like or tuple
            An audio file, or a ``(waveform, sample_rate)`` pair.

        Returns
        -------
        windows : pandas.DataFrame
            One row per window: ``start``, ``end`` (seconds of the audio it
            covers), ``center``, ``level_db`` (dB re full scale), then one
            probability column per class of the pipeline, named by class.
            ``attrs`` holds ``duration`` (the recording's length in seconds),
            ``source`` (the file's path, for files),
            ``frame_level_db`` (the level of every short analysis frame, dB re
            full scale), ``frame_step`` and ``frame_length`` (their spacing and
            length in seconds). With the packaged model's features, windows
            start and end on the analysis frame grid.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_speechmusic import SpeechMusicSegmenter
        >>> noise = np.random.RandomState(0).normal(size=5 * 22050) * 0.1
        >>> windows = SpeechMusicSegmenter(hop=1.0).window_probabilities((noise, 22050))
        >>> windows[["start", "end"]].round(2).to_numpy().tolist()
        [[0.0, 3.0], [1.0, 3.99], [2.0, 4.99]]
        """
        self._check_params()
        _check_one_recording(audio)
        return self._windows(audio, self._window_model())

    def _windows(self, audio, window_model):
        """:meth:`window_probabilities` with the pipeline already resolved by :meth:`_window_model`."""
        import pandas as pd

        extractor, predict_proba, classes = window_model
        settings = extractor._check_settings()
        rate = settings.sample_rate
        names = extractor.get_feature_names_out()
        found = read_windows(
            audio,
            settings,
            names,
            window=self.window,
            hop=self.hop,
            block_seconds=self.block_seconds,
            progress=self.progress,
        )
        probabilities = predict_proba(found.features)
        table = pd.DataFrame(
            {
                "start": found.starts / rate,
                "end": (found.starts + found.lengths) / rate,
                "center": (found.starts + found.lengths / 2) / rate,
                "level_db": found.level_db,
            }
        )
        for column, label in enumerate(classes):
            table[str(label)] = probabilities[:, column]
        if not isinstance(audio, tuple):
            # The file, so segments_from_windows can refine boundaries without being given it.
            table.attrs["source"] = os.fspath(audio)
        table.attrs.update(
            duration=found.duration,
            frame_level_db=found.frame_level_db,
            frame_step=settings.hop_length / rate,
            frame_length=settings.frame_length / rate,
        )
        return table

    def segment(self, audio):
        """The speech/music timeline of a recording.

        Parameters
        ----------
        audio : str, path-like or tuple
            An audio file, or a ``(waveform, sample_rate)`` pair.

        Returns
        -------
        segments : pandas.DataFrame
            ``start``, ``end`` (seconds), ``label`` (a class of the pipeline, or
            ``"Silence"``) and ``confidence`` (mean probability of the label
            over the windows centred in the segment; 1 for a silence found
            from the audio's level), in time order, covering
            the whole recording without gaps.

        Raises
        ------
        FileNotFoundError
            If the file does not exist.
        InvalidAudioError
            If it cannot be decoded or is shorter than one analysis frame.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_speechmusic import SpeechMusicSegmenter
        >>> SpeechMusicSegmenter().segment((np.zeros(16000), 16000))
           start  end    label  confidence
        0    0.0  1.0  Silence         1.0
        """
        self._check_params()
        _check_one_recording(audio)
        # The packaged model is read from the package once per call, not once per step.
        window_model = self._window_model()
        return self._segments(self._windows(audio, window_model), audio, window_model[0])

    def segments_from_windows(self, windows, *, audio=None):
        """Smooth window probabilities into segments (the second half of :meth:`segment`).

        Parameters
        ----------
        windows : pandas.DataFrame
            As returned by :meth:`window_probabilities`.
        audio : str, path-like or tuple, default=None
            The same recording, to refine boundaries (``refine_boundaries``);
            None reads the file named in ``windows.attrs["source"]``, or keeps
            the boundaries where the windows put them when there is none.

        Returns
        -------
        segments : pandas.DataFrame
            As returned by :meth:`segment`.

        Raises
        ------
        ValueError
            If the windows were computed with another ``window`` or ``hop``
            than this segmenter's.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_speechmusic import SpeechMusicSegmenter
        >>> segmenter = SpeechMusicSegmenter(hop=1.0)
        >>> windows = segmenter.window_probabilities((np.zeros(5 * 8000), 8000))
        >>> segmenter.segments_from_windows(windows).label.tolist()
        ['Silence']
        """
        return self._segments(windows, audio, None)

    def _segments(self, windows, audio, extractor):
        """:meth:`segments_from_windows`; ``extractor`` None reads the pipeline's only if refining."""
        import pandas as pd

        self._check_params()
        missing = [column for column in _WINDOW_COLUMNS if column not in windows.columns]
        if missing or "duration" not in windows.attrs:
            raise ValueError(
                f"windows must come from window_probabilities (missing {missing or ['attrs[duration]']})."
            )
        duration = float(windows.attrs["duration"])
        self._check_geometry(windows, duration)
        classes = [str(column) for column in windows.columns if column not in _WINDOW_COLUMNS]
        probabilities = windows[classes].to_numpy(dtype=float)
        as_given = probabilities  # as the windows gave them: what confidence reports
        if len(windows) == 0:
            return pd.DataFrame(columns=_SEGMENT_COLUMNS)
        # Silence is the model's own class when it has one, else a label of its own.
        silence = classes.index(SILENCE) if SILENCE in classes else len(classes)
        labels = np.array(classes + ([SILENCE] if silence == len(classes) else []), dtype=object)
        frame_levels = windows.attrs.get("frame_level_db")
        gaps = self._silent_gaps(windows.attrs) if frame_levels is not None else []
        if gaps:
            probabilities = evidence_clear_of(
                probabilities,
                windows["start"].to_numpy(),
                windows["end"].to_numpy(),
                gaps,
                max_share=_MAX_SILENT_SHARE,
            )
        states = smooth_states(
            probabilities,
            self.smoothing,
            width=int(round(self.window / self.hop)),
            switch_penalty=self.switch_penalty,
        )
        quiet = np.zeros(len(states), dtype=bool)
        if frame_levels is None and self.silence_db is not None:
            # A table without frame levels: silence window by window, at the fixed threshold.
            quiet = windows["level_db"].to_numpy() < self.silence_db
            states = np.where(quiet, silence, states)

        # Each window speaks for the time nearer its centre than any other's.
        centers = windows["center"].to_numpy()
        edges = np.concatenate([[0.0], (centers[1:] + centers[:-1]) / 2, [duration]])
        segments = [[edges[first], edges[last + 1], states[first]] for first, last in runs(states)]
        # The windows straddling one change span at most window + hop.
        segments = absorb_traces(segments, self.window + self.hop, keep=silence)
        if audio is None:
            audio = windows.attrs.get("source")
        if self.refine_boundaries and audio is not None:
            if extractor is None:
                extractor = self._window_model()[0]
            segments = self._refined(segments, audio, silence, extractor, labels)
        if frame_levels is not None:
            segments = overlay(segments, gaps, silence)
            segments = _no_spill_over_pauses(segments, as_given, centers, silence, self.window / 2 + self.hop)
        segments = absorb_short(segments, self.min_duration, keep=silence, min_keep=self.min_silence)
        segments[0][0], segments[-1][1] = 0.0, duration
        return pd.DataFrame(
            {
                "start": [round(float(s[0]), 3) for s in segments],
                "end": [round(float(s[1]), 3) for s in segments],
                "label": [labels[s[2]] for s in segments],
                "confidence": [
                    round(_mean_probability(as_given, centers, quiet, s, silence, gaps), 4) for s in segments
                ],
            }
        )

    def _check_geometry(self, windows, duration: float) -> None:
        """Refuse windows of another length or spacing than this segmenter's.

        Smoothing, island removal and boundary refinement are sized by ``window``
        and ``hop``: with other windows they would silently remove real segments.
        """
        # Windows start and end on the analysis-frame grid: allow a frame and a little.
        tolerance = float(windows.attrs.get("frame_step", 0.0)) + 0.02
        starts, ends = windows["start"].to_numpy(float), windows["end"].to_numpy(float)
        found = {}
        if len(starts) and duration >= self.window + tolerance:
            found["window"] = float(np.max(ends - starts))
        if len(starts) > 1:
            found["hop"] = float(np.median(np.diff(starts)))
        for name, value in found.items():
            if abs(value - getattr(self, name)) > tolerance:
                raise ValueError(
                    f"The windows were computed with {name} of about {value:.2f} s, but this "
                    f"segmenter has {name}={getattr(self, name)} s; segment them with the settings "
                    "that computed them (smoothing, min_duration and the silence settings may differ)."
                )

    def _check_params(self) -> None:
        """The parameters' types and ranges, and that the windows cover the recording."""
        self._validate_params()
        if self.hop > self.window:
            raise ValueError(
                f"hop={self.hop} s is longer than window={self.window} s: the audio between "
                "windows would never be classified. Use hop <= window."
            )

    def _refined(self, segments: list[list], audio, silence: int, extractor, labels) -> list[list]:
        """Boundaries between sounding segments moved to where the spectrum changes."""
        settings = extractor._check_settings()
        reach = self.window / 2 + self.hop
        for left, right in zip(segments[:-1], segments[1:], strict=True):
            if silence in (left[2], right[2]):
                continue  # silence edges come from the frame levels
            low = max((left[0] + left[1]) / 2, left[1] - reach)
            high = min((right[0] + right[1]) / 2, right[0] + reach)
            if high > low:
                lead = _LEAD_TOWARDS_SPEECH.get((str(labels[left[2]]), str(labels[right[2]])), 0.0)
                left[1] = right[0] = change_point(
                    audio,
                    low,
                    high,
                    settings,
                    expected=min(max(left[1] + lead, low), high),
                    spread=_BOUNDARY_SPREAD,
                    # Never into a third segment: its change would be the one found.
                    context=(min(_REGIME_CONTEXT, low - left[0]), min(_REGIME_CONTEXT, right[1] - high)),
                )
        return segments

    def _silent_gaps(self, attrs) -> list[tuple[float, float]]:
        """``(start, end)`` of every stretch of at least ``min_silence`` at the noise floor, in seconds."""
        levels = np.asarray(attrs["frame_level_db"], dtype=float)
        step, length = float(attrs["frame_step"]), float(attrs["frame_length"])
        quiet, _ = silent_frames(levels, threshold_db=self.silence_db, margin_db=self.silence_margin)
        quiet = long_runs(quiet, max(1, int(np.ceil((self.min_silence - length) / step)) + 1))
        # A quiet frame is quiet from its first sample to its last.
        return [
            (first * step, last * step + length if last < len(levels) - 1 else np.inf)
            for first, last in runs(quiet.astype(np.int8))
            if quiet[first]
        ]

    def _window_model(self):
        """``(extractor, predict_proba of feature rows, classes)`` of the pipeline."""
        from ._feature_extractor import AudioFeatureExtractor
        from ._pretrained import load_pretrained

        # The packaged model predicts in NumPy: segmenting never imports TensorFlow.
        pipeline = load_pretrained() if self.pipeline is None else self.pipeline
        steps = getattr(pipeline, "steps", None)
        if not steps or not isinstance(steps[0][1], AudioFeatureExtractor):
            raise TypeError(
                "pipeline must be a fitted Pipeline whose first step is an AudioFeatureExtractor "
                "(e.g. make_default_pipeline().fit(paths, labels), or load_pretrained()); "
                f"got {type(pipeline).__name__}."
            )
        return steps[0][1], pipeline[1:].predict_proba, pipeline.classes_
