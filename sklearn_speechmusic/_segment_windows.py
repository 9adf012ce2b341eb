"""The windows of a long recording: their features, levels and the short-frame levels.

Audio comes block by block from ``_audio_io``. When the pipeline's features are
the ones ``_window_features`` assembles from frame values (the packaged
model's), every frame is analysed once; otherwise each window goes through
:func:`clip_features` on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._audio_features import FrameSettings, clip_features
from ._audio_io import InvalidAudioError, describe_source, resampled_blocks, shorter_than_a_frame
from ._window_features import frame_values, supports, window_features
from ._window_grid import window_starts


@dataclass
class Windows:
    """Features of every window, and the recording's level frame by frame.

    Attributes
    ----------
    features : ndarray of shape (n_windows, n_features)
    starts, lengths : ndarray of shape (n_windows,)
        First sample and samples of each window.
    level_db : ndarray of shape (n_windows,)
        Level of each window, dB re full scale.
    duration : float
        Seconds of audio.
    frame_level_db : ndarray of shape (n_frames,)
        Level of each analysis frame (``frame_length`` samples every
        ``hop_length``), dB re full scale.
    """

    features: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    level_db: np.ndarray
    duration: float
    frame_level_db: np.ndarray


def read_windows(
    audio, settings: FrameSettings, names, *, window: float, hop: float, block_seconds: float, progress: bool
) -> Windows:
    """Features and levels of the windows of ``window`` seconds every ``hop`` seconds.

    Parameters
    ----------
    audio : str, path-like or tuple
        The recording.
    settings : FrameSettings
        The extractor's framing.
    names : sequence of str
        The extractor's feature names.
    window, hop : float
        Seconds per window and between window starts. On the fast path both
        are rounded to whole analysis hops.
    block_seconds : float
        Seconds decoded at a time.
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    windows : Windows

    Raises
    ------
    FileNotFoundError, InvalidAudioError
        As the audio reader; also when the recording is shorter than one frame.
    """
    rate = settings.sample_rate
    blocks = resampled_blocks(audio, rate, min_samples=settings.frame_length, block_seconds=block_seconds)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=round(_duration(audio), 1), desc="Segmenting", unit="s")
        blocks = _counted(blocks, bar, rate)
    meter = _LevelMeter(settings)
    try:
        if supports(settings, names):
            return _from_frames(audio, blocks, settings, window, hop)
        return _window_by_window(audio, meter.metered(blocks), settings, meter, window, hop)
    finally:
        if bar is not None:
            bar.close()


def _from_frames(audio, blocks, settings, window, hop) -> Windows:
    length, step = settings.frame_length, settings.hop_length
    counted = [0]

    def counting(blocks):
        for block in blocks:
            counted[0] += block.size
            yield block

    try:
        frames, n_samples = frame_values(counting(blocks), settings)
    except InvalidAudioError:
        raise
    except ValueError:  # fewer samples than one frame
        raise _too_short(audio, counted[0], settings) from None
    window_frames = max(1, int(round((window * settings.sample_rate - length) / step)) + 1)
    hop_frames = max(1, int(round(hop * settings.sample_rate / step)))
    starts = window_starts(len(frames.rms), window_frames, hop_frames)
    features, levels = window_features(frames, starts, window_frames, settings)
    width = min(window_frames, len(frames.rms))
    return Windows(
        features=features,
        starts=starts * step,
        lengths=np.full(len(starts), (width - 1) * step + length),
        level_db=levels,
        duration=n_samples / settings.sample_rate,
        frame_level_db=_frame_levels(frames.chunk_energy, settings),
    )


def _window_by_window(audio, blocks, settings, meter, window, hop) -> Windows:
    rate = settings.sample_rate
    length = max(1, int(round(window * rate)))
    hop_samples = max(1, int(round(hop * rate)))
    rows, starts, levels = [], [], []
    buffer = np.zeros(0, dtype=np.float32)
    buffer_start = 0  # sample index of buffer[0] in the recording
    next_start = 0
    for block in blocks:
        buffer = np.concatenate([buffer, block])
        while next_start + length <= buffer_start + buffer.size:
            piece = buffer[next_start - buffer_start : next_start - buffer_start + length]
            rows.append(clip_features(piece, settings))
            starts.append(next_start)
            levels.append(_level_db(piece))
            next_start += hop_samples
        # Keep the last full window's worth: the recording may end next block.
        keep_from = min(next_start, buffer_start + buffer.size - length)
        if keep_from > buffer_start:
            buffer = buffer[keep_from - buffer_start :]
            buffer_start = keep_from
    end = buffer_start + buffer.size
    if end < settings.frame_length:
        raise _too_short(audio, end, settings)
    lengths = [length] * len(starts)
    if not starts or starts[-1] + length < end:
        # The tail (or a recording shorter than one window): one more window ending at the end.
        first = max(buffer_start, end - length)
        piece = buffer[first - buffer_start :]
        rows.append(clip_features(piece, settings))
        starts.append(first)
        lengths.append(piece.size)
        levels.append(_level_db(piece))
    return Windows(
        features=np.array(rows),
        starts=np.array(starts),
        lengths=np.array(lengths),
        level_db=np.array(levels),
        duration=end / rate,
        frame_level_db=meter.frame_level_db(),
    )


class _LevelMeter:
    """Energy of every hop of samples of the blocks that pass through :meth:`metered`."""

    def __init__(self, settings: FrameSettings):
        self.settings = settings
        self.n_samples = 0
        self._energies: list[np.ndarray] = []
        self._pending = np.zeros(0, dtype=np.float64)

    def metered(self, blocks):
        hop = self.settings.hop_length
        for block in blocks:
            self.n_samples += block.size
            samples = np.concatenate([self._pending, block.astype(np.float64)])
            whole = samples[: samples.size // hop * hop].reshape(-1, hop)
            self._energies.append(np.einsum("ij,ij->i", whole, whole))
            self._pending = samples[whole.size :]
            yield block

    def frame_level_db(self) -> np.ndarray:
        """Level of every analysis frame, from the energies of the hops it spans."""
        energies = np.concatenate(self._energies) if self._energies else np.zeros(0)
        if energies.size < max(1, int(round(self.settings.frame_length / self.settings.hop_length))):
            return np.full(1, _level_db(self._pending.astype(np.float32)) if self._pending.size else -200.0)
        return _frame_levels(energies, self.settings)


def _frame_levels(hop_energies: np.ndarray, settings: FrameSettings) -> np.ndarray:
    """Level (dB re full scale) of every frame, from the energies of consecutive hops of samples."""
    span = max(1, int(round(settings.frame_length / settings.hop_length)))
    cumulative = np.concatenate([[0.0], np.cumsum(hop_energies)])
    frame_energy = cumulative[span:] - cumulative[:-span]
    return (10 * np.log10(np.maximum(frame_energy / (span * settings.hop_length), 1e-20))).astype(np.float32)


def _level_db(window: np.ndarray) -> float:
    power = float(np.einsum("i,i->", window, window, dtype=np.float64)) / max(window.size, 1)
    return 10 * np.log10(max(power, 1e-20))


def _too_short(audio, n_samples: int, settings: FrameSettings) -> InvalidAudioError:
    rate = settings.sample_rate
    return InvalidAudioError(
        shorter_than_a_frame(describe_source(audio), n_samples, rate, settings.frame_length, rate)
        + "); nothing to segment."
    )


def _counted(blocks, bar, rate):
    for block in blocks:
        yield block
        bar.update(round(block.size / rate, 1))


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
