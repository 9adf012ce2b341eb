"""Speech/music timeline of a long recording: sliding windows, smoothing, segments."""

from __future__ import annotations

from functools import lru_cache
from numbers import Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ._audio_features import FrameSettings, clip_features
from ._audio_io import InvalidAudioError, describe_source, resampled_blocks
from ._boundaries import change_point, level_db, level_edge
from ._smoothing import absorb_short, runs, smooth_states

#: Label of windows quieter than ``silence_db``.
SILENCE = "Silence"
_SEGMENT_COLUMNS = ["start", "end", "label", "confidence"]
# Columns of window_probabilities before the class columns.
_WINDOW_COLUMNS = ["start", "end", "center", "level_db"]


class SpeechMusicSegmenter(BaseEstimator):
    """Find where the speech and the music are in a long recording.

    Slides a window over the recording, classifies each window with a fitted
    audio pipeline (an :class:`AudioFeatureExtractor` first, a classifier with
    ``predict_proba`` last), smooths the window labels over time, merges runs of
    one label into segments and absorbs segments shorter than ``min_duration``
    into their neighbours. Files are read and resampled in blocks, so memory
    stays flat however long the recording is.

    The work is split in three modules: audio blocks come from ``_audio_io``,
    smoothing and segment merging live in ``_smoothing``, boundary refinement in
    ``_boundaries``; this estimator orchestrates them.

    Parameters
    ----------
    pipeline : Pipeline, default=None
        Fitted audio pipeline. None uses the packaged pretrained model (the one
        :func:`load_pretrained` returns) through its TensorFlow-free NumPy
        runtime, read once per process: the same extractor, scaler and network
        weights, so the same probabilities up to float rounding, without
        importing TensorFlow.
    window : float, default=3.0
        Seconds of audio per classified window (the pretrained model was
        trained on clips of 1-6 s).
    hop : float, default=0.5
        Seconds between window starts: the time resolution of the boundaries.
    smoothing : {"viterbi", "median", "none"}, default="viterbi"
        ``"viterbi"``: most likely label sequence under a model where changing
        label costs ``switch_penalty`` nats; ``"median"``: median filter over
        ``window / hop`` windows of each class probability; ``"none"``: each
        window's own label.
    switch_penalty : float, default=6.0
        Cost of a label change in the Viterbi smoothing, in nats (natural-log
        probability): higher gives fewer, longer segments.
    min_duration : float, default=1.0
        Shortest segment kept, in seconds; shorter ones join a neighbour. A whole
        recording shorter than this is one segment.
    silence_db : float or None, default=-60.0
        Windows whose level (dB re full scale) is below this are labelled
        ``"Silence"``; None classifies every window.
    refine_boundaries : bool, default=True
        Move each speech/music boundary to the most likely change point of the
        log-mel spectrum's statistics within half a window of where the window
        labels put it. Window labels alone can be off by up to half a window: a
        window holding a little speech already sounds like speech.
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
    >>> SpeechMusicSegmenter().segment((recording, rate))
       start    end    label  confidence
    0   0.00   3.99  Silence         1.0
    1   3.99  12.00    Music         1.0
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "pipeline": [HasMethods(["predict_proba"]), None],
        "window": [Interval(Real, 0.1, None, closed="left")],
        "hop": [Interval(Real, 0.01, None, closed="left")],
        "smoothing": [StrOptions({"viterbi", "median", "none"})],
        "switch_penalty": [Interval(Real, 0, None, closed="left")],
        "min_duration": [Interval(Real, 0, None, closed="left")],
        "silence_db": [Interval(Real, None, 0, closed="right"), None],
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
            probability column per class of the pipeline. ``attrs["duration"]``
            holds the recording's length in seconds.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_speechmusic import SpeechMusicSegmenter
        >>> noise = np.random.RandomState(0).normal(size=5 * 8000) * 0.1
        >>> windows = SpeechMusicSegmenter(hop=1.0).window_probabilities((noise, 8000))
        >>> windows[["start", "end"]].to_numpy().tolist()
        [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
        """
        import pandas as pd

        self._validate_params()
        extractor, predict_proba, classes = self._window_model()
        settings = extractor._check_settings()
        rate = settings.sample_rate
        features, starts, lengths, levels, duration = self._window_features(audio, settings)
        probabilities = predict_proba(features)
        table = pd.DataFrame(
            {
                "start": starts / rate,
                "end": (starts + lengths) / rate,
                "center": (starts + lengths / 2) / rate,
                "level_db": levels,
            }
        )
        for column, label in enumerate(classes):
            table[str(label)] = probabilities[:, column]
        table.attrs["duration"] = duration
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
            over the segment's windows; 1 for silence), in time order, covering
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
        return self.segments_from_windows(self.window_probabilities(audio), audio=audio)

    def segments_from_windows(self, windows, *, audio=None):
        """Smooth window probabilities into segments (the second half of :meth:`segment`).

        Parameters
        ----------
        windows : pandas.DataFrame
            As returned by :meth:`window_probabilities`.
        audio : str, path-like or tuple, default=None
            The same recording, to refine boundaries (``refine_boundaries``);
            None keeps the boundaries where the windows put them.

        Returns
        -------
        segments : pandas.DataFrame
            As returned by :meth:`segment`.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_speechmusic import SpeechMusicSegmenter
        >>> segmenter = SpeechMusicSegmenter(hop=1.0)
        >>> windows = segmenter.window_probabilities((np.zeros(5 * 8000), 8000))
        >>> segmenter.segments_from_windows(windows).label.tolist()
        ['Silence']
        """
        import pandas as pd

        self._validate_params()
        duration = float(windows.attrs["duration"])
        missing = [column for column in _WINDOW_COLUMNS if column not in windows.columns]
        if missing or "duration" not in windows.attrs:
            raise ValueError(
                f"windows must come from window_probabilities (missing {missing or ['attrs[duration]']})."
            )
        classes = [str(column) for column in windows.columns if column not in _WINDOW_COLUMNS]
        probabilities = windows[classes].to_numpy(dtype=float)
        labels = np.array(classes + [SILENCE], dtype=object)
        if len(windows) == 0:
            return pd.DataFrame(columns=_SEGMENT_COLUMNS)
        states = smooth_states(
            probabilities,
            self.smoothing,
            width=int(round(self.window / self.hop)),
            switch_penalty=self.switch_penalty,
        )
        silent = np.zeros(len(windows), dtype=bool)
        if self.silence_db is not None:
            silent = windows["level_db"].to_numpy() < self.silence_db
        states = np.where(silent, len(classes), states)
        confidence = np.ones(len(windows))
        voiced = ~silent
        confidence[voiced] = probabilities[voiced, states[voiced]]

        # Each window speaks for the time nearer its centre than any other's.
        centers = windows["center"].to_numpy()
        edges = np.concatenate([[0.0], (centers[1:] + centers[:-1]) / 2, [duration]])
        segments = [
            [edges[first], edges[last + 1], states[first], confidence[first : last + 1].tolist()]
            for first, last in runs(states)
        ]
        segments = absorb_short(segments, self.min_duration)
        if self.refine_boundaries and audio is not None:
            silence = len(classes)
            settings = self._window_model()[0]._check_settings()
            for left, right in zip(segments[:-1], segments[1:], strict=True):
                # Search half a window either side, keeping min_duration on both.
                low = max(left[0] + self.min_duration, left[1] - self.window / 2)
                high = min(right[1] - self.min_duration, right[0] + self.window / 2)
                if high <= low:
                    continue
                if silence in (left[2], right[2]):
                    # Where the level crosses the silence threshold.
                    edge = level_edge(audio, low, high, settings, self.silence_db, rising=left[2] == silence)
                else:
                    edge = change_point(audio, low, high, settings)
                left[1] = right[0] = edge
        return pd.DataFrame(
            {
                "start": [round(float(s[0]), 3) for s in segments],
                "end": [round(float(s[1]), 3) for s in segments],
                "label": [labels[s[2]] for s in segments],
                "confidence": [round(float(np.mean(s[3])), 4) for s in segments],
            }
        )

    def _window_model(self):
        """``(extractor, predict_proba of feature rows, classes)`` of the pipeline."""
        if self.pipeline is None:
            # The packaged model in NumPy: segmenting never imports TensorFlow.
            model = _packaged_numpy_model()
            return model.extractor, model.predict_proba, model.classes_
        from ._feature_extractor import AudioFeatureExtractor

        steps = getattr(self.pipeline, "steps", None)
        if not steps or not isinstance(steps[0][1], AudioFeatureExtractor):
            raise TypeError(
                "pipeline must be a fitted Pipeline whose first step is an AudioFeatureExtractor "
                "(e.g. make_default_pipeline().fit(paths, labels), or load_pretrained()); "
                f"got {type(self.pipeline).__name__}."
            )
        return steps[0][1], self.pipeline[1:].predict_proba, self.pipeline.classes_

    def _window_features(self, audio, settings: FrameSettings):
        """Features of every window, read block by block."""
        rate = settings.sample_rate
        length = max(1, int(round(self.window * rate)))
        hop = max(1, int(round(self.hop * rate)))
        name = describe_source(audio)
        rows, starts, lengths, levels = [], [], [], []
        buffer = np.zeros(0, dtype=np.float32)
        buffer_start = 0  # sample index of buffer[0] in the recording
        next_start = 0
        bar = None
        if self.progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=round(_duration(audio), 1), desc="Segmenting", unit="s")
        blocks = resampled_blocks(
            audio, rate, min_samples=settings.frame_length, block_seconds=self.block_seconds
        )
        for block in blocks:
            buffer = np.concatenate([buffer, block])
            while next_start + length <= buffer_start + buffer.size:
                offset = next_start - buffer_start
                window = buffer[offset : offset + length]
                rows.append(clip_features(window, settings))
                starts.append(next_start)
                lengths.append(length)
                levels.append(level_db(window))
                next_start += hop
            # Keep the last full window's worth: the recording may end next block.
            keep_from = min(next_start, buffer_start + buffer.size - length)
            if keep_from > buffer_start:
                buffer = buffer[keep_from - buffer_start :]
                buffer_start = keep_from
            if bar is not None:
                bar.update(round(block.size / rate, 1))
        if bar is not None:
            bar.close()
        end = buffer_start + buffer.size
        if end < settings.frame_length:
            raise InvalidAudioError(
                f"{name}: {1000 * end / rate:.0f} ms of audio is shorter than one analysis frame "
                f"({1000 * settings.frame_length / rate:.0f} ms); nothing to segment."
            )
        last_covered = starts[-1] + lengths[-1] if starts else 0
        if last_covered < end:
            # The tail (or a recording shorter than one window): one more window
            # ending at the end of the recording.
            first = max(buffer_start, end - length)
            window = buffer[first - buffer_start :]
            rows.append(clip_features(window, settings))
            starts.append(first)
            lengths.append(window.size)
            levels.append(level_db(window))
        return np.array(rows), np.array(starts), np.array(lengths), np.array(levels), end / rate


@lru_cache(maxsize=1)
def _packaged_numpy_model():
    """The packaged pipeline for NumPy inference, read once per process (it never changes)."""
    from importlib import resources

    from ._persistence import read_numpy_audio_model
    from ._pretrained import PRETRAINED_MODEL_FILE

    packaged = resources.files("sklearn_speechmusic") / "data" / PRETRAINED_MODEL_FILE
    with resources.as_file(packaged) as path:
        return read_numpy_audio_model(path)


def _duration(audio) -> float:
    """Seconds of a recording, for the progress bar (0 when unknown)."""
    if isinstance(audio, tuple):
        waveform, rate = audio
        return max(np.shape(waveform), default=0) / rate if rate else 0.0
    import soundfile

    try:
        info = soundfile.info(str(audio))
    except Exception:  # noqa: BLE001 - the read itself reports the error
        return 0.0
    return info.frames / info.samplerate if info.frames > 0 else 0.0
