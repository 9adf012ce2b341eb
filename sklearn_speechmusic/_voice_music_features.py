"""Voice/music features from physics: held pitch, vibrato, voicing runs, HNR, beat, tonal bed.

These are the descriptors of issue 18 for the hard cases: singing (held notes,
vibrato, long voiced vowels), solo instruments (clean harmonics, repeating
beats) and speech over a music bed (sustained tones under syllabic
modulation). Each is computed from the spectra that
:class:`~sklearn_speechmusic._audio_features.FeatureAccumulator` already has,
is level-invariant (the level enters only through differences of logarithms
and thresholds relative to the recording's mean), and is finite for every
finite input: silence and a constant (DC) signal have no active frames and
give the documented "nothing there" values (0, and -10 dB for the HNR).

:class:`VoiceMusicAccumulator` takes the frames block by block. Per frame it
keeps six numbers (pitch, periodicity, in-band level, onset strength, spectral
peaks and long-ridge peaks: ~1 MB per hour), and the summaries are those of
the whole recording: frames are analysed on their own, the onset strength
across a block boundary is brought to one scale with the blocks' levels (and
floored relative to the frames compared, not to a block), ridges wait for their
look-ahead, and the summaries run over the whole per-frame series. Blocks
change only float32 rounding.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from ._spectral import EPSILON, hann_window, log_energy, log_sum_exp, mel_power, spectral_peaks
from ._voice_music_frames import (
    LongPeakCounter,
    band_level,
    frame_pitch,
    mel_decibels,
    onset_strength,
    pitch_plan,
    window_all,
    window_any,
    window_reduce,
)

#: One line per feature, in column order: what it measures and why it separates speech from music.
VOICE_MUSIC_FEATURE_DESCRIPTIONS: dict[str, str] = {
    "pitch_stability": "share of voiced frames whose smoothed pitch stays within a semitone for 0.3 s: "
    "sung and played notes hold, speech glides",
    "vibrato_strength": "share of the pitch's movement at 4-7 Hz over 0.75-s voiced stretches, movements "
    "under 0.1 semitone discounted: sung vibrato",
    "voiced_run_median_s": "median duration (s, at most 2) of voiced segments: syllables are short, "
    "notes and sung vowels long",
    "voiced_long_run_share": "share of voiced time in segments of 0.5 s or more: speech rarely voices "
    "that long",
    "hnr_db": "mean harmonic-to-noise ratio of the active frames (dB, -10 to 40): held tones are clean, "
    "speech has noisy consonants",
    "beat_periodicity": "height of the onset envelope's autocorrelation peak at 0.25-2 s lags (3-s windows): "
    "music repeats a beat, speech does not",
    "tonal_bed_share": "share of active frames with two or more spectral peaks on 1-s ridges: a sustained "
    "tonal bed",
    "tonal_bed_under_speech": "share of active frames with a 1-s tonal bed whose level pulses at 2-8 Hz "
    "(syllables): speech over a music bed",
}

# Frames within this many dB of the recording's mean in-band power are active.
ACTIVE_DB = -30.0
# A frame is voiced when its normalised autocorrelation reaches this (Praat uses 0.45).
VOICING_THRESHOLD = 0.5
HNR_RANGE_DB = (-10.0, 40.0)
# Pitch stability: smoothing over about one vibrato cycle, then a semitone over 0.3 s.
PITCH_SMOOTHING_S = 0.1
STABLE_SPAN_S = 0.3
STABLE_SEMITONES = 1.0
# Vibrato: 4-7 Hz in 0.75-s stretches; pitch movement under this rms (semitones) is discounted.
VIBRATO_SPAN_S = 0.75
VIBRATO_BAND_HZ = (4.0, 7.0)
VIBRATO_FLOOR_SEMITONES = 0.1
# Voiced runs shorter than this many frames are pitch-tracker flicker, not segments.
MIN_RUN_FRAMES = 3
LONG_RUN_S = 0.5
MAX_RUN_S = 2.0
# Beat spectrum: autocorrelation of the onset envelope in 3-s windows, half overlapping.
BEAT_WINDOW_S = 3.0
BEAT_LAGS_S = (0.25, 2.0)
BEAT_FLOOR_DB = 0.2
# Tonal bed: ridges of 1 s below the pitch band's top; syllabic weight from 1-s envelope modulation.
BED_SPAN_S = 1.0
BED_MIN_PEAKS = 2
SYLLABIC_BAND_HZ = (2.0, 8.0)
SYLLABIC_SPAN_S = 1.0
SYLLABIC_DEPTH_DB = (1.5, 3.5)
SYLLABIC_RANGE_DB = 60.0  # rms of the 2-8 Hz level pulsing mapped linearly to weights 0 .. 1


def voice_music_feature_names() -> list[str]:
    """Names of the voice/music features, in column order."""
    return list(VOICE_MUSIC_FEATURE_DESCRIPTIONS)


class VoiceMusicAccumulator:
    """Voice/music features of a recording fed as consecutive chunks of frames.

    Parameters
    ----------
    sample_rate : int
        Sample rate in Hz.
    frame_length : int
        Samples per frame (the FFT size of the spectra passed to :meth:`add`).
    hop_length : int
        Samples between frame starts.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic._audio_features import FrameSettings
    >>> from sklearn_speechmusic._voice_music_features import waveform_voice_music_features
    >>> t = np.arange(3 * 22050) / 22050
    >>> tone = sum(np.sin(2 * np.pi * 220 * k * t) / k for k in range(1, 6))
    >>> features = waveform_voice_music_features(tone, FrameSettings(22050, 1024, 512, 13, 40))
    >>> features["pitch_stability"], features["hnr_db"] > 20
    (1.0, True)
    """

    def __init__(self, sample_rate: int, frame_length: int, hop_length: int):
        self.frame_rate = sample_rate / hop_length
        self._plan = pitch_plan(sample_rate, frame_length)
        # Tonal-bed peaks: inner bins (index i is bin i + 1) from the DC cut to the band's top.
        self._peak_columns = slice(self._plan.dc_bins - 1, self._plan.n_band - 1)
        self._ridges = LongPeakCounter(max(2, round(BED_SPAN_S * self.frame_rate)))
        self._series: dict[str, list[np.ndarray]] = {
            name: [] for name in ("f0", "periodicity", "log_power", "level_db", "onset")
        }
        self._last_mel_db: np.ndarray | None = None
        self.n_frames = 0

    def add(self, power: np.ndarray, mel: np.ndarray, peaks: np.ndarray, log_level: float) -> None:
        """Analyse the next frames.

        Parameters
        ----------
        power : ndarray of shape (n_frames, frame_length // 2 + 1)
            Power spectra of the Hann-windowed frames, on the block's scale.
        mel : ndarray of shape (n_frames, n_mels)
            Mel power of the same frames, same scale.
        peaks : ndarray of shape (n_frames, frame_length // 2 - 1), dtype bool
            :func:`~sklearn_speechmusic._spectral.spectral_peaks` of the frames' log power.
        log_level : float
            Natural log of the block's RMS (its frames were scaled by its inverse);
            -inf for a silent block.
        """
        if not len(power):
            return
        f0, periodicity, _ = frame_pitch(power, self._plan)
        offset = 2 * log_level if np.isfinite(log_level) else 0.0
        with np.errstate(divide="ignore"):
            log_power = np.log(mel.sum(axis=1, dtype=np.float64)) + offset
        mel_db = mel_decibels(mel, log_level)
        bed_peaks = peaks[:, self._peak_columns]
        series = self._series
        series["f0"].append(f0)
        series["periodicity"].append(periodicity)
        series["log_power"].append(log_power)
        series["level_db"].append(band_level(mel_db))
        series["onset"].append(onset_strength(mel_db, self._last_mel_db))
        self._ridges.add(bed_peaks)
        self._last_mel_db = mel_db[-1].copy()
        self.n_frames += len(power)

    def features(self) -> dict[str, float]:
        """The features of every frame added so far (more can be added afterwards)."""
        if self.n_frames == 0:
            return _empty_features()
        series = {name: np.concatenate(parts) for name, parts in self._series.items()}
        series["long_peaks"] = self._ridges.counts()
        return summarise(series, self.frame_rate)


def summarise(series: dict[str, np.ndarray], frame_rate: float) -> dict[str, float]:
    """The features from per-frame series (the columns :class:`VoiceMusicAccumulator` keeps).

    Parameters
    ----------
    series : dict of str to ndarray of shape (n_frames,)
        ``f0`` (Hz, 0 unvoiced), ``periodicity`` (0-1), ``log_power`` (natural
        log of the frame's mel power on one scale, -inf when silent), ``level_db``
        (mean mel-band level, dB), ``onset`` (dB) and ``long_peaks`` (spectral
        peaks on 1-s ridges).
    frame_rate : float
        Frames per second.

    Returns
    -------
    features : dict of str to float
        Finite values, keys in the order of :func:`voice_music_feature_names`.
    """
    log_power = series["log_power"]
    loud = np.isfinite(log_power)
    if not loud.any():
        return _empty_features()
    log_mean = log_sum_exp(log_power[loud]) - np.log(len(log_power))
    active = log_power >= log_mean + ACTIVE_DB * np.log(10) / 10
    periodicity = series["periodicity"]
    voiced = active & (periodicity >= VOICING_THRESHOLD)
    values = dict.fromkeys(VOICE_MUSIC_FEATURE_DESCRIPTIONS, 0.0)
    lengths = _run_lengths(voiced)
    if lengths.size:
        ordered = np.sort(lengths)
        median = 0.5 * (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2])
        values["voiced_run_median_s"] = min(float(median) / frame_rate, MAX_RUN_S)
        values["voiced_long_run_share"] = lengths[lengths >= LONG_RUN_S * frame_rate].sum() / lengths.sum()
        semitones = np.zeros(len(voiced))
        semitones[voiced] = 12 * np.log2(series["f0"][voiced] / np.float32(440))
        longest = lengths.max()
        values["pitch_stability"] = pitch_stability(semitones, voiced, frame_rate, longest)
        values["vibrato_strength"] = vibrato_strength(semitones, voiced, frame_rate, longest)
    # The periodicity at the limits of the HNR range: 10 log10(p / (1 - p)) = -10 and 40 dB.
    low, high = (1 / (1 + 10 ** (-limit / 10)) for limit in HNR_RANGE_DB)
    harmonic = np.minimum(np.maximum(periodicity[active].astype(np.float64), low), high)
    values["hnr_db"] = float(np.mean(10 * np.log10(harmonic / (1 - harmonic))))
    values["beat_periodicity"] = beat_periodicity(series["onset"], frame_rate)
    bed = (series["long_peaks"] >= BED_MIN_PEAKS) & active
    n_active = np.count_nonzero(active)
    values["tonal_bed_share"] = np.count_nonzero(bed) / n_active
    if values["tonal_bed_share"]:
        weight = syllabic_weight(series["level_db"], frame_rate)
        values["tonal_bed_under_speech"] = float(np.sum(weight[bed])) / n_active
    return {name: float(value) for name, value in values.items()}


def _empty_features() -> dict[str, float]:
    """Values for a recording without an active frame (silence, DC): nothing voiced, no bed."""
    values = dict.fromkeys(VOICE_MUSIC_FEATURE_DESCRIPTIONS, 0.0)
    values["hnr_db"] = HNR_RANGE_DB[0]
    return values


def _frames(seconds: float, frame_rate: float, minimum: int = 1) -> int:
    return max(minimum, round(seconds * frame_rate))


def _run_lengths(voiced: np.ndarray) -> np.ndarray:
    """Lengths of the runs of voiced frames, those shorter than ``MIN_RUN_FRAMES`` left out."""
    padded = np.zeros(len(voiced) + 2, dtype=bool)
    padded[1:-1] = voiced
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    lengths = edges[1::2] - edges[::2]
    return lengths[lengths >= MIN_RUN_FRAMES]


def pitch_stability(semitones: np.ndarray, voiced: np.ndarray, frame_rate: float, longest: int) -> float:
    """Share of voiced frames inside a voiced span whose smoothed pitch moves at most a semitone
    over 0.3 s (``longest``: the longest voiced run, to skip the work when none is long enough)."""
    smoothing = _frames(PITCH_SMOOTHING_S, frame_rate)
    held = _frames(STABLE_SPAN_S, frame_rate, minimum=2)
    span = held + smoothing - 1  # frames under ``held`` smoothed values
    if longest < span:
        return 0.0
    cumulative = np.cumsum(semitones)
    smoothed = (
        np.diff(cumulative, n=1, prepend=0.0)
        if smoothing == 1
        else (cumulative[smoothing - 1 :] - np.concatenate([[0.0], cumulative[:-smoothing]])) / smoothing
    )
    moves = window_reduce(smoothed, held, np.maximum) - window_reduce(smoothed, held, np.minimum)
    steady = (moves <= STABLE_SEMITONES) & window_all(voiced, span)
    padding = np.zeros(span - 1, dtype=bool)
    stable = window_any(np.concatenate([padding, steady, padding]), span)
    return np.count_nonzero(stable & voiced) / np.count_nonzero(voiced)


def vibrato_strength(semitones: np.ndarray, voiced: np.ndarray, frame_rate: float, longest: int) -> float:
    """Mean share of 4-7 Hz pitch movement in wholly voiced 0.75-s stretches (0 without any)."""
    span = _frames(VIBRATO_SPAN_S, frame_rate, minimum=4)
    if longest < span or not vibrato_band(span, frame_rate).any():
        return 0.0
    starts = np.flatnonzero(window_all(voiced, span))[:: max(1, span // 8)]
    return float(np.mean(stretch_vibrato(semitones[starts[:, None] + np.arange(span)], frame_rate)))


def vibrato_band(span: int, frame_rate: float) -> np.ndarray:
    """Which rfft bins of a ``span``-frame pitch stretch fall in the vibrato band."""
    frequencies = np.fft.rfftfreq(span, 1 / frame_rate)
    return (frequencies >= VIBRATO_BAND_HZ[0]) & (frequencies <= VIBRATO_BAND_HZ[1])


def stretch_vibrato(stretches: np.ndarray, frame_rate: float) -> np.ndarray:
    """Vibrato strength of each row of ``stretches`` (wholly voiced semitone tracks of one span).

    The share of the detrended pitch movement's power in the vibrato band, scaled
    down where the movement is small next to a floor, so a steady note is not vibrato.
    """
    span = stretches.shape[1]
    band = vibrato_band(span, frame_rate)
    time = np.arange(span) - (span - 1) / 2
    slope = np.einsum("ij,j->i", stretches, time) / np.sum(time * time)
    window = hann_window(span).astype(np.float64)
    detrended = (stretches - stretches.mean(axis=1, keepdims=True) - slope[:, None] * time) * window
    spectrum = scipy.fft.rfft(detrended, axis=1)
    spectrum = spectrum.real**2 + spectrum.imag**2
    share = spectrum[:, band].sum(axis=1) / np.maximum(spectrum[:, 1:].sum(axis=1), EPSILON)
    energy = np.einsum("ij,ij->i", detrended, detrended)
    floor = VIBRATO_FLOOR_SEMITONES**2 * float(np.sum(window * window))
    return share * energy / (energy + floor)


def beat_periodicity(onset: np.ndarray, frame_rate: float) -> float:
    """Mean over 3-s windows of the onset autocorrelation's highest peak at 0.25-2 s lags."""
    window = _frames(BEAT_WINDOW_S, frame_rate, minimum=4)
    first = max(1, int(np.ceil(BEAT_LAGS_S[0] * frame_rate)))
    last = min(int(BEAT_LAGS_S[1] * frame_rate), min(window, len(onset)) - 2)
    if last <= first:
        return 0.0
    starts = range(0, max(len(onset) - window, 0) + 1, window // 2)
    total = 0.0
    for start in starts:  # one window per 1.5 s: a loop costs little
        centred = onset[start : start + window] - onset[start : start + window].mean()
        # Lags 0 .. last + 1 of the autocorrelation (np.correlate is direct, no BLAS).
        acf = np.correlate(centred, centred, mode="full")[len(centred) - 1 : len(centred) + last + 1]
        # Normalised with a floor: onset wiggles well under BEAT_FLOOR_DB (a held tone's
        # leakage, silence, DC) carry no rhythm however regular they are.
        acf /= acf[0] + len(centred) * BEAT_FLOOR_DB**2
        left, middle, right = acf[first - 1 : last], acf[first : last + 1], acf[first + 1 : last + 2]
        peaks = middle[(middle > left) & (middle >= right)]
        total += max(float(peaks.max()), 0.0) if peaks.size else 0.0
    return total / len(starts)


def syllabic_weight(level_db: np.ndarray, frame_rate: float) -> np.ndarray:
    """Per frame, 0-1: how strongly the level (dB) pulses at 2-8 Hz in the surrounding second.

    The pulsing is the level smoothed over 1/8 s (above 8 Hz removed) minus it
    smoothed over 1/2 s (below 2 Hz): a band-pass from two moving averages. Its
    rms over a second maps linearly from ``SYLLABIC_DEPTH_DB`` to weights 0 .. 1.
    """
    # Pauses count as 60 dB down at most: digital silence is not a 300-dB syllable.
    envelope = np.maximum(level_db, level_db.max() - SYLLABIC_RANGE_DB)
    fast = _frames(1 / SYLLABIC_BAND_HZ[1], frame_rate)
    slow = _frames(1 / SYLLABIC_BAND_HZ[0], frame_rate)
    slow += (slow - fast) % 2  # both boxes centred on the same frame
    if slow <= fast or len(envelope) < 4:
        return np.zeros(len(envelope))
    kernel = np.full(slow, -1 / slow)
    kernel[(slow - fast) // 2 : (slow + fast) // 2] += 1 / fast
    # Edges repeat the first and last level: a clip's ends are not level steps.
    half = slow // 2
    padded = np.concatenate([np.full(half, envelope[0]), envelope, np.full(slow - 1 - half, envelope[-1])])
    pulsing = np.convolve(padded, kernel, mode="valid")
    box = np.ones(_frames(SYLLABIC_SPAN_S, frame_rate))
    depth = np.sqrt(np.convolve(pulsing**2, box / len(box), mode="same"))
    low, high = SYLLABIC_DEPTH_DB
    return np.minimum(np.maximum((depth - low) / (high - low), 0), 1)


def voice_music_features(
    power: np.ndarray, mel: np.ndarray, sample_rate: int, frame_length: int, hop_length: int
) -> dict[str, float]:
    """Voice/music features of one clip's frames, all at once.

    Parameters
    ----------
    power : ndarray of shape (n_frames, frame_length // 2 + 1)
        Power spectra of the Hann-windowed frames (any common scale).
    mel : ndarray of shape (n_frames, n_mels)
        Mel power of the same frames.
    sample_rate, frame_length, hop_length : int
        The framing.

    Returns
    -------
    features : dict of str to float
        Keys in the order of :func:`voice_music_feature_names`.
    """
    power = np.asarray(power, dtype=np.float32)
    accumulator = VoiceMusicAccumulator(sample_rate, frame_length, hop_length)
    log_power = np.log(np.maximum(power, np.float32(EPSILON)))
    accumulator.add(power, np.asarray(mel, dtype=np.float32), spectral_peaks(log_power), 0.0)
    return accumulator.features()


def waveform_voice_music_features(waveform: np.ndarray, settings, block_samples: int | None = None):
    """Voice/music features of a mono waveform, framed and scaled as the extractor does.

    Parameters
    ----------
    waveform : ndarray of shape (n_samples,)
        Finite samples at ``settings.sample_rate``.
    settings : FrameSettings
        The extractor's framing.
    block_samples : int, default=None
        Analyse in blocks of about this many samples (each scaled to unit
        RMS, as long files are); None for one block.

    Returns
    -------
    features : dict of str to float
        Keys in the order of :func:`voice_music_feature_names`.
    """
    length, hop = settings.frame_length, settings.hop_length
    accumulator = VoiceMusicAccumulator(settings.sample_rate, length, hop)
    waveform = np.asarray(waveform)
    n_frames = (waveform.size - length) // hop + 1 if waveform.size >= length else 0
    per_block = n_frames if block_samples is None else max(1, block_samples // hop)
    for first in range(0, n_frames, max(per_block, 1)):
        count = min(per_block, n_frames - first)
        segment = waveform[first * hop : (first + count - 1) * hop + length]
        log_level = 0.5 * (log_energy(segment) - np.log(segment.size))
        gain = float(np.exp(-log_level)) if np.isfinite(log_level) else 1.0
        scaled = np.multiply(segment, gain, dtype=np.float64).astype(np.float32)
        frames = np.lib.stride_tricks.sliding_window_view(scaled, length)[::hop][:count]
        spectrum = scipy.fft.rfft(frames * hann_window(length), axis=1)
        power = spectrum.real**2 + spectrum.imag**2
        log_power = np.log(np.maximum(power, np.float32(EPSILON)))
        mel = mel_power(power, settings.sample_rate, length, settings.n_mels)
        accumulator.add(power, mel, spectral_peaks(log_power), log_level)
    return accumulator.features()
