"""Physically meaningful speech/music descriptors of one mono clip, in NumPy.

Every feature is computed on the clip scaled to unit RMS, so none depends on the
recording level. Frames are ``frame_length`` samples long (periodic Hann window),
``hop_length`` apart, without padding. The mel filterbank, decibel scaling and
MFCCs follow librosa's defaults (Slaney mel scale, ``top_db=80``, orthonormal
DCT-II), so ``mfcc_k_*`` match ``librosa.feature.mfcc(..., center=False)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.fft

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

_EPSILON = 1e-10  # floor for power and divisions: silence gives finite values
_TOP_DB = 80.0
_ROLLOFF_SHARE = 0.85
_SYLLABIC_BAND_HZ = (2.0, 8.0)
# Spectral peaks count when within this many dB of the frame's strongest bin, in
# frames no more than this far below the clip's RMS (noise in pauses is ignored).
_PEAK_RANGE_DB = 40.0
_ACTIVE_FRAME_DB = -30.0
_LONG_PEAK_FRAMES = 6


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
    >>> feature_names(2)[-6:]
    ['mfcc_0_mean', 'mfcc_1_mean', 'mfcc_0_std', 'mfcc_1_std', 'mfcc_0_delta_std', 'mfcc_1_delta_std']
    """
    mfcc = [f"mfcc_{k}_{stat}" for stat in _MFCC_DESCRIPTIONS for k in range(n_mfcc)]
    return list(FEATURE_DESCRIPTIONS) + mfcc


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
    return {**FEATURE_DESCRIPTIONS, **mfcc}


def clip_features(waveform: np.ndarray, settings: FrameSettings) -> np.ndarray:
    """Compute all features of one mono clip.

    Parameters
    ----------
    waveform : ndarray of shape (n_samples,)
        Mono signal at ``settings.sample_rate``, at least one frame long.
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
    # float32 for the per-frame work (4x faster FFTs), float64 for running sums
    # and the per-clip summaries.
    signal = np.asarray(waveform, dtype=np.float32)
    level = float(np.sqrt(np.dot(signal, signal) / signal.size))
    # Scaling to unit RMS is folded into the window: one pass over the frames.
    gain = 1.0 / level if level > 0 else 1.0
    length, hop = settings.frame_length, settings.hop_length
    frames = np.lib.stride_tricks.sliding_window_view(signal, length)[::hop]

    frame_rms = gain * np.sqrt(np.einsum("ij,ij->i", frames, frames).astype(np.float64) / length)
    rms_db = 20 * np.log10(np.maximum(frame_rms, 1e-5))
    mean_rms = frame_rms.mean()
    sign_frames = np.lib.stride_tricks.sliding_window_view(np.signbit(signal), length)[::hop]
    zcr = np.count_nonzero(sign_frames[:, 1:] != sign_frames[:, :-1], axis=1) / length

    spectrum = scipy.fft.rfft(frames * (_hann(length) * np.float32(gain)), axis=1)
    power = spectrum.real**2 + spectrum.imag**2
    magnitude = np.sqrt(power)
    frequencies = _fft_frequencies(settings.sample_rate, length)
    centroid = (magnitude @ frequencies) / np.maximum(magnitude.sum(axis=1), np.float32(_EPSILON))
    rolloff = frequencies[_rolloff_bins(magnitude, _ROLLOFF_SHARE)]
    log_power = np.log(np.maximum(power, np.float32(_EPSILON)))
    flatness = np.exp(log_power.mean(axis=1)) / np.maximum(power.mean(axis=1), np.float32(_EPSILON))

    mel_power = (power @ _mel_filterbank(settings.sample_rate, length, settings.n_mels)).astype(np.float64)
    mel_db = 10 * np.log10(np.maximum(mel_power, _EPSILON))
    mel_db = np.maximum(mel_db, mel_db.max() - _TOP_DB)
    mfcc = scipy.fft.dct(mel_db, type=2, norm="ortho", axis=1)[:, : settings.n_mfcc]
    # Flux on the mel bands, as librosa's onset strength: the perceptual change
    # of the spectrum's shape, at a twelfth of the cost of using every FFT bin.
    mel_amplitude = np.sqrt(mel_power)
    mel_shape = mel_amplitude / np.maximum(mel_amplitude.sum(axis=1, keepdims=True), _EPSILON)
    changes = np.diff(np.column_stack([mel_shape, mfcc]), axis=0) if len(frames) > 1 else np.zeros((1, 0))
    flux = np.sum(changes[:, : settings.n_mels] ** 2, axis=1) if changes.size else np.zeros(1)
    mfcc_delta_std = changes[:, settings.n_mels :].std(axis=0) if changes.size else np.zeros(settings.n_mfcc)

    # One mean and one std over all per-frame series instead of a call per series.
    per_frame = np.column_stack([rms_db, zcr, centroid, rolloff, flatness, mfcc])
    means, stds = per_frame.mean(axis=0), per_frame.std(axis=0)
    syllabic_ratio, syllabic_depth = _syllabic_modulation(mel_power, settings.frame_rate)
    persistence, long_persistence = _tonal_persistence(log_power, rms_db > _ACTIVE_FRAME_DB)
    summary = [
        means[0],
        stds[0],
        frame_rms.std() / max(mean_rms, _EPSILON),
        np.mean(frame_rms < 0.5 * mean_rms) if mean_rms > 0 else 0.0,
        syllabic_ratio,
        syllabic_depth,
        *np.column_stack([means[1:5], stds[1:5]]).ravel(),  # zcr, centroid, rolloff, flatness
        flux.mean(),
        flux.var(),
        persistence,
        long_persistence,
    ]
    return np.concatenate([summary, means[5:], stds[5:], mfcc_delta_std])


def _rolloff_bins(magnitude: np.ndarray, share: float, block: int = 16) -> np.ndarray:
    """Per frame, the first bin where the cumulative magnitude reaches ``share`` of the total.

    The same bin as ``(np.cumsum(magnitude, axis=1) < share * total).sum(axis=1)``
    (librosa's spectral roll-off, on magnitudes), found in two steps - which block
    of ``block`` bins, then where inside it - so the running sum covers a few
    columns instead of every bin. Silent frames give bin 0.
    """
    n_frames, n_bins = magnitude.shape
    n_blocks = -(-n_bins // block)
    padded = np.zeros((n_frames, n_blocks * block), dtype=magnitude.dtype)
    padded[:, :n_bins] = magnitude
    blocks = padded.reshape(n_frames, n_blocks, block)
    block_cumulative = np.cumsum(blocks.sum(axis=2), axis=1)
    threshold = np.float32(share) * block_cumulative[:, -1]
    crossing_block = np.minimum((block_cumulative < threshold[:, None]).sum(axis=1), n_blocks - 1)
    frames = np.arange(n_frames)
    before = np.where(crossing_block > 0, block_cumulative[frames, crossing_block - 1], 0)
    inside = np.cumsum(blocks[frames, crossing_block], axis=1) + before[:, None]
    within = (inside < threshold[:, None]).sum(axis=1)
    bins = np.minimum(crossing_block * block + within, n_bins - 1)
    return np.where(block_cumulative[:, -1] > 0, bins, 0)


def _syllabic_modulation(mel_power: np.ndarray, frame_rate: float) -> tuple[float, float]:
    """Energy of the mel-band envelopes' modulation in the syllabic 2-8 Hz band.

    Returns the share of all (non-DC) modulation energy that falls in the band,
    and the band's energy relative to the squared mean envelope, both averaged
    over bands weighted by band energy.
    """
    # (n_mels, n_frames) amplitude envelopes, rows contiguous for the FFT over time.
    envelopes = np.ascontiguousarray(np.sqrt(mel_power).T, dtype=np.float32)
    n_frames = envelopes.shape[1]
    band_mean = envelopes.mean(axis=1, dtype=np.float64)
    weights = band_mean**2
    if n_frames < 4 or weights.sum() <= 0:
        return 0.0, 0.0
    spectrum = scipy.fft.rfft(envelopes - band_mean.astype(np.float32)[:, None], axis=1)
    spectrum = (spectrum.real**2 + spectrum.imag**2).astype(np.float64)
    modulation_hz = np.fft.rfftfreq(n_frames, 1 / frame_rate)
    in_band = (modulation_hz >= _SYLLABIC_BAND_HZ[0]) & (modulation_hz <= _SYLLABIC_BAND_HZ[1])
    band_energy = spectrum[:, in_band].sum(axis=1)
    total_energy = spectrum[:, 1:].sum(axis=1)
    ratio = band_energy / np.maximum(total_energy, _EPSILON)
    depth = band_energy / (n_frames**2 * np.maximum(weights, _EPSILON))
    weights = weights / weights.sum()
    return float(ratio @ weights), float(depth @ weights)


def _tonal_persistence(log_power: np.ndarray, active: np.ndarray) -> tuple[float, float]:
    """Share of spectral peaks that persist for 2 and for ``_LONG_PEAK_FRAMES`` frames.

    A peak is a local maximum of a frame's power spectrum within
    ``_PEAK_RANGE_DB`` of the frame's maximum; it persists while a peak stays
    within one bin of it in each following frame. Instruments hold pitches, so
    music's peaks form long horizontal ridges; speech's harmonics glide with the
    intonation and break at every consonant.
    """
    inner = log_power[:, 1:-1]
    floor = log_power.max(axis=1, keepdims=True) - np.float32(_PEAK_RANGE_DB * np.log(10) / 10)
    peaks = (inner > log_power[:, :-2]) & (inner >= log_power[:, 2:]) & (inner > floor)
    peaks &= active[:, None]
    # A peak in the next frame one bin either side still counts as the same ridge.
    widened = peaks.copy()
    widened[:, 1:] |= peaks[:, :-1]
    widened[:, :-1] |= peaks[:, 1:]
    ridge = peaks
    shares = []
    for step in range(1, _LONG_PEAK_FRAMES):
        if len(peaks) <= step:
            shares.append(0.0)
            continue
        ridge = ridge[:-1] & widened[step:]
        start_count = np.count_nonzero(peaks[: len(ridge)])
        shares.append(np.count_nonzero(ridge) / start_count if start_count else 0.0)
    return float(shares[0]), float(shares[-1])


@lru_cache(maxsize=8)
def _hann(length: int) -> np.ndarray:
    # Periodic Hann, as scipy.signal.get_window("hann", length) and librosa use.
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / length)).astype(np.float32)


@lru_cache(maxsize=8)
def _fft_frequencies(sample_rate: int, n_fft: int) -> np.ndarray:
    return np.fft.rfftfreq(n_fft, 1 / sample_rate).astype(np.float32)


@lru_cache(maxsize=8)
def _mel_filterbank(sample_rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Slaney-normalised triangular mel filters, as ``librosa.filters.mel``, transposed.

    Shape ``(n_fft // 2 + 1, n_mels)``, C-contiguous, so ``power @ filters`` is one
    fast matrix product.
    """
    fft_hz = np.fft.rfftfreq(n_fft, 1 / sample_rate)
    band_edges = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(sample_rate / 2), n_mels + 2))
    widths = np.diff(band_edges)
    ramps = band_edges[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (band_edges[2:] - band_edges[:-2]))[:, None]
    weights = np.ascontiguousarray(weights.T, dtype=np.float32)
    weights.flags.writeable = False
    return weights


# Slaney's mel scale: linear below 1 kHz, logarithmic above.
_MEL_LINEAR_HZ_PER_MEL = 200.0 / 3
_MEL_BREAK_HZ = 1000.0
_MEL_BREAK = _MEL_BREAK_HZ / _MEL_LINEAR_HZ_PER_MEL
_MEL_LOG_STEP = np.log(6.4) / 27.0


def _hz_to_mel(hz):
    hz = np.asarray(hz, dtype=float)
    linear = hz / _MEL_LINEAR_HZ_PER_MEL
    logarithmic = _MEL_BREAK + np.log(np.maximum(hz, _MEL_BREAK_HZ) / _MEL_BREAK_HZ) / _MEL_LOG_STEP
    return np.where(hz >= _MEL_BREAK_HZ, logarithmic, linear)


def _mel_to_hz(mel):
    mel = np.asarray(mel, dtype=float)
    linear = mel * _MEL_LINEAR_HZ_PER_MEL
    logarithmic = _MEL_BREAK_HZ * np.exp(_MEL_LOG_STEP * (np.maximum(mel, _MEL_BREAK) - _MEL_BREAK))
    return np.where(mel >= _MEL_BREAK, logarithmic, linear)
