"""Per-frame spectral building blocks: windows, mel bands, roll-off, peaks, modulation.

Nothing here calls BLAS. Matrix products go through scipy.sparse or ``np.einsum``
(NumPy's own loops), whose summation order is fixed, so a result does not
depend on how many BLAS threads are running or on which thread calls. Cached
arrays are read-only.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.fft
import scipy.sparse

#: Floor for power and divisions: silence gives finite values.
EPSILON = 1e-10
_SYLLABIC_BAND_HZ = (2.0, 8.0)
# Spectral peaks count when within this many dB of the frame's strongest bin.
_PEAK_RANGE_DB = 40.0
#: Frames a peak must last to count as long (``tonal_persistence_long``).
LONG_PEAK_FRAMES = 6
# Mel bands whose envelopes are transformed at once (bounds memory on long files),
# more when they hold few frames: a short clip's bands go in one pass.
_BANDS_PER_FFT = 8
_ENVELOPE_VALUES_PER_FFT = _BANDS_PER_FFT * 160_000  # an hour of frames


@lru_cache(maxsize=8)
def hann_window(length: int) -> np.ndarray:
    """Periodic Hann window in float32, as ``scipy.signal.get_window("hann", length)``; read-only."""
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / length)).astype(np.float32)
    window.flags.writeable = False
    return window


@lru_cache(maxsize=8)
def fft_frequencies(sample_rate: int, n_fft: int) -> np.ndarray:
    """Centre frequency (Hz) of every rfft bin, float32; read-only."""
    frequencies = np.fft.rfftfreq(n_fft, 1 / sample_rate).astype(np.float32)
    frequencies.flags.writeable = False
    return frequencies


@lru_cache(maxsize=8)
def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Slaney-normalised triangular mel filters, as ``librosa.filters.mel``, transposed.

    Shape ``(n_fft // 2 + 1, n_mels)``, float32, read-only.
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


@lru_cache(maxsize=8)
def _sparse_filterbank(sample_rate: int, n_fft: int, n_mels: int):
    # (n_mels, n_bins) CSR: each band touches only the bins under its triangle.
    return scipy.sparse.csr_matrix(np.ascontiguousarray(mel_filterbank(sample_rate, n_fft, n_mels).T))


def mel_power(power: np.ndarray, sample_rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Mel-band power of each frame: ``power @ mel_filterbank(...)`` without BLAS.

    Parameters
    ----------
    power : ndarray of shape (n_frames, n_fft // 2 + 1), dtype float32
        Power spectra.
    sample_rate, n_fft, n_mels : int
        Filterbank settings.

    Returns
    -------
    mel : ndarray of shape (n_frames, n_mels), dtype float32
        Each band summed over its bins in a fixed order, so the result is the
        same whatever the thread count; ~5x faster than the dense product.
    """
    bands = _sparse_filterbank(sample_rate, n_fft, n_mels)
    return np.ascontiguousarray((bands @ np.ascontiguousarray(power.T)).T)


def rolloff_bins(magnitude: np.ndarray, share: float, block: int = 16) -> np.ndarray:
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


def spectral_peaks(log_power: np.ndarray) -> np.ndarray:
    """Local maxima of each frame's log power within ``_PEAK_RANGE_DB`` of its maximum.

    Returns a boolean array of shape ``(n_frames, n_bins - 2)`` (inner bins).
    """
    inner = log_power[:, 1:-1]
    floor = log_power.max(axis=1, keepdims=True) - np.float32(_PEAK_RANGE_DB * np.log(10) / 10)
    peaks = inner > log_power[:, :-2]
    peaks &= inner >= log_power[:, 2:]
    peaks &= inner > floor
    return peaks


def row_counts(mask: np.ndarray) -> np.ndarray:
    """``np.count_nonzero(mask, axis=1)`` of a 2-D boolean array, as int32.

    Summing the booleans as bytes into int32 skips the casts ``count_nonzero``
    makes along an axis (about twice as fast); rows are far shorter than 2**31.
    """
    return np.add.reduce(mask.view(np.uint8), axis=1, dtype=np.int32)


def ridge_counts(peaks: np.ndarray, n_starts: int) -> np.ndarray:
    """Peaks of the first ``n_starts`` frames, and how many persist 1 and ``LONG_PEAK_FRAMES - 1`` frames.

    A peak persists while a peak stays within one bin of it in each following
    frame. Frames without enough successors in ``peaks`` count 0 ridges.

    Returns
    -------
    counts : ndarray of shape (n_starts, 3), dtype int64
        Peaks, ridges after one step, ridges after ``LONG_PEAK_FRAMES - 1`` steps.
    """
    widened = peaks.copy()
    widened[:, 1:] |= peaks[:, :-1]
    widened[:, :-1] |= peaks[:, 1:]
    counts = np.zeros((n_starts, 3), dtype=np.int64)
    ridge = peaks[:n_starts]
    counts[:, 0] = row_counts(ridge)
    for step in range(1, LONG_PEAK_FRAMES):
        available = max(0, min(len(ridge), len(peaks) - step))
        ridge = ridge[:available] & widened[step : step + available]
        if step == 1:
            counts[:available, 1] = row_counts(ridge)
    counts[: len(ridge), 2] = row_counts(ridge)
    return counts


def persistence_shares(counts: np.ndarray, active: np.ndarray) -> tuple[float, float]:
    """Share of the active frames' peaks that persist 1 and ``LONG_PEAK_FRAMES - 1`` frames.

    A ridge counts when every frame it crosses is active; peaks count in active
    frames that have that many successors.
    """
    n_frames = len(active)
    shares = []
    for column, step in ((1, 1), (2, LONG_PEAK_FRAMES - 1)):
        if n_frames <= step:
            shares.append(0.0)
            continue
        starts = n_frames - step
        all_active = np.lib.stride_tricks.sliding_window_view(active, step + 1).all(axis=1)
        peaks = int(np.sum(counts[:starts, 0] * active[:starts]))
        ridges = int(np.sum(counts[:starts, column] * all_active))
        shares.append(ridges / peaks if peaks else 0.0)
    return shares[0], shares[1]


def syllabic_modulation(
    mel_chunks: list[np.ndarray], amplitude: np.ndarray, frame_rate: float
) -> tuple[float, float]:
    """Energy of the mel-band envelopes' modulation in the syllabic 2-8 Hz band.

    Parameters
    ----------
    mel_chunks : list of ndarray of shape (n_chunk_frames, n_mels)
        Mel power of consecutive frames, each frame on its own scale.
    amplitude : ndarray of shape (n_frames,)
        Factor that brings each frame's amplitude to the recording's scale.
    frame_rate : float
        Frames per second.

    Returns
    -------
    ratio, depth : float
        The share of all (non-DC) modulation energy that falls in the band, and
        the band's energy relative to the squared mean envelope, both averaged
        over bands weighted by band energy. Bands are transformed a few at a
        time, so memory stays small on long recordings.
    """
    n_frames = len(amplitude)
    n_mels = mel_chunks[0].shape[1]
    if n_frames < 4:
        return 0.0, 0.0
    modulation_hz = np.fft.rfftfreq(n_frames, 1 / frame_rate)
    in_band = (modulation_hz >= _SYLLABIC_BAND_HZ[0]) & (modulation_hz <= _SYLLABIC_BAND_HZ[1])
    band_mean, band_energy, total_energy = np.zeros(n_mels), np.zeros(n_mels), np.zeros(n_mels)
    scale = amplitude.astype(np.float32)[:, None]
    # Bands are independent: how many share a pass changes only time and memory.
    per_fft = min(n_mels, max(_BANDS_PER_FFT, _ENVELOPE_VALUES_PER_FFT // n_frames))
    for first in range(0, n_mels, per_fft):
        bands = slice(first, first + per_fft)
        # (bands, n_frames) amplitude envelopes, rows contiguous for the FFT over time.
        columns = np.concatenate([np.sqrt(chunk[:, bands]) for chunk in mel_chunks]) * scale
        envelopes = np.ascontiguousarray(columns.T, dtype=np.float32)
        band_mean[bands] = envelopes.mean(axis=1, dtype=np.float64)
        spectrum = scipy.fft.rfft(envelopes - band_mean[bands].astype(np.float32)[:, None], axis=1)
        spectrum = (spectrum.real**2 + spectrum.imag**2).astype(np.float64)
        band_energy[bands] = spectrum[:, in_band].sum(axis=1)
        total_energy[bands] = spectrum[:, 1:].sum(axis=1)
    weights = band_mean**2
    if weights.sum() <= 0:
        return 0.0, 0.0
    ratio = band_energy / np.maximum(total_energy, EPSILON)
    depth = band_energy / (n_frames**2 * np.maximum(weights, EPSILON))
    weights = weights / weights.sum()
    return float(np.sum(ratio * weights)), float(np.sum(depth * weights))


def mfcc_and_flux(
    mel_chunks: list[np.ndarray], power_scale: np.ndarray, n_mfcc: int, top_db: float
) -> tuple[np.ndarray, np.ndarray]:
    """MFCCs of every frame, and the spectral flux between consecutive frames, chunk by chunk.

    Parameters
    ----------
    mel_chunks : list of ndarray of shape (n_chunk_frames, n_mels)
        Mel power of consecutive frames, each on its own scale.
    power_scale : ndarray of shape (n_frames,)
        Factor bringing each frame's power to the recording's scale.
    n_mfcc : int
        MFCCs kept.
    top_db : float
        Decibels are clipped this far below the recording's loudest band.

    Returns
    -------
    mfcc : ndarray of shape (n_frames, n_mfcc)
        librosa's MFCCs (orthonormal DCT-II of the clipped mel decibels).
    flux : ndarray of shape (max(n_frames - 1, 1),)
        Squared change of the normalised mel amplitude spectrum; one 0 for a
        single frame.
    """
    n_frames = len(power_scale)
    # The chunks are on one scale now: clip relative to the loudest band of all.
    starts = np.cumsum([0] + [len(chunk) for chunk in mel_chunks])
    peak = max(
        float((chunk * power_scale[first : first + len(chunk), None]).max())
        for chunk, first in zip(mel_chunks, starts, strict=False)
    )
    floor_db = 10 * np.log10(max(peak, EPSILON)) - top_db
    mfcc = np.empty((n_frames, n_mfcc))
    flux = np.zeros(max(n_frames - 1, 1))
    previous_shape = None
    for chunk, first in zip(mel_chunks, starts, strict=False):
        mel = chunk.astype(np.float64) * power_scale[first : first + len(chunk), None]
        mel_db = np.maximum(10 * np.log10(np.maximum(mel, EPSILON)), floor_db)
        mfcc[first : first + len(chunk)] = scipy.fft.dct(mel_db, type=2, norm="ortho", axis=1)[:, :n_mfcc]
        # Flux on the mel bands, as librosa's onset strength: the perceptual change
        # of the spectrum's shape, at a twelfth of the cost of using every FFT bin.
        amplitude = np.sqrt(mel)
        shape = amplitude / np.maximum(amplitude.sum(axis=1, keepdims=True), EPSILON)
        if previous_shape is not None:
            shape = np.concatenate([previous_shape, shape])
        if len(shape) > 1:
            offset = first - 1 if previous_shape is not None else first
            flux[offset : offset + len(shape) - 1] = np.sum(np.diff(shape, axis=0) ** 2, axis=1)
        previous_shape = shape[-1:]
    return mfcc, flux


def log_energy(samples: np.ndarray) -> float:
    """Natural log of the sum of squares, in float64 after scaling by the peak; -inf for silence."""
    # The largest magnitude from the extremes: no array of absolute values to allocate.
    peak = max(float(samples.max()), -float(samples.min())) if samples.size else 0.0
    if peak == 0:
        return -np.inf
    scaled = np.divide(samples, peak, dtype=np.float64)
    return 2 * np.log(peak) + float(np.log(np.einsum("i,i->", scaled, scaled)))


def log_sum_exp(values: np.ndarray) -> float:
    """``log(sum(exp(values)))`` without overflow; -inf when every value is."""
    top = values.max()
    if not np.isfinite(top):
        return float(top)
    return float(top + np.log(np.sum(np.exp(values - top))))


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
