"""Per-frame building blocks of the voice/music features: pitch, onsets, long spectral ridges.

Everything here works on the spectra the extractor already has (power, mel
power, spectral peaks) and is vectorised over frames. Nothing calls BLAS, so
results do not depend on the thread count.

* :func:`frame_pitch` estimates each frame's pitch and its normalised
  autocorrelation at that pitch (Boersma's method: the autocorrelation of the
  windowed frame, divided by the window's own, from the band below ~2.5 kHz,
  tapered, where voiced harmonics are strongest).
* :func:`onset_strength` is the mean half-wave rectified rise of the mel bands'
  decibels from one frame to the next (librosa's onset strength).
* :class:`LongPeakCounter` counts, per frame, the spectral peaks lying on a
  ridge (a bin whose neighbourhood holds a peak in every frame) that lasts at
  least a given number of frames, fed block by block with a bounded look-ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.fft

from ._spectral import hann_window, row_counts

# Pitch search range (Hz); below the low end the 46-ms frame holds under 3 periods.
PITCH_RANGE_HZ = (75.0, 1000.0)
# Autocorrelation from bins up to about this frequency (voiced harmonics), and
# none below the DC cut: a DC offset is neither pitch nor harmonic energy.
_BAND_TOP_HZ = 2500.0
_DC_CUT_HZ = 50.0
# Favour the shorter of two nearly equal lags (Praat's octave cost, per octave).
_OCTAVE_COST = 0.02
# Frames more than 80 dB below a unit-RMS frame count as silent (their spectrum is rounding noise).
_SILENT_POWER = 1e-8
# Onsets ignore bands more than this far below the louder of the two frames compared.
_ONSET_RANGE_DB = 80.0
# The band level ignores bands more than this far below the frame's loudest.
_LEVEL_RANGE_DB = 60.0


@dataclass(frozen=True)
class PitchPlan:
    """Lag grid of :func:`frame_pitch` for one framing (see :func:`pitch_plan`)."""

    n_band: int  # bins used, from 0
    dc_bins: int  # bins zeroed at the bottom
    taper: np.ndarray  # weights of the bins used: 0 below the DC cut, then a half Hann down to the top
    n_lags: int  # inverse FFT size; lags are 1 / lag_rate s apart
    lag_rate: float
    first_lag: int
    last_lag: int
    inverse_window: np.ndarray  # 1 / normalised window autocorrelation at first_lag-1 .. last_lag+1
    octave_penalty: np.ndarray  # subtracted from candidates first_lag .. last_lag
    silent_power: float  # lag-0 autocorrelation of a frame 80 dB below unit RMS


@lru_cache(maxsize=8)
def pitch_plan(sample_rate: int, frame_length: int) -> PitchPlan:
    """Lags, band and window normalisation for frames of ``frame_length`` samples."""
    n_bins = frame_length // 2 + 1
    bin_hz = sample_rate / frame_length
    wanted = int(2 ** np.ceil(np.log2(max(_BAND_TOP_HZ / bin_hz, 2.0))))
    n_band = min(n_bins - 1, wanted) + 1
    n_lags = 2 * (n_band - 1)
    lag_rate = n_lags * bin_hz
    dc_bins = max(2, int(np.ceil(_DC_CUT_HZ / bin_hz)))
    first_lag = max(2, int(lag_rate / PITCH_RANGE_HZ[1]))
    # At most a third of the frame: longer lags rest on too little overlap.
    last_lag = min(int(np.ceil(lag_rate / PITCH_RANGE_HZ[0])), n_lags // 3, n_lags - 2)
    # The taper widens the autocorrelation's peaks to several lags, so a parabola
    # through three lags finds their top even when the band's top harmonics are strong.
    taper = np.cos(0.5 * np.pi * np.arange(n_band) / n_band) ** 2
    taper[:dc_bins] = 0
    window = hann_window(frame_length).astype(np.float64)
    window_power = np.abs(np.fft.rfft(window)) ** 2
    # The window's own autocorrelation (its power sits in the DC bins, kept here).
    window_taper = np.where(np.arange(n_band) < dc_bins, 1.0, taper)
    window_acf = np.fft.irfft(window_power[:n_band] * window_taper, n=n_lags)
    normalised = window_acf[max(first_lag - 1, 0) : last_lag + 2] / window_acf[0]
    lags = np.arange(first_lag, last_lag + 1)
    inverse = (1 / np.maximum(normalised, 1e-3)).astype(np.float32)
    penalty = (_OCTAVE_COST * np.log2(np.maximum(lags, 1) / first_lag)).astype(np.float32)
    taper = taper.astype(np.float32)
    for array in (taper, inverse, penalty):
        array.flags.writeable = False
    # A unit-RMS frame's lag-0 value is about the window's (all energy in band).
    silent = float(_SILENT_POWER * window_acf[0])
    return PitchPlan(n_band, dc_bins, taper, n_lags, lag_rate, first_lag, last_lag, inverse, penalty, silent)


def frame_pitch(power: np.ndarray, plan: PitchPlan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pitch, periodicity and in-band power of each frame.

    Parameters
    ----------
    power : ndarray of shape (n_frames, n_bins), dtype float32
        Power spectra of Hann-windowed frames.
    plan : PitchPlan
        From :func:`pitch_plan`.

    Returns
    -------
    f0 : ndarray of shape (n_frames,), dtype float32
        Pitch in Hz of the best autocorrelation peak, 0 where there is none.
    periodicity : ndarray of shape (n_frames,), dtype float32
        The normalised autocorrelation at that peak, in [0, 1] (0 without a
        peak): the harmonic share of the frame's in-band energy.
    band_power : ndarray of shape (n_frames,), dtype float32
        Lag-0 autocorrelation (in-band energy, DC removed); 0 for silent frames.
    """
    n_frames = len(power)
    band = power[:, : plan.n_band] * plan.taper
    acf = scipy.fft.irfft(band, n=plan.n_lags, axis=1)
    band_power = acf[:, 0]
    loud = band_power > plan.silent_power
    band_power = np.where(loud, band_power, np.float32(0))
    if plan.last_lag <= plan.first_lag:
        zeros = np.zeros(n_frames, dtype=np.float32)
        return zeros, zeros.copy(), band_power
    lags = acf[:, plan.first_lag - 1 : plan.last_lag + 2] * plan.inverse_window
    lags *= np.divide(1, band_power, out=np.zeros_like(band_power), where=loud)[:, None]
    left, middle, right = lags[:, :-2], lags[:, 1:-1], lags[:, 2:]
    # Each lag's local top from a parabola through it and its neighbours: the true
    # peak lies between lags, and comparing sampled values would favour whole periods.
    slope = left - right
    curvature = left + right
    curvature -= middle
    curvature -= middle
    np.minimum(curvature, np.float32(-1e-6), out=curvature)
    offset = np.divide(slope, curvature, out=curvature)
    offset *= np.float32(0.5)
    np.clip(offset, -0.5, 0.5, out=offset)
    top = slope
    top *= offset
    top *= np.float32(-0.25)
    top += middle
    score = np.where((middle > left) & (middle >= right), top - plan.octave_penalty, -np.inf)
    best = np.argmax(score, axis=1)
    rows = np.arange(n_frames)
    found = score[rows, best] > -np.inf
    f0 = np.where(found, plan.lag_rate / (plan.first_lag + best + offset[rows, best]), 0).astype(np.float32)
    periodicity = np.where(found, np.minimum(np.maximum(top[rows, best], 0), 1), 0).astype(np.float32)
    return f0, periodicity, band_power


def mel_decibels(mel: np.ndarray, log_level: float) -> np.ndarray:
    """Mel power in dB on the recording's scale (``log_level``: the block's log RMS, natural)."""
    offset = 20 * log_level / np.log(10) if np.isfinite(log_level) else 0.0
    return 10 * np.log10(np.maximum(mel, np.float32(1e-30))) + np.float32(offset)


def band_level(mel_db: np.ndarray) -> np.ndarray:
    """Mean level (dB) of the mel bands, each floored ``_LEVEL_RANGE_DB`` below the frame's loudest."""
    floor = mel_db.max(axis=1, keepdims=True) - np.float32(_LEVEL_RANGE_DB)
    return np.maximum(mel_db, floor).mean(axis=1, dtype=np.float64)


def onset_strength(mel_db: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """Mean rise (dB) of the mel bands from the previous frame; 0 for the very first frame.

    Bands are floored ``_ONSET_RANGE_DB`` below the louder frame of each pair, so
    the value depends on neither the level nor the block a frame was scaled in.
    """
    first = mel_db[:1] if previous is None else previous[None, :]
    stacked = np.concatenate([first, mel_db])
    loudest = stacked.max(axis=1)
    floor = (np.maximum(loudest[1:], loudest[:-1]) - np.float32(_ONSET_RANGE_DB))[:, None]
    rise = np.maximum(stacked[1:], floor) - np.maximum(stacked[:-1], floor)
    return np.maximum(rise, 0).mean(axis=1, dtype=np.float64)


def window_reduce(values: np.ndarray, length: int, ufunc) -> np.ndarray:
    """``out[s] = ufunc.reduce(values[s:s + length], axis=0)`` for an idempotent ufunc
    (``np.logical_and``, ``np.maximum``, ...), by doubling: about log2(length) passes."""
    if len(values) < length:
        return values[:0]
    out, span = values, 1
    while 2 * span <= length:
        out = ufunc(out[:-span], out[span:])
        span *= 2
    if span < length:
        rest = length - span
        out = ufunc(out[: len(out) - rest], out[rest:])
    return out


def window_all(mask: np.ndarray, length: int) -> np.ndarray:
    """``out[s] = mask[s:s + length].all(axis=0)``."""
    return window_reduce(mask, length, np.logical_and)


def window_any(mask: np.ndarray, length: int) -> np.ndarray:
    """``out[s] = mask[s:s + length].any(axis=0)``."""
    return window_reduce(mask, length, np.logical_or)


class LongPeakCounter:
    """Per frame, the peaks on ridges lasting at least ``min_frames`` frames.

    A ridge at bin ``b`` is a run of frames each holding a peak at ``b - 1``,
    ``b`` or ``b + 1``; a peak counts when the ridge through it is long enough.
    Frames are counted once ``min_frames - 1`` successors are known (or at the
    end), so feeding the peaks in blocks gives the counts of the whole.

    Parameters
    ----------
    min_frames : int
        Shortest ridge that counts.
    batch : int, default=1024
        Frames gathered before counting; bounds the pending memory.
    """

    def __init__(self, min_frames: int, batch: int = 1024):
        self.min_frames = max(1, int(min_frames))
        self.batch = max(batch, 2 * self.min_frames)
        self._context: np.ndarray | None = None  # ridge masks of counted frames needed as look-back
        self._pending_ridges: list[np.ndarray] = []
        self._pending_peaks: list[np.ndarray] = []
        self._counted: list[np.ndarray] = []
        self.n_pending = 0

    def add(self, peaks: np.ndarray) -> None:
        """Add the peak masks (n_frames, n_bins) of the next frames."""
        ridges = peaks.copy()
        ridges[:, 1:] |= peaks[:, :-1]
        ridges[:, :-1] |= peaks[:, 1:]
        self._pending_ridges.append(ridges)
        self._pending_peaks.append(peaks)
        self.n_pending += len(peaks)
        if self.n_pending >= self.batch:
            counts, keep = self._count(final=False)
            self._counted.append(counts)
            ridges_all = np.concatenate(self._pending_ridges)
            before = 0 if self._context is None else len(self._context)
            extended = ridges_all if self._context is None else np.concatenate([self._context, ridges_all])
            done = before + len(ridges_all) - keep
            self._context = extended[max(0, done - (self.min_frames - 1)) : done].copy()
            self._pending_ridges = [ridges_all[len(ridges_all) - keep :]]
            self._pending_peaks = [np.concatenate(self._pending_peaks)[len(ridges_all) - keep :]]
            self.n_pending = keep

    def counts(self) -> np.ndarray:
        """Long-ridge peak counts of every frame added, as if the recording ended here."""
        final, _ = self._count(final=True)
        return np.concatenate([*self._counted, final]).astype(np.int64)

    def _count(self, final: bool) -> tuple[np.ndarray, int]:
        """Counts of the pending frames that can be settled, and how many stay pending."""
        if not self._pending_ridges:
            return np.zeros(0, dtype=np.int64), 0
        ridges = np.concatenate(self._pending_ridges)
        peaks = np.concatenate(self._pending_peaks)
        before = 0 if self._context is None else len(self._context)
        extended = ridges if self._context is None else np.concatenate([self._context, ridges])
        length = self.min_frames
        if len(extended) >= length:
            padding = np.zeros((length - 1, extended.shape[1]), dtype=bool)
            padded = np.concatenate([padding, window_all(extended, length), padding])
            on_long = window_any(padded, length)[before:]
        else:
            on_long = np.zeros_like(ridges)
        keep = 0 if final else min(len(ridges), length - 1)
        settled = len(ridges) - keep
        counts = row_counts(on_long[:settled] & peaks[:settled])
        return counts, keep
