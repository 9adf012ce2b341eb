"""``AudioFeatureExtractor``: audio files in, one row of speech/music features out."""

from __future__ import annotations

import os
import warnings
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ._audio_features import FrameSettings, clip_features_of, describe_features, feature_names
from ._audio_io import InvalidAudioError, describe_source

# The table builders live beside the extractor's module and are importable from here.
from ._audio_tables import AUDIO_EXTENSIONS, extract_feature_table, extract_feature_table_from_folder
from ._compat import Interval, StrOptions, fit_context

__all__ = [
    "AUDIO_EXTENSIONS",
    "AudioFeatureExtractor",
    "SkippedAudioWarning",
    "extract_feature_table",
    "extract_feature_table_from_folder",
]

# Clips per joblib task: amortises task overhead.
_CLIPS_PER_TASK = 16
# How many skipped clips a warning names before eliding the rest.
_MAX_SKIPPED_SHOWN = 5


class SkippedAudioWarning(UserWarning):
    """Some clips could not be read; their rows are NaN (``on_error="skip"``).

    Parameters
    ----------
    message : str
        The warning text; it names the first few skipped clips.
    skipped : list of tuple, default=()
        ``(row, clip, reason)`` of every skipped clip, available as the
        ``skipped`` attribute of the caught warning.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn_speechmusic import AudioFeatureExtractor, SkippedAudioWarning
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = AudioFeatureExtractor(on_error="skip").transform([(np.zeros(10), 8000)])
    >>> [row for row, _, _ in caught[0].message.skipped]
    [0]
    """

    def __init__(self, message, skipped=()):
        super().__init__(message)
        self.skipped = list(skipped)


class AudioFeatureExtractor(TransformerMixin, BaseEstimator):
    """Turn audio clips into speech/music features, one row per clip.

    Each clip is decoded with soundfile (WAV, FLAC, OGG/Vorbis, AIFF, MP3, ...),
    mixed down to mono, resampled to ``sample_rate`` with soxr and scaled to unit
    RMS, so no feature depends on the recording level. Files longer than a
    minute are read and analysed a minute at a time: peak memory grows by
    about 100 MB per hour of audio (per-frame values and their summaries;
    ~370 MB in all for a 2-hour file), not with the decoded samples. Any
    finite waveform gives finite features. The features (see
    :meth:`describe_features`) are the physically meaningful descriptors that
    separate speech from music: 4 Hz syllabic modulation, the share of
    low-energy frames, level dynamics, spectral flux, centroid, roll-off,
    flatness, zero-crossing rate, MFCC means, spreads and delta spreads, then
    pitch stability, vibrato, voiced-segment durations, harmonic-to-noise
    ratio, beat periodicity and a tonal bed under syllabic modulation.

    ``fit`` learns nothing; the transformer can sit first in a Pipeline that
    goes from file paths to labels.

    Parameters
    ----------
    sample_rate : int, default=22050
        Rate (Hz) every clip is resampled to before analysis.
    frame_length : int, default=1024
        Samples per analysis frame (and FFT size); about 46 ms at 22050 Hz. Clips
        shorter than one frame are errors.
    hop_length : int, default=512
        Samples between frame starts.
    n_mfcc : int, default=13
        Number of MFCCs summarised.
    n_mels : int, default=40
        Mel bands behind the MFCCs and the modulation features.
    n_jobs : int, default=None
        Clips processed in parallel with joblib; None means 1, -1 all cores.
        On one machine, results are bit-identical whatever the value, and when
        ``transform`` is called from several threads at once (no step uses
        BLAS, whose rounding depends on its thread count). Another CPU may
        round float32 steps differently: features agree to ~1e-5 relative, a
        little more for the spectral flatness and counted shares.
    progress : bool, default=False
        Show a tqdm progress bar.
    on_error : {"raise", "skip"}, default="raise"
        What to do with a clip that cannot be read (missing, empty, corrupt,
        zero-length, no channels, NaN/inf samples, shorter than one frame):
        raise an error naming it, or give it a row of NaN and warn with a
        :class:`SkippedAudioWarning` that lists the skipped clips, so rows stay
        aligned with labels.

    Attributes
    ----------
    n_features_in_ : int
        Always 1: one clip per row.
    skipped_ : list of tuple
        ``(row, clip, reason)`` for every clip skipped by the last
        ``fit_transform``; empty when all were read. ``transform`` does not
        change the estimator: it reports skipped clips only through the
        warning's ``skipped`` attribute.

    See Also
    --------
    extract_feature_table : The same features as a table in the demo's format.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic import AudioFeatureExtractor
    >>> rate = 16000
    >>> tone = np.sin(2 * np.pi * 220 * np.arange(rate) / rate)
    >>> extractor = AudioFeatureExtractor()
    >>> features = extractor.fit_transform([(tone, rate)])
    >>> features.shape
    (1, 66)
    >>> extractor.get_feature_names_out()[:3].tolist()
    ['rms_db_mean', 'rms_db_std', 'rms_cv']
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "sample_rate": [Interval(Integral, 4000, 384000, closed="both")],
        "frame_length": [Interval(Integral, 32, None, closed="left")],
        "hop_length": [Interval(Integral, 1, None, closed="left")],
        "n_mfcc": [Interval(Integral, 1, None, closed="left")],
        "n_mels": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "progress": ["boolean"],
        "on_error": [StrOptions({"raise", "skip"})],
    }

    def __init__(
        self,
        *,
        sample_rate=22050,
        frame_length=1024,
        hop_length=512,
        n_mfcc=13,
        n_mels=40,
        n_jobs=None,
        progress=False,
        on_error="raise",
    ):
        self.sample_rate = sample_rate
        self.frame_length = frame_length
        self.hop_length = hop_length
        self.n_mfcc = n_mfcc
        self.n_mels = n_mels
        self.n_jobs = n_jobs
        self.progress = progress
        self.on_error = on_error

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and the input; nothing is learned.

        Parameters
        ----------
        X : sequence of clips
            As for :meth:`transform`.
        y : None
            Ignored.

        Returns
        -------
        self : AudioFeatureExtractor
            This transformer.

        Examples
        --------
        >>> from sklearn_speechmusic import AudioFeatureExtractor
        >>> AudioFeatureExtractor().fit(["speech.wav"]).n_features_in_
        1
        """
        self._check_settings()
        _as_clip_list(X)
        self.n_features_in_ = 1
        return self

    def transform(self, X):
        """Compute the features of every clip.

        Parameters
        ----------
        X : sequence of clips
            A list, array or pandas Series of file paths, a one-column
            DataFrame of paths, or ``(waveform, sample_rate)`` pairs (a 1-D
            waveform, or 2-D with one axis for channels).

        Returns
        -------
        features : ndarray of shape (n_clips, n_features)
            One row per clip, columns as :meth:`get_feature_names_out`; NaN rows
            for clips skipped with ``on_error="skip"``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_speechmusic import AudioFeatureExtractor
        >>> noise = np.random.RandomState(0).normal(size=22050)
        >>> AudioFeatureExtractor().transform([(noise, 22050)]).shape
        (1, 66)
        """
        features, _ = self._transform(X)
        return features

    def fit_transform(self, X, y=None, **fit_params):
        """Check the parameters, compute the features and record skipped clips in ``skipped_``.

        Parameters
        ----------
        X : iterable of clips
            As for :meth:`transform`; a generator is read once.
        y : None
            Ignored.
        **fit_params : dict
            Ignored.

        Returns
        -------
        features : ndarray of shape (n_clips, n_features)
            As :meth:`transform`.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_speechmusic import AudioFeatureExtractor
        >>> extractor = AudioFeatureExtractor()
        >>> extractor.fit_transform([(np.ones(22050), 22050)]).shape, extractor.skipped_
        ((1, 66), [])
        """
        clips = _as_clip_list(X)  # once: a generator would be used up by fit
        self.fit(clips, y)
        features, self.skipped_ = self._transform(clips)
        return features

    def _transform(self, X) -> tuple[np.ndarray, list]:
        """Features and ``(row, clip, reason)`` of skipped clips; warns if any were skipped."""
        self._validate_params()
        settings = self._check_settings()
        clips = _as_clip_list(X)
        skip = self.on_error == "skip"
        from joblib import Parallel, delayed

        chunks = [clips[start : start + _CLIPS_PER_TASK] for start in range(0, len(clips), _CLIPS_PER_TASK)]
        jobs = (delayed(_chunk_features)(chunk, settings, skip) for chunk in chunks)
        results = Parallel(n_jobs=self.n_jobs, return_as="generator")(jobs)
        bar = _progress_bar(total=len(clips)) if self.progress else None

        features = np.full((len(clips), len(feature_names(self.n_mfcc))), np.nan)
        skipped = []
        row = 0
        for chunk_results in results:
            for values, error in chunk_results:
                if error is None:
                    features[row] = values
                else:
                    skipped.append((row, describe_source(clips[row]), error))
                row += 1
            if bar is not None:
                bar.update(len(chunk_results))
        if bar is not None:
            bar.close()
        if skipped:
            listed = skipped[:_MAX_SKIPPED_SHOWN]
            shown = "; ".join(f"row {row}: {reason.rstrip('.')}" for row, _, reason in listed)
            more = len(skipped) - _MAX_SKIPPED_SHOWN
            message = (
                f"Skipped {len(skipped)} of {len(clips)} clips (their rows are NaN; the warning's "
                f"'skipped' attribute lists them): {shown}{f' and {more} more' if more > 0 else ''}."
            )
            warnings.warn(SkippedAudioWarning(message, skipped), stacklevel=3)
        return features, skipped

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Parameters
        ----------
        input_features : None
            Ignored; the output columns do not depend on the input's name.

        Returns
        -------
        names : ndarray of str
            Feature names, in column order.

        Examples
        --------
        >>> from sklearn_speechmusic import AudioFeatureExtractor
        >>> len(AudioFeatureExtractor(n_mfcc=20).get_feature_names_out())
        87
        """
        return np.asarray(feature_names(self.n_mfcc), dtype=object)

    def describe_features(self):
        """What each feature measures and why it separates speech from music.

        Returns
        -------
        descriptions : dict of str to str
            Feature name → one-line description, in column order.

        Examples
        --------
        >>> from sklearn_speechmusic import AudioFeatureExtractor
        >>> print(AudioFeatureExtractor().describe_features()["modulation_4hz_ratio"])
        share of band-envelope modulation at 2-8 Hz: syllables arrive at ~4 per second
        """
        return describe_features(self.n_mfcc)

    def _check_settings(self) -> FrameSettings:
        if self.hop_length > self.frame_length:
            raise ValueError(
                f"hop_length={self.hop_length} is larger than frame_length={self.frame_length}; "
                "samples between frames would be ignored. Use hop_length <= frame_length."
            )
        if self.n_mfcc > self.n_mels:
            raise ValueError(f"n_mfcc={self.n_mfcc} cannot exceed n_mels={self.n_mels}.")
        return FrameSettings(
            sample_rate=int(self.sample_rate),
            frame_length=int(self.frame_length),
            hop_length=int(self.hop_length),
            n_mfcc=int(self.n_mfcc),
            n_mels=int(self.n_mels),
        )


def _chunk_features(clips: list, settings: FrameSettings, skip: bool) -> list[tuple[Any, str | None]]:
    """Features of a few clips; with ``skip``, the reason instead of raising.

    No step uses BLAS, so rows are bit-identical in the main process, in joblib
    workers and in concurrent threads, and no thread limit has to be set.
    """
    results: list[tuple[Any, str | None]] = []
    for clip in clips:
        try:
            results.append((clip_features_of(clip, settings), None))
        except (InvalidAudioError, OSError) as error:
            if not skip:
                raise
            results.append((None, str(error)))
    return results


def _as_clip_list(X) -> list:
    """The clips of ``X`` as a list of paths or ``(waveform, rate)`` pairs."""
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:  # a DataFrame
        if X.shape[1] != 1:
            raise ValueError(
                f"Expected a single column of audio paths, got a DataFrame with {X.shape[1]} columns "
                f"{list(X.columns)}; select the path column, e.g. X['path']."
            )
        X = X.iloc[:, 0]
    if isinstance(X, (str, os.PathLike)) or (isinstance(X, tuple) and len(X) == 2 and not _is_clip(X[0])):
        raise ValueError("Expected a sequence of clips, got a single one; wrap it in a list: [clip].")
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == 1:
        X = X[:, 0]
    clips = list(X)
    if not clips:
        raise ValueError("Found 0 clips; pass at least one audio path or (waveform, sample_rate) pair.")
    for row, clip in enumerate(clips):
        if not _is_clip(clip):
            raise ValueError(
                f"Row {row} is {clip!r} of type {type(clip).__name__}, not an audio path or a "
                "(waveform, sample_rate) pair."
            )
    return clips


def _is_clip(obj) -> bool:
    return isinstance(obj, (str, os.PathLike)) or (isinstance(obj, tuple) and len(obj) == 2)


def _progress_bar(total: int):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="Extracting audio features", unit="clip")
