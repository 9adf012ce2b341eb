"""Property test: any (waveform, rate) pair gives finite features or InvalidAudioError."""

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sklearn_speechmusic import AudioFeatureExtractor, InvalidAudioError  # noqa: E402

RATES = st.integers(min_value=1000, max_value=192000)
SPECIAL = st.sampled_from([0.0, np.nan, np.inf, -np.inf, 1e-45, 1e30, -1e30])


@st.composite
def waveforms(draw):
    rate = draw(RATES)
    seconds = draw(st.floats(min_value=0.0, max_value=5.0))
    channels = draw(st.sampled_from([None, 1, 2]))
    n_samples = int(seconds * rate)
    amplitude = draw(st.sampled_from([0.0, 1e-30, 1e-6, 1.0, 1e19, 1e30]))
    seed = draw(st.integers(min_value=0, max_value=2**16))
    shape = (n_samples,) if channels is None else (n_samples, channels)
    waveform = np.random.RandomState(seed).uniform(-1, 1, size=shape) * amplitude
    if n_samples and draw(st.booleans()):
        positions = draw(st.lists(st.integers(min_value=0, max_value=n_samples - 1), max_size=3))
        for position in positions:
            waveform.flat[position] = draw(SPECIAL)
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return waveform.astype(dtype), rate


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clip=waveforms())
def test_finite_features_or_invalid_audio_error(clip):
    waveform, rate = clip
    extractor = AudioFeatureExtractor(sample_rate=8000, frame_length=256, hop_length=128, n_mels=20)
    try:
        features = extractor.transform([clip])
    except InvalidAudioError as error:
        assert str(error).startswith("<waveform of"), error
        return
    assert features.shape == (1, 66)
    assert np.isfinite(features).all(), (waveform.shape, rate)
