"""Boundary refinement: move a segment boundary to where the audio actually changes."""

from __future__ import annotations

import numpy as np

from ._audio_features import FrameSettings
from ._audio_io import read_region
from ._spectral import hann_window, mel_power

# Frames this far below the loudest one near a boundary count as a pause; each
# regime of a boundary's change-point search needs this many audible frames.
_PAUSE_BELOW_PEAK_DB = 60.0
_MIN_FRAMES_PER_SIDE = 8


def change_point(
    audio,
    low: float,
    high: float,
    settings: FrameSettings,
    *,
    expected: float | None = None,
    spread: float = 1.0,
    context: float | tuple[float, float] = 0.0,
) -> float:
    """Time in ``[low, high]`` that best splits the audio into two Gaussian regimes.

    The log-likelihood of diagonal Gaussians fitted to the frames' log-mel
    spectra on either side (the BIC change-point criterion of speaker
    segmentation), divided by the number of audible frames in ``[low, high]``
    (at least 16), plus the log of a Gaussian prior on the time when the
    change is ``expected`` somewhere, maximised over every frame boundary.

    Parameters
    ----------
    audio : str, path-like or tuple
        The recording.
    low, high : float
        Seconds between which the boundary may move.
    settings : FrameSettings
        Framing of the analysis.
    expected : float or None, default=None
        Where the change is expected, in seconds; None for no preference.
    spread : float, default=1.0
        Standard deviation of the prior around ``expected``, in seconds.
    context : float or (float, float), default=0.0
        Seconds of audio beyond each end of the range (one value for both, or
        ``(before, after)``) that the two regimes are fitted on too; the change
        is still sought in ``[low, high]`` only.
        Regimes fitted on the range alone follow whatever changes inside it (the
        next recording in a run of sound effects); more of each side's audio
        makes them describe the two sounds.

    Returns
    -------
    time : float
        The boundary, in seconds; the middle of the range when the audio there
        is too short or too quiet to decide.
    """
    rate, length, hop = settings.sample_rate, settings.frame_length, settings.hop_length
    before, after = context if isinstance(context, tuple) else (float(context), float(context))
    start = max(0.0, low - before - length / rate)
    region = read_region(audio, start, high + after + length / rate, rate)
    if region.size < 4 * length:
        return (low + high) / 2
    # Scaled by the peak (a power of two, exact): float32 power cannot overflow.
    peak = float(np.max(np.abs(region)))
    region = np.ldexp(region, -int(np.frexp(peak)[1])) if peak > 0 else region
    frames = np.lib.stride_tricks.sliding_window_view(region, length)[::hop] * hann_window(length)
    spectrum = np.fft.rfft(frames, axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    log_mel = np.log(mel_power(power, rate, length, settings.n_mels).astype(np.float64) + 1e-10)
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
    # Per frame of the range, so that the prior weighs the same however much context there is.
    score /= max(int(np.count_nonzero((times >= low) & (times <= high))), 2 * _MIN_FRAMES_PER_SIDE)
    if expected is not None:
        score -= 0.5 * ((split_times - expected) / spread) ** 2
    allowed = (split_times >= low) & (split_times <= high)
    allowed &= (k >= _MIN_FRAMES_PER_SIDE) & (n - k >= _MIN_FRAMES_PER_SIDE)
    if not allowed.any():
        return (low + high) / 2
    return float(split_times[np.flatnonzero(allowed)[np.argmax(score[allowed])]])
