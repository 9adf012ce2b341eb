"""Bad and extreme audio (issue 16 rows 2, 3, 4, 18): finite features or a clear error,
block-wise reading of long files, and bit-identical results across threads."""

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile
from threadpoolctl import threadpool_limits

from sklearn_speechmusic import AudioFeatureExtractor, InvalidAudioError, SkippedAudioWarning
from sklearn_speechmusic._audio_features import (
    FeatureAccumulator,
    FrameSettings,
    clip_features,
    feature_names,
)
from sklearn_speechmusic._audio_io import resampled_blocks
from sklearn_speechmusic._spectral import fft_frequencies, hann_window, mel_filterbank

AUDIO_DIR = Path(__file__).parent / "data" / "audio"
PATHS = [str(AUDIO_DIR / path) for path in pd.read_csv(AUDIO_DIR / "manifest.csv")["path"]]

SETTINGS = FrameSettings(22050, 1024, 512, 13, 40)


@pytest.fixture(scope="module")
def speech():
    waveform, rate = soundfile.read(PATHS[6], dtype="float32")
    assert rate == 22050
    return waveform


@pytest.mark.parametrize("amplitude", [1e-30, 1e-3, 1e19, 1e30, 3e38])
def test_any_finite_float32_level_gives_the_same_finite_features(speech, amplitude):
    reference = AudioFeatureExtractor().transform([(speech, 22050)])[0]
    scaled = (speech.astype(np.float64) * (amplitude / np.abs(speech).max())).astype(np.float32)
    features = AudioFeatureExtractor().transform([(scaled, 22050)])[0]
    assert np.isfinite(features).all()
    # The level is divided out in float64; what remains is float32 rounding of the
    # rescaled samples (6e-8 relative), amplified in the flatness (geometric mean
    # over near-empty bins) and able to flip a thresholded count by one frame.
    names = feature_names(13)
    flatness = [name.startswith("spectral_flatness") for name in names]
    np.testing.assert_allclose(features[flatness], reference[flatness], rtol=1e-2)
    # level_dbfs alone measures the level: it moves by the gain, clipped to [-120, 40] dBFS
    # (samples beyond 2**64 are scaled down by a power of two on input, level_dbfs with them).
    level = names.index("level_dbfs")
    if amplitude < 2.0**64:
        gain_db = 20 * np.log10(amplitude / np.abs(speech).max())
        assert features[level] == pytest.approx(np.clip(reference[level] + gain_db, -120, 40), abs=0.01)
    others = np.arange(len(names)) != level
    np.testing.assert_allclose(features[others], reference[others], rtol=1e-3, atol=1e-2)


def test_float64_beyond_float32_range_and_a_float_wav(speech, tmp_path):
    huge = speech.astype(np.float64) * 1e300
    assert np.isfinite(AudioFeatureExtractor().transform([(huge, 22050)])).all()
    soundfile.write(tmp_path / "loud.wav", speech * np.float32(1e20), 22050, subtype="FLOAT")
    soundfile.write(tmp_path / "loud44k.wav", np.repeat(speech, 2) * np.float32(1e37), 44100, subtype="FLOAT")
    assert np.isfinite(
        AudioFeatureExtractor().transform([tmp_path / "loud.wav", tmp_path / "loud44k.wav"])
    ).all()


@pytest.mark.parametrize("shape", [(0,), (0, 2), (2, 0), (1000, 0)])
def test_empty_or_channelless_waveforms_are_invalid_audio(shape):
    described = r"<waveform of (\d+ samples|shape \([\d, ]+\)) at 8000 Hz>"
    with pytest.raises(InvalidAudioError, match=described + ": contains no audio"):
        AudioFeatureExtractor().transform([(np.zeros(shape), 8000)])
    extractor = AudioFeatureExtractor(on_error="skip")
    with pytest.warns(SkippedAudioWarning, match="contains no audio samples"):
        rows = extractor.transform([(np.zeros(shape), 8000), (np.ones(8000), 8000)])
    assert np.isnan(rows[0]).all() and np.isfinite(rows[1]).all()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_name_the_clip(bad, tmp_path):
    waveform = np.ones(8000)
    waveform[100] = bad
    with pytest.raises(InvalidAudioError, match="8000 samples at 8000 Hz>: contains NaN or infinite"):
        AudioFeatureExtractor().transform([(waveform, 8000)])
    soundfile.write(tmp_path / "bad.wav", waveform, 8000, subtype="FLOAT")
    with pytest.raises(InvalidAudioError, match="bad.wav: contains NaN or infinite"):
        AudioFeatureExtractor().transform([tmp_path / "bad.wav"])


def test_blocks_give_the_whole_clip_features(speech):
    whole = clip_features(speech, SETTINGS)
    accumulator = FeatureAccumulator(SETTINGS)
    for block in np.array_split(speech, 5):  # blocks not aligned to frames or hops
        accumulator.add(block)
    assert accumulator.n_frames == (speech.size - 1024) // 512 + 1
    blocked = accumulator.features()
    names = np.array(feature_names(13))
    flatness = np.char.startswith(names, "spectral_flatness")
    # Level, mel, MFCC, flux, modulation and persistence statistics combine exactly;
    # per-block scaling changes float32 rounding (6e-8 relative per value) ...
    np.testing.assert_allclose(blocked[~flatness], whole[~flatness], rtol=1e-4, atol=1e-4)
    # ... and the flatness's -100 dB floor is relative to each block's level (documented).
    np.testing.assert_allclose(blocked[flatness], whole[flatness], rtol=2e-2)


def test_long_files_are_read_in_blocks(monkeypatch, tmp_path):
    """A file longer than a block is never decoded whole."""
    import sklearn_speechmusic._audio_io as audio_io

    rate = 8000
    noise = np.random.RandomState(0).normal(scale=0.1, size=int(70 * rate)).astype(np.float32)
    path = tmp_path / "long.flac"
    soundfile.write(path, noise, rate)
    blocks = list(resampled_blocks(path, rate, min_samples=1, block_seconds=20))
    assert [block.size for block in blocks] == [20 * rate] * 3 + [10 * rate]

    def no_whole_decoding(*args, **kwargs):
        raise AssertionError("decoded the whole file")

    extractor = AudioFeatureExtractor(sample_rate=rate)
    whole = extractor.transform([(noise, rate)])
    monkeypatch.setattr(audio_io, "load_audio", no_whole_decoding)
    streamed = extractor.transform([path])
    np.testing.assert_allclose(streamed, whole, rtol=1e-3, atol=1e-4)


def test_bit_identical_from_concurrent_threads_and_any_blas_thread_count():
    clips = PATHS[:4]
    with threadpool_limits(limits=1):
        reference = AudioFeatureExtractor().transform(clips)
    with threadpool_limits(limits=4):
        assert np.array_equal(AudioFeatureExtractor().transform(clips), reference)
    results = [None] * 4

    def work(index):
        results[index] = AudioFeatureExtractor().transform(clips)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        assert np.array_equal(result, reference)


def test_cached_arrays_are_read_only():
    for array in (hann_window(1024), fft_frequencies(22050, 1024), mel_filterbank(22050, 1024, 40)):
        assert not array.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1


def test_features_are_placed_by_name(monkeypatch, speech):
    """Reordering the name table reorders the values with it: nothing is placed by position."""
    import sklearn_speechmusic._audio_features as audio_features

    names = feature_names(13)
    expected = dict(zip(names, clip_features(speech[:22050], SETTINGS), strict=True))
    monkeypatch.setattr(audio_features, "feature_names", lambda n_mfcc: names[::-1])
    reordered = clip_features(speech[:22050], SETTINGS)
    assert dict(zip(names[::-1], reordered, strict=True)) == expected
