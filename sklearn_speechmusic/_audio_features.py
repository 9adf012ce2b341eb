"""Physically meaningful speech/music descriptors of one mono recording, in NumPy.

Every feature is computed on the recording scaled to unit RMS, so none depends on
the recording level. Frames are ``frame_length`` samples long (periodic Hann
window), ``hop_length`` apart, without padding. The mel filterbank, decibel
scaling and MFCCs follow librosa's defaults (Slaney mel scale, ``top_db=80``,
orthonormal DCT-II), so ``mfcc_k_*`` match ``librosa.feature.mfcc(..., center=False)``.

A recording is analysed block by block (:class:`FeatureAccumulator`): per-frame
values are kept (about 30 MB per hour of audio; summarising them peaks at
about 100 MB per hour), samples are not. The voice/music features of
:mod:`._voice_music_features` (pitch stability, vibrato, voiced runs, HNR, beat
periodicity, tonal bed) come after the MFCC statistics, from the same spectra. The summaries
are exactly those of the whole recording, with one documented approximation:
within each block the spectrum is computed on the block scaled to unit RMS, so
the -100 dB floor of the spectral flatness and centroid is relative to the
block's level instead of the recording's. This matters only for frequency bins
more than 100 dB below the block's level; a recording that fits in one block
(as every clip does) is unaffected.

Energies are summed in float64 after scaling by the peak, so any finite input
gives finite features. No step calls BLAS (see :mod:`._spectral`): the same
input gives bit-identical features whatever the thread count or calling thread,
on one machine. Another CPU may round float32 steps differently (~1e-6 relative,
more for counts that sit on a threshold).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft

from ._audio_io import InvalidAudioError, describe_source, resampled_blocks
from ._spectral import (
    EPSILON,
    LONG_PEAK_FRAMES,
    fft_frequencies,
    hann_window,
    log_energy,
    log_sum_exp,
    mel_power,
    mfcc_and_flux,
    persistence_shares,
    ridge_counts,
    rolloff_bins,
    spectral_peaks,
    syllabic_modulation,
)
from ._voice_music_features import VOICE_MUSIC_FEATURE_DESCRIPTIONS, VoiceMusicAccumulator

#: One line per feature: what it measures and why it separates speech from music.
FEATURE_DESCRIPTIONS: dict[str, str] = {
    "rms_db_mean": "mean frame level (dB re clip RMS): speech's pauses pull it down, music stays near 0",
    "rms_db_std": "spread of frame levels in dB: speech alternates syllables and silences, music is steadier",
    "rms_cv": "coefficient of variation of frame RMS: the same loudness contrast on a linear scale",
    "low_energy_share": "share of frames below half the mean RMS: high for speech's gaps, low for music",
    "modulation_4hz_ratio": "share of band-envelope modulation at 2-8 Hz: syllables arrive at ~4 per second",
    "modulation_4hz_depth": "2-8 Hz envelope modulation relative to mean band energy: how hard speech pulses",
    "zcr_mean": "mean zero-crossing rate: fricatives raise it, voiced speech and tonal music lower it",
    "zcr_std": "spread of the zero-crossing rate: speech alternates voiced and unvoiced sounds",
    "spectral_centroid_mean": "mean spectral centre of mass (Hz): brightness of the sound",
    "spectral_centroid_std": "spread of the centroid: speech's brightness jumps between phonemes",
    "spectral_rolloff_mean": "mean frequency below which 85 % of the magnitude lies (Hz): bandwidth in use",
    "spectral_rolloff_std": "spread of the roll-off: speech's bandwidth changes with each phoneme",
    "spectral_flatness_mean": "mean spectral flatness (0 tonal, 1 noise-like): sustained notes are tonal",
    "spectral_flatness_std": "spread of the flatness: speech alternates voiced and noisy segments",
    "spectral_flux_mean": "mean frame-to-frame change of the normalised mel spectrum: speech changes fast",
    "spectral_flux_var": "variance of the spectral flux: speech changes in bursts, music more evenly",
    "tonal_persistence": "share of spectral peaks still there (±1 bin) one frame later: held notes persist",
    "tonal_persistence_long": "share of spectral peaks lasting 6 frames: notes hold, speech's pitch glides",
}
_MFCC_DESCRIPTIONS = {
    "mean": "mean of MFCC {k}: average spectral envelope shape (timbre, formant region)",
    "std": "spread of MFCC {k}: how much the envelope moves; speech articulates, notes hold",
    "delta_std": "spread of MFCC {k}'s frame-to-frame change: rate of articulation",
}

_TOP_DB = 80.0
_ROLLOFF_SHARE = 0.85
# Spectral peaks count in frames no more than this far below the recording's RMS
# (noise in pauses is ignored).
_ACTIVE_FRAME_DB = -30.0
_RMS_FLOOR = 1e-5  # -100 dB re the recording's RMS
# Frames analysed at once: bounds the spectra held in memory (~20 MB at 1024 samples).
_FRAMES_PER_PASS = 1024


@dataclass(frozen=True)
class FrameSettings:
    """How a clip is cut into frames and summarised.

    Parameters
    ----------
    sample_rate : int
        Sample rate of the waveform in Hz.
    frame_length : int
        Samples per analysis frame (also the FFT size).
    hop_length : int
        Samples between frame starts.
    n_mfcc : int
        Number of MFCCs.
    n_mels : int
        Number of mel bands.

    Examples
    --------
    >>> from sklearn_speechmusic._audio_features import FrameSettings
    >>> FrameSettings(22050, 1024, 512, 13, 40).frame_rate
    43.06640625
    """

    sample_rate: int
    frame_length: int
    hop_length: int
    n_mfcc: int
    n_mels: int

    @property
    def frame_rate(self) -> float:
        """Frames per second."""
        return self.sample_rate / self.hop_length


#: The one feature that is not level-invariant: how loud the recording is, for Silence.
LEVEL_DESCRIPTIONS: dict[str, str] = {
    "level_dbfs": "level of the loudest 5 % of frames in dB re full scale (1.0): near-silence sits below -60",
}


def feature_names(n_mfcc: int) -> list[str]:
    """Names of the features, in the column order of :func:`clip_features`.

    Parameters
    ----------
    n_mfcc : int
        Number of MFCCs.

    Returns
    -------
    names : list of str
        Feature names.

    Examples
    --------
    >>> from sklearn_speechmusic._audio_features import feature_names
    >>> feature_names(2)[18:24]
    ['mfcc_0_mean', 'mfcc_1_mean', 'mfcc_0_std', 'mfcc_1_std', 'mfcc_0_delta_std', 'mfcc_1_delta_std']
    >>> feature_names(2)[-3:]
    ['tonal_bed_share', 'tonal_bed_under_speech', 'level_dbfs']
    """
    mfcc = [f"mfcc_{k}_{stat}" for stat in _MFCC_DESCRIPTIONS for k in range(n_mfcc)]
    return (
        list(FEATURE_DESCRIPTIONS) + mfcc + list(VOICE_MUSIC_FEATURE_DESCRIPTIONS) + list(LEVEL_DESCRIPTIONS)
    )


def describe_features(n_mfcc: int) -> dict[str, str]:
    """One-line description of every feature: what it measures and why it helps.

    Parameters
    ----------
    n_mfcc : int
        Number of MFCCs.

    Returns
    -------
    descriptions : dict of str to str
        Feature name → description, in column order.

    Examples
    --------
    >>> from sklearn_speechmusic._audio_features import describe_features
    >>> describe_features(1)["low_energy_share"][:25]
    'share of frames below hal'
    """
    mfcc = {
        f"mfcc_{k}_{stat}": template.format(k=k)
        for stat, template in _MFCC_DESCRIPTIONS.items()
        for k in range(n_mfcc)
    }
    return {**FEATURE_DESCRIPTIONS, **mfcc, **VOICE_MUSIC_FEATURE_DESCRIPTIONS, **LEVEL_DESCRIPTIONS}


def clip_features(waveform: np.ndarray, settings: FrameSettings) -> np.ndarray:
    """Compute all features of one mono clip.

    Parameters
    ----------
    waveform : ndarray of shape (n_samples,)
        Finite mono signal at ``settings.sample_rate``, at least one frame long.
    settings : FrameSettings
        Framing and summary settings.

    Returns
    -------
    features : ndarray of shape (n_features,), dtype float64
        Finite values in the order of :func:`feature_names`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic._audio_features import FrameSettings, clip_features, feature_names
    >>> settings = FrameSettings(8000, 256, 128, 13, 20)
    >>> tone = np.sin(2 * np.pi * 440 * np.arange(8000) / 8000).astype(np.float32)
    >>> features = dict(zip(feature_names(13), clip_features(tone, settings)))
    >>> round(features["spectral_centroid_mean"])
    440
    """
    accumulator = FeatureAccumulator(settings)
    accumulator.add(waveform)
    return accumulator.features()


def clip_features_of(clip, settings: FrameSettings) -> np.ndarray:
    """Features of one clip (path or ``(waveform, rate)`` pair), read a block at a time.

    Parameters
    ----------
    clip : str, path-like or tuple
        The clip.
    settings : FrameSettings
        Framing and summary settings.

    Returns
    -------
    features : ndarray of shape (n_features,)
        In the order of :func:`feature_names`.
    """
    accumulator = FeatureAccumulator(settings)
    for block in resampled_blocks(clip, settings.sample_rate, min_samples=settings.frame_length):
        accumulator.add(block)
    if accumulator.n_frames == 0:
        raise InvalidAudioError(
            f"{describe_source(clip)}: {accumulator.n_samples} samples are fewer than one analysis "
            f"frame ({settings.frame_length} samples); use longer clips, or a smaller frame_length in "
            "AudioFeatureExtractor."
        )
    return accumulator.features()


class FeatureAccumulator:
    """Features of a recording fed as consecutive blocks of samples.

    Memory holds one block and the per-frame values, never the whole signal.
    Whole or in blocks, the features agree (see the module docstring).

    Parameters
    ----------
    settings : FrameSettings
        Framing and summary settings.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic._audio_features import FeatureAccumulator, FrameSettings
    >>> noise = np.random.RandomState(0).normal(size=16000).astype(np.float32)
    >>> accumulator = FeatureAccumulator(FrameSettings(8000, 256, 128, 13, 20))
    >>> for block in np.array_split(noise, 4):
    ...     accumulator.add(block)
    >>> accumulator.n_frames, accumulator.features().shape
    (124, (66,))
    """

    def __init__(self, settings: FrameSettings):
        self.settings = settings
        self.n_samples = 0
        self.n_frames = 0
        self._pending = np.zeros(0, dtype=np.float32)  # samples of frames not yet complete
        self._log_energies: list[float] = []  # natural log of each block's sum of squares
        self._series: dict[str, list[np.ndarray]] = {name: [] for name in _SERIES}
        self._peak_tail = np.zeros((0, settings.frame_length // 2 - 1), dtype=bool)
        self._voice_music = VoiceMusicAccumulator(
            settings.sample_rate, settings.frame_length, settings.hop_length
        )

    def add(self, samples: np.ndarray) -> None:
        """Analyse the next block of samples (any length, float32 or float64, finite)."""
        samples = np.asarray(samples)
        if samples.dtype != np.float64:
            samples = samples.astype(np.float32, copy=False)
        if samples.ndim != 1:
            raise ValueError(f"Expected a 1-D block of samples, got shape {samples.shape}.")
        block_log_energy = log_energy(samples)
        self._log_energies.append(block_log_energy)
        self.n_samples += samples.size
        buffer = np.concatenate([self._pending, samples]) if self._pending.size else samples
        length, hop = self.settings.frame_length, self.settings.hop_length
        n_frames = (buffer.size - length) // hop + 1 if buffer.size >= length else 0
        if n_frames:
            # The block at unit RMS: float32 spectra of any finite input stay finite.
            buffer_log_energy = log_energy(buffer) if self._pending.size else block_log_energy
            log_level = 0.5 * (buffer_log_energy - np.log(buffer.size))
            gain = float(np.exp(-log_level)) if np.isfinite(log_level) else 1.0
            for first in range(0, n_frames, _FRAMES_PER_PASS):
                count = min(_FRAMES_PER_PASS, n_frames - first)
                segment = buffer[first * hop : (first + count - 1) * hop + length]
                scaled = np.multiply(segment, gain, dtype=np.float64).astype(np.float32)
                self._analyse(scaled, count, log_level)
        self._pending = buffer[n_frames * hop :].copy()

    def _analyse(self, signal: np.ndarray, count: int, log_level: float) -> None:
        settings = self.settings
        length, hop, rate = settings.frame_length, settings.hop_length, settings.sample_rate
        frames = np.lib.stride_tricks.sliding_window_view(signal, length)[::hop][:count]
        energy = np.einsum("ij,ij->i", frames, frames)
        # Sign changes counted once per sample, not once per overlapping frame.
        signs = np.signbit(signal)
        changes = np.zeros(signal.size, dtype=np.int32)  # a pass holds well under 2**31 samples
        np.cumsum((signs[1:] != signs[:-1]).view(np.uint8), dtype=np.int32, out=changes[1:])
        starts = np.arange(count) * hop
        spectrum = scipy.fft.rfft(frames * hann_window(length), axis=1)
        power = np.square(spectrum.real)
        power += np.square(spectrum.imag)
        magnitude = np.sqrt(power)
        frequencies = fft_frequencies(rate, length)
        log_power = np.maximum(power, np.float32(EPSILON))
        np.log(log_power, out=log_power)
        series = self._series
        mean_square = energy.astype(np.float64) / length
        series["frame_rms"].append(np.sqrt(mean_square))
        # Without the frame's mean: a DC offset is silent, whatever its value.
        means = frames.mean(axis=1, dtype=np.float64)
        series["frame_ac_rms"].append(np.sqrt(np.maximum(mean_square - means**2, 0.0)))
        series["log_level"].append(np.full(count, log_level))
        series["zcr"].append((changes[starts + length - 1] - changes[starts]) / length)
        series["spectral_centroid"].append(
            np.einsum("ij,j->i", magnitude, frequencies)
            / np.maximum(magnitude.sum(axis=1), np.float32(EPSILON))
        )
        series["spectral_rolloff"].append(frequencies[rolloff_bins(magnitude, _ROLLOFF_SHARE)])
        series["spectral_flatness"].append(
            np.exp(log_power.mean(axis=1)) / np.maximum(power.mean(axis=1), np.float32(EPSILON))
        )
        mel = mel_power(power, rate, length, settings.n_mels)
        series["mel"].append(mel)
        frame_peaks = spectral_peaks(log_power)
        self._voice_music.add(power, mel, frame_peaks, log_level)
        # Ridges need the next frames' peaks: the last few frames wait for the next block.
        peaks = np.concatenate([self._peak_tail, frame_peaks])
        ready = max(0, len(peaks) - (LONG_PEAK_FRAMES - 1))
        series["ridges"].append(ridge_counts(peaks, ready).astype(np.int32))
        self._peak_tail = peaks[ready:]
        self.n_frames += count

    def features(self) -> np.ndarray:
        """Features of everything added so far.

        Returns
        -------
        features : ndarray of shape (n_features,), dtype float64
            Finite values in the order of :func:`feature_names`.

        Raises
        ------
        ValueError
            If fewer samples than one frame were added.
        """
        settings = self.settings
        if self.n_frames == 0:
            raise ValueError(
                f"{self.n_samples} samples are fewer than one analysis frame ({settings.frame_length})."
            )
        series = {name: np.concatenate(parts) for name, parts in self._series.items() if name != "mel"}
        series["ridges"] = np.concatenate(
            [series["ridges"], ridge_counts(self._peak_tail, len(self._peak_tail))]
        )
        # Each frame was analysed at its block's unit RMS; this brings it to the recording's.
        log_energies = np.array(self._log_energies)
        log_level = 0.5 * (log_sum_exp(log_energies) - np.log(self.n_samples))
        frame_log_level = series.pop("log_level")
        amplitude = np.zeros(self.n_frames)
        if np.isfinite(log_level):
            loud = np.isfinite(frame_log_level)
            amplitude[loud] = np.exp(frame_log_level[loud] - log_level)
        unit_rms = series.pop("frame_rms")
        frame_rms = unit_rms * amplitude
        rms_db = 20 * np.log10(np.maximum(frame_rms, _RMS_FLOOR))
        mean_rms = frame_rms.mean()
        values: dict[str, float] = {
            "rms_db_mean": rms_db.mean(),
            "rms_db_std": rms_db.std(),
            "rms_cv": frame_rms.std() / max(mean_rms, EPSILON),
            "low_energy_share": np.mean(frame_rms < 0.5 * mean_rms) if mean_rms > 0 else 0.0,
        }
        mel_chunks = self._series["mel"]
        values["modulation_4hz_ratio"], values["modulation_4hz_depth"] = syllabic_modulation(
            mel_chunks, amplitude, settings.frame_rate
        )
        # One row per series: a row reduces as the 1-D series would (same pairwise sums),
        # and a few calls on a block cost far less than one small call per column.
        spectral = ("zcr", "spectral_centroid", "spectral_rolloff", "spectral_flatness")
        per_frame = np.array([series[name] for name in spectral], dtype=np.float64)
        for name, mean, std in zip(spectral, per_frame.mean(axis=1), per_frame.std(axis=1), strict=True):
            values[f"{name}_mean"], values[f"{name}_std"] = mean, std
        mfcc, flux = mfcc_and_flux(mel_chunks, amplitude**2, settings.n_mfcc, _TOP_DB)
        values["spectral_flux_mean"], values["spectral_flux_var"] = flux.mean(), flux.var()
        values["tonal_persistence"], values["tonal_persistence_long"] = persistence_shares(
            series["ridges"], rms_db > _ACTIVE_FRAME_DB
        )
        values.update(mfcc_statistics(mfcc))
        values.update(self._voice_music.features())
        values["level_dbfs"] = loud_level_dbfs(series.pop("frame_ac_rms"), frame_log_level)
        names = feature_names(settings.n_mfcc)
        if set(values) != set(names):
            raise RuntimeError(f"Features computed and named differ: {sorted(set(values) ^ set(names))}.")
        return np.array([values[name] for name in names], dtype=np.float64)


# Up to this many frames the MFCC statistics are computed for all coefficients at
# once (short clips: fewer calls); beyond, one coefficient at a time (small temporaries).
_FRAMES_SUMMARISED_AT_ONCE = 8192


def mfcc_statistics(mfcc: np.ndarray) -> dict[str, float]:
    """Mean, spread and delta spread of each MFCC over the frames of ``mfcc`` (n_frames, n_mfcc).

    Each coefficient is reduced as a 1-D series (the same pairwise sums), whether
    all coefficients go at once as contiguous rows or one at a time.
    """
    n_frames, n_mfcc = mfcc.shape
    statistics: dict[str, float] = {}
    if n_frames <= _FRAMES_SUMMARISED_AT_ONCE:
        by_coefficient = np.ascontiguousarray(mfcc.T)
        deltas = np.diff(by_coefficient, axis=1) if n_frames > 1 else np.zeros((n_mfcc, 1))
        means, stds, delta_stds = by_coefficient.mean(axis=1), by_coefficient.std(axis=1), deltas.std(axis=1)
        columns = list(zip(means, stds, delta_stds, strict=True))
    else:
        frame_deltas = np.diff(mfcc, axis=0)
        columns = [(mfcc[:, k].mean(), mfcc[:, k].std(), frame_deltas[:, k].std()) for k in range(n_mfcc)]
    for k, (mean, std, delta_std) in enumerate(columns):
        statistics[f"mfcc_{k}_mean"], statistics[f"mfcc_{k}_std"] = float(mean), float(std)
        statistics[f"mfcc_{k}_delta_std"] = float(delta_std)
    return statistics


def loud_level_dbfs(unit_rms: np.ndarray, frame_log_level: np.ndarray) -> float:
    """dB re full scale of the 95th-percentile frame RMS (DC removed), within [-120, 40].

    ``unit_rms`` is each frame's RMS about its mean at its block's unit-RMS scale and
    ``frame_log_level`` the natural log of that block's RMS (``-inf`` when silent):
    the product is computed in the log domain, so no level overflows.
    """
    log_rms = np.full(unit_rms.shape, -1e3)
    loud = np.isfinite(frame_log_level) & (unit_rms > 0)
    log_rms[loud] = np.log(unit_rms[loud]) + frame_log_level[loud]
    decibels = 20 / np.log(10) * float(np.percentile(log_rms, 95)) if log_rms.size else -120.0
    return float(np.clip(decibels, -120.0, 40.0))


_SERIES = (
    "frame_rms",
    "frame_ac_rms",
    "log_level",
    "zcr",
    "spectral_centroid",
    "spectral_rolloff",
    "spectral_flatness",
    "mel",
    "ridges",
)
