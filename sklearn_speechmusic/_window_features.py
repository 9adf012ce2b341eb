"""Features of every sliding window of a long recording, each frame analysed once.

:func:`clip_features` on a window spectrally analyses every frame of it; with
3 s windows 0.5 s apart each frame would be analysed six times. Here the frame
values (spectrum, mel bands, peaks, level, pitch, onsets) are computed once for
the whole recording, and each window's summary is assembled from them (the
voice/music features and ``level_dbfs`` in ``_window_voice_music``): the same
features as :func:`clip_features` of the window's samples, up to float32
rounding, and one approximation documented by ``FeatureAccumulator`` too: the
spectra are computed on stretches of ``_FRAMES_PER_PASS`` frames (cut at the
same frames whatever the blocks read) scaled to unit RMS, so the -100 dB floor
of the flatness, centroid and peak picking is relative to the stretch's level
rather than the window's (this matters only for frequency bins more than 100 dB
below the level).

Windows start on the frame grid: ``window`` and ``hop`` are whole numbers of
analysis hops. :func:`supports` says whether a feature set and framing are the
ones implemented here; when they are not the segmenter falls back to
:func:`clip_features` per window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft

from ._audio_features import FrameSettings, feature_names
from ._spectral import (
    EPSILON,
    LONG_PEAK_FRAMES,
    fft_frequencies,
    hann_window,
    mel_power,
    ridge_counts,
    rolloff_bins,
    spectral_peaks,
)
from ._voice_music_features import voice_music_feature_names
from ._window_grid import LongPeakTable, stretches
from ._window_voice_music import VoiceFrames, VoiceSeries, bed_ridge_frames, window_voice_features

# The constants of the features (``_audio_features`` and ``_spectral``); the
# test suite checks these features against clip_features window by window.
_TOP_DB = 80.0
_ROLLOFF_SHARE = 0.85
_ACTIVE_FRAME_DB = -30.0
_RMS_FLOOR = 1e-5
_SYLLABIC_BAND_HZ = (2.0, 8.0)
_FRAMES_PER_PASS = 1024
_WINDOWS_PER_PASS = 256
_FLOAT32_MAX = float(np.finfo(np.float32).max)
# The features computed here besides the MFCC statistics, in column order.
_IMPLEMENTED = (
    "rms_db_mean",
    "rms_db_std",
    "rms_cv",
    "low_energy_share",
    "modulation_4hz_ratio",
    "modulation_4hz_depth",
    "zcr_mean",
    "zcr_std",
    "spectral_centroid_mean",
    "spectral_centroid_std",
    "spectral_rolloff_mean",
    "spectral_rolloff_std",
    "spectral_flatness_mean",
    "spectral_flatness_std",
    "spectral_flux_mean",
    "spectral_flux_var",
    "tonal_persistence",
    "tonal_persistence_long",
)


def supports(settings: FrameSettings, names) -> bool:
    """Whether these features and this framing are the ones computed here.

    Parameters
    ----------
    settings : FrameSettings
        The extractor's framing.
    names : sequence of str
        The extractor's feature names, in order.

    Returns
    -------
    supported : bool
    """
    expected = feature_names(settings.n_mfcc)
    mfcc = [f"mfcc_{k}_{stat}" for stat in ("mean", "std", "delta_std") for k in range(settings.n_mfcc)]
    implemented = [*_IMPLEMENTED, *mfcc, *voice_music_feature_names(), "level_dbfs"]
    return list(names) == expected == implemented and settings.frame_length % settings.hop_length == 0


@dataclass
class FrameValues:
    """Per-frame values of a recording (frame ``i`` covers samples ``i * hop`` to ``i * hop + length``)."""

    chunk_energy: np.ndarray  # float64 energy of every hop of samples
    log_gain: np.ndarray  # natural log of the gain each frame's spectrum was computed at
    rms: np.ndarray  # frame RMS at that gain
    zcr: np.ndarray
    centroid: np.ndarray
    rolloff: np.ndarray
    flatness: np.ndarray
    mel: np.ndarray  # (n_frames, n_mels) mel power at the gain
    ridges: np.ndarray  # (n_frames, 3) peak and ridge counts
    flux: np.ndarray  # (n_frames - 1,) spectral flux between consecutive frames
    voice: VoiceSeries  # the voice/music features' per-frame values


def frame_values(blocks, settings: FrameSettings) -> tuple[FrameValues, int]:
    """Analyse every frame of a recording given as consecutive blocks of samples.

    Parameters
    ----------
    blocks : iterable of ndarray
        Consecutive mono blocks at ``settings.sample_rate``.
    settings : FrameSettings
        Framing.

    Returns
    -------
    frames : FrameValues
        The per-frame values.
    n_samples : int
        Samples in the recording.
    """
    length, hop, rate = settings.frame_length, settings.hop_length, settings.sample_rate
    parts: dict[str, list] = {
        name: [] for name in ("log_gain", "rms", "zcr", "centroid", "rolloff", "flatness", "mel")
    }
    chunk_energy: list[np.ndarray] = []
    ridge_parts: list[np.ndarray] = []
    flux_parts: list[np.ndarray] = []
    previous_shape = np.zeros((0, settings.n_mels))
    peak_tail = np.zeros((0, length // 2 - 1), dtype=bool)
    frequencies = fft_frequencies(rate, length)
    window = hann_window(length)
    ratio = length // hop
    voice = VoiceFrames(rate, length, hop)
    passes: dict = {"n_samples": 0}
    for segment, count in stretches(blocks, length, hop, _FRAMES_PER_PASS, passes):
        # Energy of each hop of samples (the last frame's tail is the next pass's head).
        hops = segment.reshape(-1, hop)
        hop_energy = np.einsum("ij,ij->i", hops, hops, dtype=np.float64)
        chunk_energy.append(hop_energy[:count])
        energy = float(hop_energy.sum())
        log_level = 0.5 * np.log(energy / segment.size) if energy > 0 else -np.inf
        gain = float(np.exp(-log_level)) if np.isfinite(log_level) else 1.0
        frame_energy = sum(hop_energy[k : k + count] for k in range(ratio))
        # Zero crossings: each pair of samples once, summed per hop, then per frame.
        signs = np.signbit(segment)
        changes = np.zeros(segment.size, dtype=bool)
        np.not_equal(signs[1:], signs[:-1], out=changes[:-1])
        per_hop = np.count_nonzero(changes.reshape(-1, hop), axis=1)
        crossings = sum(per_hop[k : k + count] for k in range(ratio))
        crossings = crossings - changes[np.arange(count) * hop + length - 1]
        # Below about 1e-38 the gain itself is beyond float32: scaled in float64 then.
        scaled = (
            segment * np.float32(gain)
            if segment.dtype == np.float32 and gain < _FLOAT32_MAX
            else np.multiply(segment, gain, dtype=np.float64).astype(np.float32)
        )
        frames = np.lib.stride_tricks.sliding_window_view(scaled, length)[::hop][:count]
        spectrum = scipy.fft.rfft(frames * window, axis=1)
        power = spectrum.real**2 + spectrum.imag**2
        magnitude = np.sqrt(power)
        log_power = np.log(np.maximum(power, np.float32(EPSILON)))
        parts["log_gain"].append(np.full(count, np.log(gain)))
        parts["rms"].append(np.sqrt(frame_energy / length) * gain)
        parts["zcr"].append(crossings / length)
        parts["centroid"].append(
            np.einsum("ij,j->i", magnitude, frequencies)
            / np.maximum(magnitude.sum(axis=1), np.float32(EPSILON))
        )
        parts["rolloff"].append(frequencies[rolloff_bins(magnitude, _ROLLOFF_SHARE)])
        parts["flatness"].append(
            np.exp(log_power.mean(axis=1)) / np.maximum(power.mean(axis=1), np.float32(EPSILON))
        )
        mel = mel_power(power, rate, length, settings.n_mels)
        parts["mel"].append(mel)
        # Spectral flux between consecutive frames: the shape of the mel amplitude
        # spectrum, which no gain changes (its floor aside).
        amplitude = np.sqrt(mel.astype(np.float64))
        shape = amplitude / np.maximum(amplitude.sum(axis=1, keepdims=True), EPSILON)
        shape = np.concatenate([previous_shape, shape])
        flux_parts.append(np.sum(np.diff(shape, axis=0) ** 2, axis=1))
        previous_shape = shape[-1:]
        # Ridges need the next frames' peaks: the last few wait for the next pass.
        new_peaks = spectral_peaks(log_power)
        voice.add(power, mel, new_peaks, log_level, hops, hop_energy)
        peaks = np.concatenate([peak_tail, new_peaks])
        ready = max(0, len(peaks) - (LONG_PEAK_FRAMES - 1))
        ridge_parts.append(ridge_counts(peaks, ready).astype(np.int32))
        peak_tail = peaks[ready:]
    pending, n_samples = passes["rest"], passes["n_samples"]
    if not parts["rms"]:
        raise ValueError(f"{n_samples} samples are fewer than one analysis frame ({length}).")
    # The energy of the samples after the last frame's first hop, up to its end.
    tail = (
        pending[: length - hop].astype(np.float64).reshape(-1, hop) if pending.size >= length - hop else None
    )
    if tail is not None:
        chunk_energy.append(np.einsum("ij,ij->i", tail, tail))
    values = {name: np.concatenate(part) for name, part in parts.items()}
    ridges = np.concatenate([*ridge_parts, ridge_counts(peak_tail, len(peak_tail)).astype(np.int32)])
    flux = np.concatenate(flux_parts)
    return (
        FrameValues(
            chunk_energy=np.concatenate(chunk_energy),
            log_gain=values["log_gain"],
            rms=values["rms"],
            zcr=values["zcr"],
            centroid=values["centroid"],
            rolloff=values["rolloff"],
            flatness=values["flatness"],
            mel=values["mel"],
            ridges=ridges,
            flux=flux,
            voice=voice.series(),
        ),
        n_samples,
    )


def window_features(frames: FrameValues, starts: np.ndarray, window_frames: int, settings: FrameSettings):
    """Features of the windows of ``window_frames`` frames starting at ``starts``.

    Parameters
    ----------
    frames : FrameValues
        From :func:`frame_values`.
    starts : ndarray of int
        First frame of each window.
    window_frames : int
        Frames per window (fewer when the recording is shorter).
    settings : FrameSettings
        Framing.

    Returns
    -------
    features : ndarray of shape (n_windows, n_features)
        In the order of :func:`feature_names`.
    level_db : ndarray of shape (n_windows,)
        Level of each window's samples, dB re full scale.
    """
    width = min(window_frames, len(frames.rms))
    ridges = LongPeakTable(
        frames.voice.peaks, frames.voice.n_bins, bed_ridge_frames(settings.frame_rate), starts, width
    )
    rows, levels = [], []
    for first in range(0, len(starts), _WINDOWS_PER_PASS):
        windows = np.arange(first, min(first + _WINDOWS_PER_PASS, len(starts)))
        batch, level = _summarise(frames, starts[windows], width, settings, (ridges, windows))
        rows.append(batch)
        levels.append(level)
    return np.concatenate(rows), np.concatenate(levels)


def _summarise(frames: FrameValues, starts: np.ndarray, width: int, settings: FrameSettings, voice: tuple):
    ratio = settings.frame_length // settings.hop_length
    index = starts[:, None] + np.arange(width)
    # Window energy: its hops of samples, from the first frame's start to the last frame's end.
    cumulative = np.concatenate([[0.0], np.cumsum(frames.chunk_energy)])
    n_chunks = width - 1 + ratio
    energy = cumulative[np.minimum(starts + n_chunks, len(cumulative) - 1)] - cumulative[starts]
    n_samples = (width - 1) * settings.hop_length + settings.frame_length
    with np.errstate(divide="ignore"):
        log_level = 0.5 * (np.log(np.maximum(energy, 0.0)) - np.log(n_samples))
        level_db = 10 * np.log10(np.maximum(energy / n_samples, 1e-20))
    log_gain = frames.log_gain[index]
    finite = np.isfinite(log_level)[:, None] & (frames.rms[index] > 0)
    amplitude = np.where(finite, np.exp(np.where(finite, -log_gain - log_level[:, None], 0.0)), 0.0)
    rms = frames.rms[index] * amplitude
    rms_db = 20 * np.log10(np.maximum(rms, _RMS_FLOOR))
    mean_rms = rms.mean(axis=1)
    values = {
        "rms_db_mean": rms_db.mean(axis=1),
        "rms_db_std": rms_db.std(axis=1),
        "rms_cv": rms.std(axis=1) / np.maximum(mean_rms, EPSILON),
        "low_energy_share": np.where(mean_rms > 0, np.mean(rms < 0.5 * mean_rms[:, None], axis=1), 0.0),
    }
    for name, series in (
        ("zcr", frames.zcr),
        ("spectral_centroid", frames.centroid),
        ("spectral_rolloff", frames.rolloff),
        ("spectral_flatness", frames.flatness),
    ):
        per_frame = series[index].astype(np.float64)
        values[f"{name}_mean"], values[f"{name}_std"] = per_frame.mean(axis=1), per_frame.std(axis=1)
    mel = frames.mel[index]  # (windows, frames, bands) at each frame's gain
    values["modulation_4hz_ratio"], values["modulation_4hz_depth"] = _modulation(
        mel, amplitude, settings.sample_rate / settings.hop_length
    )
    if width < 2 or len(frames.flux) == 0:
        # One frame (a recording of 1024-1535 samples): no change between frames to measure.
        flux = np.zeros((len(starts), 1))
    else:
        flux = frames.flux[np.minimum(starts[:, None] + np.arange(width - 1), len(frames.flux) - 1)]
    values["spectral_flux_mean"], values["spectral_flux_var"] = flux.mean(axis=1), flux.var(axis=1)
    values["tonal_persistence"], values["tonal_persistence_long"] = _persistence(
        frames.ridges[index], rms_db > _ACTIVE_FRAME_DB
    )
    mfcc = _mfcc(frames.mel, index, amplitude, settings.n_mfcc)
    deltas = np.diff(mfcc, axis=1) if width > 1 else np.zeros((len(starts), 1, settings.n_mfcc))
    for k in range(settings.n_mfcc):
        values[f"mfcc_{k}_mean"], values[f"mfcc_{k}_std"] = (
            mfcc[:, :, k].mean(axis=1),
            mfcc[:, :, k].std(axis=1),
        )
        values[f"mfcc_{k}_delta_std"] = deltas[:, :, k].std(axis=1)
    ridges, windows = voice
    values.update(window_voice_features(frames.voice, ridges, windows, amplitude, settings.frame_rate))
    names = feature_names(settings.n_mfcc)
    return np.column_stack([values[name] for name in names]).astype(np.float64), level_db


def _modulation(mel: np.ndarray, amplitude: np.ndarray, frame_rate: float):
    """``syllabic_modulation`` of every window at once."""
    n_windows, n_frames, _ = mel.shape
    if n_frames < 4:
        return np.zeros(n_windows), np.zeros(n_windows)
    modulation_hz = np.fft.rfftfreq(n_frames, 1 / frame_rate)
    in_band = (modulation_hz >= _SYLLABIC_BAND_HZ[0]) & (modulation_hz <= _SYLLABIC_BAND_HZ[1])
    envelopes = np.sqrt(mel) * amplitude.astype(np.float32)[:, :, None]
    envelopes = np.ascontiguousarray(envelopes.transpose(0, 2, 1), dtype=np.float32)
    band_mean = envelopes.mean(axis=2, dtype=np.float64)
    spectrum = scipy.fft.rfft(envelopes - band_mean.astype(np.float32)[:, :, None], axis=2)
    spectrum = (spectrum.real**2 + spectrum.imag**2).astype(np.float64)
    band_energy = spectrum[:, :, in_band].sum(axis=2)
    total_energy = spectrum[:, :, 1:].sum(axis=2)
    weights = band_mean**2
    total_weight = weights.sum(axis=1, keepdims=True)
    ratio = band_energy / np.maximum(total_energy, EPSILON)
    depth = band_energy / (n_frames**2 * np.maximum(weights, EPSILON))
    weights = weights / np.maximum(total_weight, EPSILON)
    silent = total_weight[:, 0] <= 0
    return (
        np.where(silent, 0.0, np.sum(ratio * weights, axis=1)),
        np.where(silent, 0.0, np.sum(depth * weights, axis=1)),
    )


def _mfcc(mel: np.ndarray, index: np.ndarray, amplitude: np.ndarray, n_mfcc: int) -> np.ndarray:
    """librosa's MFCCs of every frame of every window, clipped ``_TOP_DB`` below each window's peak.

    The decibels of a frame in a window are its own plus the window's gain, so
    their DCT is the frame's own DCT with the gain added to coefficient 0;
    only frames that reach the window's clipping floor are transformed again.
    """
    first = int(index[0, 0])
    span = mel[first : int(index[-1, -1]) + 1].astype(np.float64)
    with np.errstate(divide="ignore"):
        own_db = 10 * np.log10(span)
        gain_db = np.where(amplitude > 0, 20 * np.log10(np.where(amplitude > 0, amplitude, 1.0)), -np.inf)
    local = index - first
    n_bands = mel.shape[1]
    top = own_db.max(axis=1)[local] + gain_db
    floor_db = np.maximum(10 * np.log10(np.maximum(10 ** (top.max(axis=1) / 10), EPSILON)) - _TOP_DB, -100.0)
    clipped = own_db.min(axis=1)[local] + gain_db < floor_db[:, None]
    finite = np.isfinite(own_db).all(axis=1)
    transform = scipy.fft.dct(np.where(np.isfinite(own_db), own_db, 0.0), type=2, norm="ortho", axis=1)[
        :, :n_mfcc
    ]
    mfcc = transform[local]
    mfcc[:, :, 0] += np.where(np.isfinite(gain_db), gain_db, 0.0) * np.sqrt(n_bands)
    redo = clipped | ~finite[local] | ~np.isfinite(gain_db)
    if redo.any():
        windows, frames = np.nonzero(redo)
        decibels = np.maximum(
            own_db[local[windows, frames]] + gain_db[windows, frames, None], floor_db[windows, None]
        )
        mfcc[windows, frames] = scipy.fft.dct(decibels, type=2, norm="ortho", axis=1)[:, :n_mfcc]
    return mfcc


def _persistence(counts: np.ndarray, active: np.ndarray):
    """``persistence_shares`` of every window at once."""
    n_windows, n_frames = active.shape
    shares = []
    for column, step in ((1, 1), (2, LONG_PEAK_FRAMES - 1)):
        if n_frames <= step:
            shares.append(np.zeros(n_windows))
            continue
        starts = n_frames - step
        all_active = np.lib.stride_tricks.sliding_window_view(active, step + 1, axis=1).all(axis=2)
        peaks = np.sum(counts[:, :starts, 0] * active[:, :starts], axis=1)
        ridges = np.sum(counts[:, :starts, column] * all_active, axis=1)
        shares.append(np.where(peaks > 0, ridges / np.maximum(peaks, 1), 0.0))
    return shares[0], shares[1]
