"""Speech/music timeline of a long recording: sliding windows, smoothing, segments."""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache
from numbers import Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ._audio_features import FrameSettings, clip_features
from ._audio_io import InvalidAudioError, _in_memory, describe_source, load_audio

# Frames this far below the loudest one near a boundary count as a pause; each
# regime of a boundary's change-point search needs this many audible frames.
_PAUSE_BELOW_PEAK_DB = 60.0
_MIN_FRAMES_PER_SIDE = 8

#: Label of windows quieter than ``silence_db``.
SILENCE = "Silence"
_SEGMENT_COLUMNS = ["start", "end", "label", "confidence"]


class SpeechMusicSegmenter(BaseEstimator):
    """Find where the speech and the music are in a long recording.

    Slides a window over the recording, classifies each window with a fitted
    audio pipeline (an :class:`AudioFeatureExtractor` first, a classifier with
    ``predict_proba`` last), smooths the window labels over time, merges runs of
    one label into segments and absorbs segments shorter than ``min_duration``
    into their neighbours. Files are read and resampled in blocks, so memory
    stays flat however long the recording is.

    Parameters
    ----------
    pipeline : Pipeline, default=None
        Fitted audio pipeline; None uses :func:`load_pretrained`.
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
        classes = [column for column in windows.columns[4:]]
        probabilities = windows[classes].to_numpy(dtype=float)
        labels = np.array(classes + [SILENCE], dtype=object)
        if len(windows) == 0:
            return pd.DataFrame(columns=_SEGMENT_COLUMNS)
        states = self._smooth(probabilities)
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
        runs = _runs(states)
        segments = [
            [edges[first], edges[last + 1], states[first], confidence[first : last + 1].tolist()]
            for first, last in runs
        ]
        segments = _absorb_short(segments, self.min_duration)
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
                    edge = _level_edge(audio, low, high, settings, self.silence_db, rising=left[2] == silence)
                else:
                    edge = _change_point(audio, low, high, settings)
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

    def _smooth(self, probabilities: np.ndarray) -> np.ndarray:
        if self.smoothing == "none" or len(probabilities) < 2:
            return probabilities.argmax(axis=1)
        if self.smoothing == "median":
            from scipy.ndimage import median_filter

            width = max(1, int(round(self.window / self.hop))) | 1
            smoothed = median_filter(probabilities, size=(width, 1), mode="nearest")
            return smoothed.argmax(axis=1)
        return _viterbi(np.log(np.clip(probabilities, 1e-6, 1.0)), self.switch_penalty)

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
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            for block, total in _resampled_blocks(audio, rate, self.block_seconds, settings.frame_length):
                if bar is None and self.progress:
                    from tqdm.auto import tqdm

                    bar = tqdm(total=round(total, 1), desc="Segmenting", unit="s")
                buffer = np.concatenate([buffer, block])
                while next_start + length <= buffer_start + buffer.size:
                    offset = next_start - buffer_start
                    window = buffer[offset : offset + length]
                    rows.append(clip_features(window, settings))
                    starts.append(next_start)
                    lengths.append(length)
                    levels.append(_level_db(window))
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
            levels.append(_level_db(window))
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


def _resampled_blocks(
    audio, rate: int, block_seconds: float, min_samples: int
) -> Iterator[tuple[np.ndarray, float]]:
    """Mono float32 blocks of ``audio`` at ``rate``, with the total duration in seconds."""
    if isinstance(audio, tuple):
        waveform = load_audio(audio, sample_rate=rate, min_samples=min_samples)
        yield waveform, waveform.size / rate
        return
    import soundfile
    import soxr

    path = os.fspath(audio)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such audio file.")
    if os.path.getsize(path) == 0:
        raise InvalidAudioError(f"{path}: the file is empty (0 bytes).")
    try:
        sound = soundfile.SoundFile(path)
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as error:
        raise InvalidAudioError(
            f"{path}: cannot be decoded as audio ({error}). Supported: WAV, FLAC, OGG/Vorbis, AIFF, "
            "MP3 and the other formats libsndfile reads; convert the file or check it is not truncated."
        ) from None
    with sound:
        total = sound.frames / sound.samplerate if sound.frames > 0 else 0.0
        resampler = None
        if sound.samplerate != rate:
            resampler = soxr.ResampleStream(sound.samplerate, rate, 1, dtype="float32", quality="HQ")
        block_frames = max(1, int(block_seconds * sound.samplerate))
        try:
            for block in sound.blocks(blocksize=block_frames, dtype="float32", always_2d=True):
                mono = block.mean(axis=1, dtype=np.float32) if block.shape[1] > 1 else block[:, 0]
                if not np.isfinite(mono).all():
                    raise InvalidAudioError(f"{path}: contains NaN or infinite sample values.")
                if resampler is not None:
                    mono = resampler.resample_chunk(np.ascontiguousarray(mono))
                yield np.ascontiguousarray(mono, dtype=np.float32), total
        except soundfile.LibsndfileError as error:
            raise InvalidAudioError(
                f"{path}: decoding failed part-way ({error}); the file may be truncated."
            ) from None
        if resampler is not None:
            yield resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True), total


def _change_point(audio, low: float, high: float, settings: FrameSettings) -> float:
    """Time in ``[low, high]`` that best splits the audio into two Gaussian regimes.

    The log-likelihood of diagonal Gaussians fitted to the frames' log-mel
    spectra on either side (the BIC change-point criterion of speaker
    segmentation), maximised over every frame boundary.
    """
    from ._audio_features import _hann, _mel_filterbank

    rate, length, hop = settings.sample_rate, settings.frame_length, settings.hop_length
    start = max(0.0, low - length / rate)
    region = _read_region(audio, start, high + length / rate, rate)
    if region.size < 4 * length:
        return (low + high) / 2
    frames = np.lib.stride_tricks.sliding_window_view(region, length)[::hop] * _hann(length)
    spectrum = np.fft.rfft(frames, axis=1)
    power = spectrum.real**2 + spectrum.imag**2
    log_mel = np.log(power @ _mel_filterbank(rate, length, settings.n_mels) + 1e-10).astype(np.float64)
    times = start + (np.arange(len(log_mel)) * hop + length / 2) / rate  # frame centres
    # Digital silence and near-silence belong to neither side: the regimes are
    # fitted on audible frames, and on the spectrum's shape, not its level, so
    # a fading tail of speech stays with the speech.
    level = log_mel.max(axis=1)
    audible = level > level.max() - _PAUSE_BELOW_PEAK_DB * np.log(10) / 10
    log_mel, times = log_mel[audible], times[audible]
    log_mel = log_mel - log_mel.mean(axis=1, keepdims=True)
    n = len(log_mel)
    if n < 2 * _MIN_FRAMES_PER_SIDE:
        return (low + high) / 2
    first = np.cumsum(log_mel, axis=0)
    second = np.cumsum(log_mel**2, axis=0)
    k = np.arange(1, n)  # audible frames on the left
    left_var = second[:-1] / k[:, None] - (first[:-1] / k[:, None]) ** 2
    right_n = (n - k)[:, None]
    right_var = (second[-1] - second[:-1]) / right_n - ((first[-1] - first[:-1]) / right_n) ** 2
    score = -(k * np.log(np.maximum(left_var, 1e-6)).sum(axis=1))
    score -= (n - k) * np.log(np.maximum(right_var, 1e-6)).sum(axis=1)
    # Split k starts the new regime at frame k: at that frame's first hop.
    split_times = times[1:] - (length - hop) / 2 / rate
    allowed = (split_times >= low) & (split_times <= high)
    allowed &= (k >= _MIN_FRAMES_PER_SIDE) & (n - k >= _MIN_FRAMES_PER_SIDE)
    if not allowed.any():
        return (low + high) / 2
    return float(split_times[np.flatnonzero(allowed)[np.argmax(score[allowed])]])


def _level_edge(audio, low: float, high: float, settings: FrameSettings, threshold_db, rising: bool) -> float:
    """Centre of the first frame in ``[low, high]`` louder than ``threshold_db``
    (``rising``), or of the last one."""
    rate, length, hop = settings.sample_rate, settings.frame_length, settings.hop_length
    region = _read_region(audio, low, high + length / rate, rate)
    if region.size < length:
        return (low + high) / 2
    frames = np.lib.stride_tricks.sliding_window_view(region, length)[::hop]
    power = np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / length
    loud = 10 * np.log10(np.maximum(power, 1e-20)) >= threshold_db
    centres = low + (np.arange(len(frames)) * hop + length / 2) / rate
    if not loud.any():
        return high if rising else low
    return float(centres[np.argmax(loud)] if rising else centres[len(loud) - 1 - np.argmax(loud[::-1])])


def _read_region(audio, start: float, end: float, rate: int) -> np.ndarray:
    """Mono float32 samples of ``audio`` between ``start`` and ``end`` seconds, at ``rate``."""
    if isinstance(audio, tuple):
        # Cut at the source rate first: only the region is mixed and resampled.
        waveform, source_rate = _in_memory(audio, describe_source(audio))
        region = waveform[int(start * source_rate) : int(end * source_rate)]
        return load_audio((region, source_rate), sample_rate=rate, min_samples=1)
    import soundfile
    import soxr

    with soundfile.SoundFile(os.fspath(audio)) as sound:
        first = int(start * sound.samplerate)
        sound.seek(first)
        block = sound.read(int(end * sound.samplerate) - first, dtype="float32", always_2d=True)
        mono = block.mean(axis=1, dtype=np.float32)
        if sound.samplerate != rate:
            mono = soxr.resample(mono, sound.samplerate, rate, quality="HQ").astype(np.float32)
    return mono


def _level_db(window: np.ndarray) -> float:
    power = float(np.dot(window, window)) / max(window.size, 1)
    return 10 * np.log10(max(power, 1e-20))


def _viterbi(log_probabilities: np.ndarray, switch_penalty: float) -> np.ndarray:
    """Most likely state sequence when every change of state costs ``switch_penalty``."""
    n_windows, n_states = log_probabilities.shape
    transition = np.full((n_states, n_states), -float(switch_penalty))
    np.fill_diagonal(transition, 0.0)
    score = log_probabilities[0].copy()
    back = np.zeros((n_windows, n_states), dtype=np.intp)
    for t in range(1, n_windows):
        candidates = score[:, None] + transition
        back[t] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + log_probabilities[t]
    states = np.empty(n_windows, dtype=np.intp)
    states[-1] = score.argmax()
    for t in range(n_windows - 1, 0, -1):
        states[t - 1] = back[t, states[t]]
    return states


def _runs(states: np.ndarray) -> list[tuple[int, int]]:
    """``(first, last)`` index of every run of equal states."""
    changes = np.flatnonzero(np.diff(states)) + 1
    firsts = np.concatenate([[0], changes])
    lasts = np.concatenate([changes - 1, [len(states) - 1]])
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))


def _absorb_short(segments: list[list], min_duration: float) -> list[list]:
    """Merge segments shorter than ``min_duration`` into a neighbour, shortest first.

    A short segment joins its longer neighbour; neighbours left with the same
    label are joined too. Confidences are the pooled window confidences of the
    label that remains (an absorbed segment's windows count as 1 - their own).
    """
    segments = [list(segment) for segment in segments]
    while len(segments) > 1:
        durations = [end - start for start, end, _, _ in segments]
        shortest = int(np.argmin(durations))
        if durations[shortest] >= min_duration:
            break
        left = shortest - 1 if shortest > 0 else None
        right = shortest + 1 if shortest + 1 < len(segments) else None
        if left is None or (right is not None and durations[right] > durations[left]):
            target = right
        else:
            target = left
        assert target is not None
        absorbed = segments.pop(shortest)
        target = target if target < shortest else target - 1
        segments[target][0] = min(segments[target][0], absorbed[0])
        segments[target][1] = max(segments[target][1], absorbed[1])
        segments[target][3] = segments[target][3] + [1 - c for c in absorbed[3]]
        # The neighbours on either side of the absorbed segment may now agree.
        merged = [segments[0]]
        for segment in segments[1:]:
            if segment[2] == merged[-1][2]:
                merged[-1] = [merged[-1][0], segment[1], segment[2], merged[-1][3] + segment[3]]
            else:
                merged.append(segment)
        segments = merged
    return segments
