"""The grid: stretches of frames analysed together (:func:`stretches`), windows
(:func:`window_starts`), and the peaks on long spectral ridges within each window.

The tonal bed (``_voice_music_features``) counts, per frame, the spectral peaks
on a ridge (a bin whose neighbourhood holds a peak in every frame) of at least
``min_frames`` frames. In a window the ridges stop at its edges, so a peak's
count depends on the window. A ridge run [r0, r1) through a peak at frame t,
clipped to the window of ``width`` frames starting at s, lasts long enough when
``r0 + min_frames - width <= s <= r1 - min_frames``: an interval of window
starts. :class:`LongPeakTable` turns these intervals into a table of, per frame,
the count for each window holding it, with exactly the counts
``LongPeakCounter`` gives for the window's frames alone.

Peaks are kept as bits (:func:`pack_bins`, 64 bins to a word): an hour holds
about 40 million peak flags, and the ridge runs are found word-wise.
"""

from __future__ import annotations

import numpy as np

from ._voice_music_frames import window_reduce


def stretches(blocks, length: int, hop: int, frames: int, state: dict):
    """Consecutive stretches of ``frames`` frames (fewer at the end) as (samples, frame count).

    The stretches, and so the gains their spectra are computed at, are the same whatever
    the blocks. ``state`` receives the samples counted and those after the last frame's start.
    """
    pending = np.zeros(0, dtype=np.float32)
    for block in blocks:
        state["n_samples"] += block.size
        buffer = np.concatenate([pending, block]) if pending.size else np.asarray(block)
        n_frames = (buffer.size - length) // hop + 1 if buffer.size >= length else 0
        ready = n_frames - n_frames % frames
        for first in range(0, ready, frames):
            yield buffer[first * hop : (first + frames - 1) * hop + length], frames
        pending = buffer[ready * hop :]
    n_frames = (pending.size - length) // hop + 1 if pending.size >= length else 0
    if n_frames:
        yield pending[: (n_frames - 1) * hop + length], n_frames
    state["rest"] = pending[n_frames * hop :]


def window_starts(n_frames: int, window_frames: int, hop_frames: int) -> np.ndarray:
    """First frame of every window; a last window ends at the last frame when the grid misses it.

    Examples
    --------
    >>> from sklearn_speechmusic._window_grid import window_starts
    >>> window_starts(10, 4, 3).tolist()
    [0, 3, 6]
    >>> window_starts(11, 4, 3).tolist()
    [0, 3, 6, 7]
    """
    if n_frames <= window_frames:
        return np.zeros(1, dtype=np.intp)
    starts = np.arange(0, n_frames - window_frames + 1, hop_frames)
    if starts[-1] + window_frames < n_frames:
        starts = np.append(starts, n_frames - window_frames)
    return starts


class LongPeakTable:
    """Per frame, and per window holding it, the peaks on ridges of ``min_frames`` within the window.

    Parameters
    ----------
    peaks : ndarray of shape (n_frames, n_words), dtype uint64
        Spectral peaks of every frame, packed by :func:`pack_bins`.
    n_bins : int
        Bins packed.
    min_frames : int
        Shortest ridge that counts.
    starts : ndarray of int
        First frame of each window, ascending.
    width : int
        Frames per window.
    """

    def __init__(self, peaks: np.ndarray, n_bins: int, min_frames: int, starts: np.ndarray, width: int):
        n_frames = len(peaks)
        frames = np.arange(n_frames)
        self.starts, self.width = starts, width
        # Windows holding frame t: indices first[t] .. first[t] + depth - 1 at most.
        self.first = np.searchsorted(starts, frames - width + 1, side="left")
        depth = int(np.max(np.searchsorted(starts, frames, side="right") - self.first, initial=1))
        steps = np.zeros(n_frames * (depth + 1), dtype=np.int64)
        if width >= min_frames and n_frames >= min_frames:
            times, run_start, run_end = long_ridge_peaks(peaks, n_bins, min_frames)
            # The window starts s whose window holds t and the run clipped to it.
            low = np.maximum(times - width + 1, run_start + min_frames - width)
            high = np.minimum(times, run_end - min_frames)
            kept = low <= high
            times = times[kept]
            row = times * (depth + 1) - self.first[times]
            steps += np.bincount(row + np.searchsorted(starts, low[kept]), minlength=steps.size)
            steps -= np.bincount(
                row + np.searchsorted(starts, high[kept], side="right"), minlength=steps.size
            )
        self.table = np.cumsum(steps.reshape(n_frames, depth + 1), axis=1)[:, :depth].astype(np.int32)

    def counts(self, windows: np.ndarray) -> np.ndarray:
        """Long-ridge peak counts of the frames of ``windows`` (indices into ``starts``), (n, width)."""
        times = self.starts[windows][:, None] + np.arange(self.width)
        return self.table[times, windows[:, None] - self.first[times]]


def pack_bins(mask: np.ndarray) -> np.ndarray:
    """Rows of a boolean (n, n_bins) array as bits (bin k: bit k % 64 of word k // 64), (n, n_words)."""
    n_words = -(-mask.shape[1] // 64)
    packed = np.zeros((len(mask), 8 * n_words), dtype=np.uint8)
    packed[:, : -(-mask.shape[1] // 8)] = np.packbits(mask, axis=1, bitorder="little")
    return packed.view("<u8")


def set_bits(words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and bin of every set bit of packed rows, ordered by bin, then row."""
    rows, columns = np.nonzero(words)
    bits = np.unpackbits(
        words[rows, columns].astype("<u8").view(np.uint8).reshape(-1, 8), axis=1, bitorder="little"
    )
    which, bit = np.nonzero(bits)
    rows, bins = rows[which], 64 * columns[which] + bit
    order = np.lexsort((rows, bins))
    return rows[order], bins[order]


def long_ridge_peaks(peaks: np.ndarray, n_bins: int, min_frames: int):
    """Frame, ridge-run start and run end (exclusive) of every peak on a ridge of ``min_frames`` or more.

    ``peaks`` are packed by :func:`pack_bins`; a ridge frame of bin b holds a peak at b - 1, b or b + 1.
    """
    one = np.uint64(1)
    ridges = peaks.copy()
    ridges |= peaks << one  # from bin b - 1
    ridges[:, 1:] |= peaks[:, :-1] >> np.uint64(63)
    ridges |= peaks >> one  # from bin b + 1
    ridges[:, :-1] |= peaks[:, 1:] << np.uint64(63)
    top_bits = n_bins - 64 * (peaks.shape[1] - 1)
    ridges[:, -1] &= np.uint64(2**top_bits - 1)
    spans = window_reduce(
        ridges, min_frames, np.bitwise_and
    )  # spans[s]: bins with ridge frames s .. s + min_frames - 1
    first, last = spans.copy(), spans.copy()
    first[1:] &= ~spans[:-1]
    last[:-1] &= ~spans[1:]
    # Each bin's runs in time order: its k-th first span and k-th last span are one run.
    run_start, run_bin = set_bits(first)
    run_end = set_bits(last)[0] + min_frames
    lengths = run_end - run_start
    run = np.repeat(np.arange(lengths.size), lengths)
    times = run_start[run] + np.arange(run.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    bins = run_bin[run]
    on_peak = (peaks[times, bins // 64] >> (bins % 64).astype(np.uint64)) & one
    run = run[on_peak.astype(bool)]
    return times[on_peak.astype(bool)], run_start[run], run_end[run]
