"""Decode audio files (or in-memory waveforms) into mono float32 at one sample rate.

Short files are decoded whole; longer ones are read in blocks
(:func:`resampled_blocks`), so memory is bounded by the block, not the file.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any, overload

import numpy as np

#: Seconds of audio decoded at a time from a long file.
BLOCK_SECONDS = 60.0
#: Lowest sample rate accepted, in Hz: lower ones come from broken headers, and
#: resampling them up would take time and memory without bound.
MIN_SOURCE_RATE = 1000
# Float waveforms whose peak exceeds 2**64 are scaled down by a power of two
# (exact, and no feature depends on the level) so float32 arithmetic cannot
# overflow.
_SAFE_PEAK_EXPONENT = 64
_DECODE_ERRORS: tuple[type[BaseException], ...] = (RuntimeError, TypeError, ValueError)
# Files up to this size are read into memory before decoding; larger ones (long
# uncompressed recordings) are decoded from disk, so memory stays bounded.
_IN_MEMORY_BYTES = 32 * 2**20


class InvalidAudioError(ValueError):
    """An audio clip cannot be turned into features; the message names the clip and why.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic import AudioFeatureExtractor, InvalidAudioError
    >>> try:
    ...     AudioFeatureExtractor().transform([(np.zeros(10), 22050)])
    ... except InvalidAudioError as error:
    ...     print(error)
    <waveform of 10 samples at 22050 Hz>: 10 samples (0.5 ms) of audio are shorter than one analysis frame ...
    """


def describe_source(source: Any) -> str:
    """Short, human-readable name of a clip for messages and tables.

    Parameters
    ----------
    source : str, path-like or tuple
        A file path or a ``(waveform, sample_rate)`` pair.

    Returns
    -------
    name : str
        The path as given, or ``"<waveform of N samples at R Hz>"`` (the shape
        for multi-channel waveforms).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic._audio_io import describe_source
    >>> describe_source("clips/a.wav")
    'clips/a.wav'
    >>> describe_source((np.zeros(100), 8000))
    '<waveform of 100 samples at 8000 Hz>'
    """
    if isinstance(source, tuple):
        waveform, rate = source
        shape = np.shape(waveform)
        if len(shape) == 1:
            return f"<waveform of {shape[0]} samples at {rate} Hz>"
        # Several channels, in whichever axis order: the shape says it without guessing.
        return f"<waveform of shape {shape} at {rate} Hz>"
    return os.fspath(source)


def load_audio(source: Any, *, sample_rate: int, min_samples: int) -> np.ndarray:
    """Decode one clip, mix it down to mono and resample it to ``sample_rate``.

    Parameters
    ----------
    source : str, path-like or tuple
        A file soundfile can read (WAV, FLAC, OGG/Vorbis, AIFF, MP3, ...) or a
        ``(waveform, sample_rate)`` pair; a 2-D waveform may be
        ``(samples, channels)`` or ``(channels, samples)`` (the shorter axis is
        taken as channels).
    sample_rate : int
        Target sample rate in Hz.
    min_samples : int
        Fewest samples (after resampling) a clip may have.

    Returns
    -------
    waveform : ndarray of shape (n_samples,), dtype float32
        The mono signal.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    InvalidAudioError
        If the clip cannot be decoded, has no samples, contains NaN/inf, or is
        shorter than ``min_samples``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic._audio_io import load_audio
    >>> stereo = np.ones((16000, 2), dtype=np.float32)
    >>> load_audio((stereo, 16000), sample_rate=8000, min_samples=1).shape
    (8000,)
    """
    name = describe_source(source)
    if isinstance(source, tuple):
        waveform, source_rate = validate_waveform(source, name)
    else:
        waveform, source_rate = _decode_file(os.fspath(source), name)
    return _mono_at_rate(waveform, source_rate, name, sample_rate=sample_rate, min_samples=min_samples)


def _mono_at_rate(
    waveform: np.ndarray, source_rate: int, name: str, *, sample_rate: int, min_samples: int
) -> np.ndarray:
    """:func:`load_audio`'s result from the decoded ``(samples, channels)`` waveform."""
    import soxr

    waveform = _finite_and_scaled(waveform, name)
    mono = waveform.mean(axis=1) if waveform.shape[1] > 1 else waveform[:, 0]
    mono = mono.astype(np.float32, copy=False)
    if source_rate != sample_rate:
        mono = soxr.resample(mono, source_rate, sample_rate, quality="HQ").astype(np.float32, copy=False)
    if mono.shape[0] < min_samples:
        raise InvalidAudioError(
            shorter_than_a_frame(name, waveform.shape[0], source_rate, min_samples, sample_rate)
            + f" at {sample_rate} Hz); use longer clips, or a smaller frame_length in AudioFeatureExtractor."
        )
    return np.ascontiguousarray(mono, dtype=np.float32)


def resampled_blocks(
    source: Any, sample_rate: int, *, min_samples: int, block_seconds: float = BLOCK_SECONDS
) -> Iterator[np.ndarray]:
    """Mono blocks of a clip at ``sample_rate``, never decoding more than ``block_seconds`` at once.

    In-memory clips and files no longer than one block come whole, exactly as
    :func:`load_audio` gives them; longer files are decoded block by block and
    resampled with a streaming resampler (which matches a whole-file resampling
    to float32 rounding, away from the first and last few milliseconds).

    Parameters
    ----------
    source : str, path-like or tuple
        As for :func:`load_audio`.
    sample_rate : int
        Target sample rate in Hz.
    min_samples : int
        Fewest samples a whole clip may have (checked for clips that come whole;
        a long file has more).
    block_seconds : float, default=BLOCK_SECONDS
        Seconds decoded at a time.

    Yields
    ------
    block : ndarray of shape (n_samples,)
        Consecutive samples, float32 (float64 for long float-sample files, so
        resampling cannot overflow).

    Raises
    ------
    FileNotFoundError, InvalidAudioError
        As :func:`load_audio`; for a long file, also part-way if a block cannot
        be decoded or holds NaN/inf.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic._audio_io import resampled_blocks
    >>> [b.size for b in resampled_blocks((np.ones(16000), 16000), 8000, min_samples=1)]
    [8000]
    """
    if isinstance(source, tuple):
        yield load_audio(source, sample_rate=sample_rate, min_samples=min_samples)
        return
    import soundfile

    path = os.fspath(source)
    # A short file is decoded whole by the same open that finds its length: opening an
    # OGG file parses its codebooks, which takes about a quarter as long as decoding a 3-s clip.
    decoded = _decode_file(path, path, max_seconds=block_seconds)
    if decoded is not None:
        waveform, source_rate = decoded
        yield _mono_at_rate(waveform, source_rate, path, sample_rate=sample_rate, min_samples=min_samples)
        return
    with _open(path) as sound:
        dtype = "float64" if sound.subtype in ("FLOAT", "DOUBLE") else "float32"
        resampler = None
        if sound.samplerate != sample_rate:
            import soxr

            resampler = soxr.ResampleStream(sound.samplerate, sample_rate, 1, dtype=dtype, quality="HQ")
        block_frames = max(1, int(block_seconds * sound.samplerate))
        try:
            for block in sound.blocks(blocksize=block_frames, dtype=dtype, always_2d=True):
                if block.shape[1] == 0 or not np.isfinite(block).all():
                    raise InvalidAudioError(f"{path}: contains NaN or infinite sample values.")
                mono = block.mean(axis=1) if block.shape[1] > 1 else block[:, 0]
                if resampler is not None:
                    mono = resampler.resample_chunk(np.ascontiguousarray(mono))
                yield np.ascontiguousarray(mono)
        except soundfile.LibsndfileError as error:
            raise InvalidAudioError(
                f"{path}: decoding failed part-way ({error}); the file may be truncated."
            ) from None
        if resampler is not None:
            yield resampler.resample_chunk(np.zeros(0, dtype=dtype), last=True)


def read_region(audio: Any, start: float, end: float, sample_rate: int) -> np.ndarray:
    """Mono float32 samples of ``audio`` between ``start`` and ``end`` seconds, at ``sample_rate``.

    Only the region is decoded (files are seeked), mixed and resampled.

    Parameters
    ----------
    audio : str, path-like or tuple
        As for :func:`load_audio`.
    start, end : float
        Seconds from the start of the recording.
    sample_rate : int
        Target sample rate in Hz.

    Returns
    -------
    region : ndarray of shape (n_samples,), dtype float32
        Possibly empty.
    """
    if isinstance(audio, tuple):
        waveform, source_rate = validate_waveform(audio, describe_source(audio))
        region = waveform[int(start * source_rate) : int(end * source_rate)]
        if region.shape[0] == 0:
            return np.zeros(0, dtype=np.float32)
        return load_audio((region, source_rate), sample_rate=sample_rate, min_samples=1)
    import soxr

    path = os.fspath(audio)
    with _open(path) as sound:
        first = int(start * sound.samplerate)
        sound.seek(first)
        block = sound.read(max(0, int(end * sound.samplerate) - first), dtype="float32", always_2d=True)
        source_rate = sound.samplerate
    if block.shape[0] == 0:
        return np.zeros(0, dtype=np.float32)
    mono = _finite_and_scaled(block, path).mean(axis=1).astype(np.float32)
    if source_rate != sample_rate:
        mono = soxr.resample(mono, source_rate, sample_rate, quality="HQ").astype(np.float32)
    return mono


def require_regular_file(path: str, name: str) -> None:
    """Raise the error that tells the user what ``path`` is when it is not an audio file to read.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn_speechmusic._audio_io import require_regular_file
    >>> require_regular_file(tempfile.mkdtemp(), "recordings")
    Traceback (most recent call last):
    ...
    IsADirectoryError: recordings is a folder, not an audio file; pass the audio files in it.
    """
    if os.path.isfile(path):
        return
    if os.path.isdir(path):
        raise IsADirectoryError(f"{name} is a folder, not an audio file; pass the audio files in it.")
    if os.path.islink(path):
        # A link to nothing, or a loop of links: there is no file behind the name.
        raise FileNotFoundError(f"{name}: a symbolic link that leads to no file ({os.readlink(path)}).")
    if os.path.exists(path):
        raise InvalidAudioError(
            f"{name} is not a regular file (a pipe, socket or device); write the audio to a file first."
        )
    raise FileNotFoundError(f"{name}: no such audio file.")


def _open(path: str):
    """``soundfile.SoundFile`` of ``path``, with the errors :func:`load_audio` gives."""
    import soundfile

    require_regular_file(path, path)
    if os.path.getsize(path) == 0:
        raise InvalidAudioError(f"{path}: the file is empty (0 bytes).")
    try:
        sound = soundfile.SoundFile(path)
    except (soundfile.LibsndfileError, *_DECODE_ERRORS) as error:
        raise InvalidAudioError(_undecodable(path, error)) from None
    try:
        check_source_rate(sound.samplerate, path)
    except InvalidAudioError:
        sound.close()
        raise
    return sound


def shorter_than_a_frame(name: str, n_samples: int, source_rate: int, frame_length: int, rate: int) -> str:
    """The start of the message for audio shorter than one frame; the caller closes the parenthesis.

    Examples
    --------
    >>> from sklearn_speechmusic._audio_io import shorter_than_a_frame
    >>> shorter_than_a_frame("click.wav", 100, 22050, 1024, 22050) + ")"
    'click.wav: 100 samples (4.5 ms) of audio are shorter than one analysis frame (1024 samples = 46.4 ms)'
    """
    return (
        f"{name}: {n_samples} samples ({1000 * n_samples / source_rate:.1f} ms) of audio are shorter "
        f"than one analysis frame ({frame_length} samples = {1000 * frame_length / rate:.1f} ms"
    )


def check_source_rate(rate: int, name: str) -> None:
    """Refuse a sample rate below :data:`MIN_SOURCE_RATE`: resampling it up would cost without bound.

    Examples
    --------
    >>> from sklearn_speechmusic._audio_io import check_source_rate
    >>> check_source_rate(1, "clip.wav")
    Traceback (most recent call last):
    ...
    sklearn_speechmusic._audio_io.InvalidAudioError: clip.wav: the sample rate is 1 Hz, below ...
    """
    if rate < MIN_SOURCE_RATE:
        raise InvalidAudioError(
            f"{name}: the sample rate is {rate} Hz, below the {MIN_SOURCE_RATE} Hz of any real "
            "recording; the file's header (or the rate passed with the waveform) is probably wrong."
        )


def _undecodable(name: str, error: BaseException) -> str:
    return (
        f"{name}: cannot be decoded as audio ({error}). Supported: WAV, FLAC, OGG/Vorbis, AIFF, "
        "MP3 and the other formats libsndfile reads; convert the file or check it is not truncated."
    )


def _finite_and_scaled(waveform: np.ndarray, name: str) -> np.ndarray:
    """``(samples, channels)`` float samples, checked and scaled into a safe range.

    Raises InvalidAudioError naming the clip for no samples, no channels or NaN/inf.
    """
    if waveform.shape[0] == 0 or waveform.shape[1] == 0:
        raise InvalidAudioError(
            f"{name}: contains no audio samples (zero length; shape {waveform.shape[0]} samples x "
            f"{waveform.shape[1]} channels)."
        )
    if not np.isfinite(waveform).all():
        raise InvalidAudioError(f"{name}: contains NaN or infinite sample values.")
    peak = float(np.max(np.abs(waveform)))
    if peak > 2.0**_SAFE_PEAK_EXPONENT:
        waveform = np.ldexp(waveform.astype(np.float64), -int(np.frexp(peak)[1]))
    return waveform


@overload
def _decode_file(path: str, name: str) -> tuple[np.ndarray, int]: ...


@overload
def _decode_file(path: str, name: str, max_seconds: float) -> tuple[np.ndarray, int] | None: ...


def _decode_file(path: str, name: str, max_seconds: float | None = None) -> tuple[np.ndarray, int] | None:
    """``(samples, channels)`` float samples and the rate; None if longer than ``max_seconds``."""
    import soundfile

    require_regular_file(path, name)
    size = os.path.getsize(path)
    if size == 0:
        raise InvalidAudioError(f"{name}: the file is empty (0 bytes).")
    try:
        sound = None
        if size <= _IN_MEMORY_BYTES:
            # Decoding from memory skips libsndfile's seeks on disk: ~6 % faster on OGG clips.
            with open(path, "rb") as file:
                encoded = io.BytesIO(file.read())
            try:
                sound = soundfile.SoundFile(encoded)
            except (soundfile.LibsndfileError, *_DECODE_ERRORS):
                pass  # opened again by path below, so the error names the file, not the buffer
        if sound is None:
            sound = soundfile.SoundFile(path)
        with sound:
            check_source_rate(sound.samplerate, name)
            if max_seconds is not None and sound.frames > max_seconds * sound.samplerate:
                return None
            # Doubles stay doubles: a finite 1e300 would overflow float32.
            dtype = "float64" if sound.subtype == "DOUBLE" else "float32"
            waveform = sound.read(dtype=dtype, always_2d=True)
            rate = sound.samplerate
    except InvalidAudioError:
        raise
    except (soundfile.LibsndfileError, *_DECODE_ERRORS) as error:
        raise InvalidAudioError(_undecodable(name, error)) from None
    return waveform, int(rate)


def validate_waveform(source: tuple, name: str) -> tuple[np.ndarray, int]:
    """Check a ``(waveform, sample_rate)`` pair; return ``(samples, channels)`` floats and the rate.

    Parameters
    ----------
    source : tuple
        The pair.
    name : str
        The clip's name for messages.

    Returns
    -------
    waveform : ndarray of shape (n_samples, n_channels)
        float32, or float64 when given float64 (scaled later, so a float64
        waveform beyond float32's range stays finite).
    sample_rate : int
        The rate.

    Raises
    ------
    InvalidAudioError
        For a bad rate, dtype or shape, or no samples. An empty waveform passes here and is
        refused by :func:`load_audio`.
    """
    if len(source) != 2:
        raise InvalidAudioError(f"{name}: in-memory clips must be (waveform, sample_rate) pairs.")
    waveform, rate = source
    if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or rate <= 0:
        raise InvalidAudioError(f"{name}: the sample rate must be a positive int, got {rate!r}.")
    check_source_rate(int(rate), name)
    array = np.asarray(waveform)
    if array.dtype.kind not in "fi" or array.ndim not in (1, 2):
        raise InvalidAudioError(
            f"{name}: the waveform must be a 1-D or 2-D array of floats or signed ints, got dtype "
            f"{array.dtype} with shape {array.shape}."
        )
    if array.size == 0:
        raise InvalidAudioError(f"{name}: contains no audio samples (shape {array.shape}).")
    if array.dtype.kind == "i":
        # Integer PCM: scale to [-1, 1) as soundfile does when decoding files.
        array = array.astype(np.float32) / np.float32(2 ** (8 * array.dtype.itemsize - 1))
    if array.dtype != np.float64:
        array = array.astype(np.float32, copy=False)
    if array.ndim == 1:
        array = array[:, None]
    elif array.shape[0] < array.shape[1]:
        # The shorter axis holds the channels: (channels, samples) is transposed.
        array = array.T
    return array, int(rate)
