"""SpeechMusicSegmenter, SegmentationDisplay and `speechmusic segment`."""

import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
import soundfile
from sklearn.base import clone

from sklearn_speechmusic import (
    InvalidAudioError,
    SegmentationDisplay,
    SpeechMusicSegmenter,
    example_audio,
    load_pretrained,
)

matplotlib.use("Agg")

DATA = Path(__file__).parent / "data"
SPEECH = sorted((DATA / "audio" / "Speech").glob("*.ogg"))
LONG_MUSIC = sorted((DATA / "long_audio").glob("*.ogg"))
RATE = 22050


@pytest.fixture(scope="module")
def shipped_pipeline():
    """The packaged model: it predicts in float64 NumPy, so these timelines are the same
    on every dependency stack and CPU. (It has heard the test clips' speaker; how the
    model does on unseen recordings is measured by the benchmarks, not here.)"""
    return load_pretrained()


@pytest.fixture(scope="module")
def broadcast(tmp_path_factory):
    """Speech, music, speech, music: real clips back to back, with true boundaries."""
    parts, truth, start = [], [], 0.0
    for label, files in [
        ("Speech", SPEECH[:3]),
        ("Music", LONG_MUSIC[:1]),
        ("Speech", SPEECH[3:]),
        ("Music", LONG_MUSIC[1:]),
    ]:
        for path in files:
            waveform, rate = soundfile.read(path, dtype="float32")
            assert rate == RATE
            parts.append(waveform)
        end = sum(len(part) for part in parts) / RATE
        truth.append((start, end, label))
        start = end
    path = tmp_path_factory.mktemp("broadcast") / "broadcast.flac"
    soundfile.write(path, np.concatenate(parts), RATE)
    return path, truth


def frame_accuracy(segments, truth, step=0.01):
    times = np.arange(0, truth[-1][1], step)
    expected = np.empty(len(times), dtype=object)
    for start, end, label in truth:
        expected[(times >= start) & (times < end)] = label
    found = np.empty(len(times), dtype=object)
    for row in segments.itertuples():
        found[(times >= row.start) & (times < row.end)] = row.label
    return np.mean(found == expected)


def test_timeline_of_a_broadcast(shipped_pipeline, broadcast):
    path, truth = broadcast
    segments = SpeechMusicSegmenter(shipped_pipeline, min_duration=1.0).segment(path)
    assert segments.columns.tolist() == ["start", "end", "label", "confidence"]
    # Measured 0.983: a 0.65-s quiet stretch inside the last track is rightly Silence.
    assert frame_accuracy(segments, truth) >= 0.95
    found_boundaries = segments["start"].to_numpy()[1:]
    for _, true_boundary, _ in truth[:-1]:
        assert np.min(np.abs(found_boundaries - true_boundary)) <= 0.5, (true_boundary, segments)
    # Pauses of 0.5 s or more between the lines are Silence, the one label that may be short.
    sounding = segments[segments["label"] != "Silence"]
    assert ((sounding["end"] - sounding["start"]) >= 1.0).all()
    # The timeline covers the recording without gaps or overlaps.
    assert segments["start"].iloc[0] == 0 and segments["end"].iloc[-1] == pytest.approx(
        truth[-1][1], abs=1e-3
    )
    assert np.array_equal(segments["start"].to_numpy()[1:], segments["end"].to_numpy()[:-1])
    assert segments["confidence"].between(0, 1).all()


def test_in_memory_audio_gives_the_same_timeline_as_the_file(shipped_pipeline, broadcast):
    path, _ = broadcast
    waveform, rate = soundfile.read(path, dtype="float32")
    segmenter = SpeechMusicSegmenter(shipped_pipeline)
    pd.testing.assert_frame_equal(segmenter.segment(path), segmenter.segment((waveform, rate)))


def test_block_size_does_not_change_the_result(shipped_pipeline, broadcast):
    """Streaming in blocks is exact: same windows whatever the block length."""
    path, _ = broadcast
    whole = SpeechMusicSegmenter(shipped_pipeline, block_seconds=1000).window_probabilities(path)
    blocks = SpeechMusicSegmenter(shipped_pipeline, block_seconds=1.7).window_probabilities(path)
    pd.testing.assert_frame_equal(whole, blocks)


def test_resampled_stream_matches_in_memory(shipped_pipeline, broadcast, tmp_path):
    path, _ = broadcast
    waveform, _ = soundfile.read(path, dtype="float32")
    soundfile.write(tmp_path / "44k.wav", np.repeat(waveform, 2), 44100)  # crude, but 44.1 kHz
    segmenter = SpeechMusicSegmenter(shipped_pipeline, block_seconds=2.3)
    streamed = segmenter.window_probabilities(tmp_path / "44k.wav")
    in_memory = segmenter.window_probabilities((np.repeat(waveform, 2), 44100))
    np.testing.assert_allclose(streamed["level_db"], in_memory["level_db"], atol=0.05)
    assert (streamed["Music"].round() == in_memory["Music"].round()).mean() > 0.95


@pytest.mark.parametrize("smoothing", ["viterbi", "median", "none"])
def test_smoothing_options(shipped_pipeline, broadcast, smoothing):
    path, truth = broadcast
    segments = SpeechMusicSegmenter(shipped_pipeline, smoothing=smoothing).segment(path)
    # Unsmoothed, three single windows inside the first music are heard as noise; the
    # shortest traces go first, so they are absorbed into the music, not the music
    # between them into the noise (0.808 of the frames right when taken left to right).
    assert frame_accuracy(segments, truth) > 0.95


def test_min_duration_is_respected(shipped_pipeline, broadcast):
    path, _ = broadcast
    for min_duration in (0.0, 2.0, 10.0):
        segments = SpeechMusicSegmenter(
            shipped_pipeline, smoothing="none", min_duration=min_duration
        ).segment(path)
        sounding = segments[segments["label"] != "Silence"]
        assert ((sounding["end"] - sounding["start"]) >= min_duration).all() or len(segments) == 1
        assert np.array_equal(segments["start"].to_numpy()[1:], segments["end"].to_numpy()[:-1])
        assert (segments["label"].to_numpy()[1:] != segments["label"].to_numpy()[:-1]).all()


def test_silence_short_and_tiny_recordings(shipped_pipeline, tmp_path):
    segmenter = SpeechMusicSegmenter(shipped_pipeline)
    silent = segmenter.segment((np.zeros(10 * RATE, dtype=np.float32), RATE))
    assert silent[["start", "end", "label"]].values.tolist() == [[0.0, 10.0, "Silence"]]
    # Shorter than one window, and 0.2 s: one segment over the whole clip.
    waveform, _ = soundfile.read(SPEECH[0], dtype="float32")
    short = segmenter.segment((waveform[: int(1.5 * RATE)], RATE))
    assert short[["start", "end"]].values.tolist() == [[0.0, 1.5]] and short["label"].iloc[0] == "Speech"
    soundfile.write(tmp_path / "tiny.wav", waveform[: int(0.2 * RATE)], RATE)
    tiny = segmenter.segment(tmp_path / "tiny.wav")
    assert tiny[["start", "end"]].values.tolist() == [[0.0, 0.2]]
    # Shorter than one analysis frame: a clear error, not a crash.
    soundfile.write(tmp_path / "click.wav", waveform[:100], RATE)
    with pytest.raises(
        InvalidAudioError,
        match=r"click.wav: 100 samples \(4.5 ms\) of audio are shorter than one analysis frame",
    ):
        segmenter.segment(tmp_path / "click.wav")


@pytest.mark.parametrize("n_samples", [1024, 1100, 1535])
def test_a_recording_of_one_analysis_frame_is_one_segment(shipped_pipeline, n_samples):
    # 46-70 ms hold one frame, and there is no change between frames to measure:
    # these lengths used to end in an IndexError.
    waveform, _ = soundfile.read(SPEECH[0], dtype="float32")
    segments = SpeechMusicSegmenter(shipped_pipeline).segment((waveform[:n_samples], RATE))
    assert segments[["start", "end"]].values.tolist() == [[0.0, round(n_samples / RATE, 3)]]


def test_bad_files_and_bad_parameters(shipped_pipeline, tmp_path):
    segmenter = SpeechMusicSegmenter(shipped_pipeline)
    with pytest.raises(FileNotFoundError, match="missing.wav: no such audio file"):
        segmenter.segment(tmp_path / "missing.wav")
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(InvalidAudioError, match="text.wav: cannot be decoded as audio"):
        segmenter.segment(tmp_path / "text.wav")
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(InvalidAudioError, match="empty"):
        segmenter.segment(tmp_path / "empty.wav")
    with pytest.raises(ValueError, match="'hop' parameter"):
        SpeechMusicSegmenter(shipped_pipeline, hop=0).segment(tmp_path / "text.wav")
    with pytest.raises(TypeError, match="first step is an AudioFeatureExtractor"):
        SpeechMusicSegmenter(shipped_pipeline[1:]).segment(tmp_path / "text.wav")


def test_segmenter_is_a_well_behaved_estimator(shipped_pipeline):
    segmenter = SpeechMusicSegmenter(shipped_pipeline, hop=0.25)
    copy = clone(segmenter)
    assert copy.get_params()["hop"] == 0.25 and copy.pipeline is not shipped_pipeline
    assert "hop=0.25" in repr(segmenter)


def test_segmentation_display(shipped_pipeline, broadcast, tmp_path):
    path, _ = broadcast
    display = SegmentationDisplay.from_estimator(SpeechMusicSegmenter(shipped_pipeline), path)
    assert display.ax_.get_title() == "broadcast.flac"
    assert len(display.bands_) == len(display.segments)
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert {"Speech", "Music", "Level"} <= set(legend)
    # The level of every short frame, clipped at -80 dB FS, on an axis that starts there.
    windows = SpeechMusicSegmenter(shipped_pipeline).window_probabilities(path)
    step, length = windows.attrs["frame_step"], windows.attrs["frame_length"]
    np.testing.assert_allclose(display.line_.get_xdata()[:3], np.arange(3) * step + length / 2)
    assert display.line_.get_ydata().min() >= -80 and display.ax_.get_ylim()[0] == -80
    # The legend sits outside the axes: it covers no band.
    legend_box = display.ax_.get_legend().get_window_extent(display.figure_.canvas.get_renderer())
    axes_box = display.ax_.get_window_extent(display.figure_.canvas.get_renderer())
    assert legend_box.x0 >= axes_box.x1
    display.figure_.savefig(tmp_path / "timeline.png")
    assert (tmp_path / "timeline.png").stat().st_size > 10_000
    matplotlib.pyplot.close("all")
    with pytest.raises(ValueError, match="missing \\['label'\\]"):
        SegmentationDisplay(pd.DataFrame({"start": [0], "end": [1]})).plot()


def test_segment_command(broadcast, tmp_path):
    path, truth = broadcast
    command = [str(Path(sys.executable).parent / "speechmusic")]
    if not Path(command[0]).exists():
        command = [sys.executable, "-m", "sklearn_speechmusic"]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [
            *command,
            "segment",
            str(path),
            "-o",
            str(tmp_path / "s.csv"),
            "--audacity",
            str(tmp_path / "s.txt"),
            "--plot",
            str(tmp_path / "s.png"),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    segments = pd.read_csv(tmp_path / "s.csv")
    assert segments.columns.tolist() == ["start", "end", "label", "confidence"]
    assert {"Speech", "Music"} <= set(segments["label"]) <= {"Speech", "Music", "Silence"}
    labels = (tmp_path / "s.txt").read_text().splitlines()
    assert len(labels) == len(segments) and labels[0].split("\t")[2] == segments["label"][0]
    assert (tmp_path / "s.png").stat().st_size > 10_000
    missing = subprocess.run(
        [*command, "segment", str(tmp_path / "nope.wav")], capture_output=True, text=True, env=env
    )
    # The CLI checks its inputs before any work; either wording names the missing file.
    assert missing.returncode == 1 and "nope.wav" in missing.stderr
    assert "no such audio file" in missing.stderr or "does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr


@pytest.mark.parametrize("amplitude", [1e19, 1e30])
def test_extreme_levels_give_finite_confidence(amplitude):
    waveform, _ = soundfile.read(SPEECH[0], dtype="float32")
    segments = SpeechMusicSegmenter().segment((waveform.astype(np.float64) * amplitude, RATE))
    assert segments["confidence"].notna().all() and segments["confidence"].between(0, 1).all()


@pytest.mark.parametrize("shape", [(0,), (0, 2), (RATE, 0)])
def test_empty_or_channelless_audio_is_invalid(shape):
    with pytest.raises(InvalidAudioError, match="contains no audio samples"):
        SpeechMusicSegmenter().segment((np.zeros(shape, dtype=np.float32), RATE))


def test_class_columns_are_found_by_name():
    """Reordered or renamed class columns still smooth into the right labels."""
    segmenter = SpeechMusicSegmenter(hop=1.0, min_duration=0.0, smoothing="none", silence_db=None)
    n = 6
    windows = pd.DataFrame(
        {
            "Music": [0.9, 0.9, 0.9, 0.1, 0.1, 0.1],
            "level_db": np.zeros(n),
            "center": np.arange(n) + 1.5,
            "Speech": [0.1, 0.1, 0.1, 0.9, 0.9, 0.9],
            "start": np.arange(n, dtype=float),
            "end": np.arange(n) + 3.0,
        }
    )
    windows.attrs["duration"] = 8.0
    segments = segmenter.segments_from_windows(windows)
    assert segments["label"].tolist() == ["Music", "Speech"]
    with pytest.raises(ValueError, match="missing \\['level_db'\\]"):
        segmenter.segments_from_windows(windows.drop(columns="level_db"))


@pytest.mark.parametrize("min_duration", [0.0, 1.0])
def test_windows_that_are_partly_silence_do_not_decide_the_label(min_duration):
    """Windows straddling a pause hear Speech; those clear of it, Music: Music, Silence, Music."""
    step, duration = 0.01, 22.0
    levels = np.full(int(duration / step), -20.0)
    levels[int(10 / step) : int(12 / step)] = -75.0  # a 2-s pause
    starts = np.arange(0.0, duration - 3 + 1e-9, 0.5)
    ends = starts + 3.0
    in_pause = np.clip(np.minimum(ends, 12.0) - np.maximum(starts, 10.0), 0, None)
    speech = np.where(in_pause > 0.5, 0.9, 0.1)
    windows = pd.DataFrame(
        {
            "start": starts,
            "end": ends,
            "center": starts + 1.5,
            "level_db": np.full(starts.size, -20.0),
            "Music": 1 - speech,
            "Speech": speech,
        }
    )
    windows.attrs.update(duration=duration, frame_level_db=levels, frame_step=step, frame_length=step)
    segmenter = SpeechMusicSegmenter(smoothing="none", min_duration=min_duration, refine_boundaries=False)
    segments = segmenter.segments_from_windows(windows)
    assert segments["label"].tolist() == ["Music", "Silence", "Music"], segments
    assert segments.loc[1, ["start", "end"]].tolist() == pytest.approx([10.0, 12.0], abs=0.02)


def test_segmenter_modules_use_no_private_names_of_other_modules():
    import ast

    package = Path(__file__).parents[1] / "sklearn_speechmusic"
    for module in (
        "_segmenter",
        "_smoothing",
        "_boundaries",
        "_segment_windows",
        "_window_features",
        "_audio_io",
        "_audio_features",
        "_spectral",
    ):
        tree = ast.parse((package / f"{module}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 1:
                private = [alias.name for alias in node.names if alias.name.startswith("_")]
                assert not private, (module, node.module, private)


def test_display_colours_and_legend_cover_every_label():
    segments = pd.DataFrame(
        {
            "start": [0.0, 2.0, 4.0, 6.0, 6.6],
            "end": [2.0, 4.0, 6.0, 6.6, 9.0],
            "label": ["Speech", "Music", "Noise", "Silence", "Applause"],
        }
    )
    display = SegmentationDisplay.from_segments(
        segments, times=[0.5, 5.0, 8.0], level_db=[-20.0, -200.0, -30.0]
    )
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert legend == ["Speech", "Music", "Noise", "Silence", "Applause", "Level"]
    colours = [matplotlib.colors.to_hex(band.get_facecolor()) for band in display.bands_]
    assert len(set(colours)) == 5
    assert display.line_.get_ydata().tolist() == [-20.0, -80.0, -30.0]
    matplotlib.pyplot.close("all")


def test_each_segment_is_as_confident_as_the_windows_centred_in_it(shipped_pipeline):
    # Music, 3 s of digital silence, then noise: the silence is cut out at frame level
    # after smoothing. Each side's confidence is its own windows' mean probability of
    # its label (before, a side could report the mean over the whole run of windows
    # the silence was cut from, 0.25 for noise the windows called Noise at 1.00).
    music, _ = soundfile.read(LONG_MUSIC[0], dtype="float32")
    noise = np.random.default_rng(0).normal(0, 0.1, 8 * RATE).astype(np.float32)
    audio = (np.concatenate([music[: 9 * RATE], np.zeros(3 * RATE, np.float32), noise]), RATE)
    segmenter = SpeechMusicSegmenter(shipped_pipeline)
    windows = segmenter.window_probabilities(audio)
    segments = segmenter.segments_from_windows(windows, audio=audio)
    assert "Silence" in segments["label"].tolist()
    centers = windows["center"].to_numpy()
    for segment in segments.itertuples():
        inside = (centers >= segment.start) & (centers < segment.end)
        if segment.label == "Silence" or not inside.any():
            continue
        expected = windows.loc[inside, segment.label].mean()
        assert segment.confidence == pytest.approx(expected, abs=1e-3), segments


def test_a_silence_found_at_the_noise_floor_is_certain(shipped_pipeline):
    # A 1-s pause in a programme: the 3-s windows around it hear mostly the speech on
    # either side, so the model's Silence probability there was near 0 (0.0024); the
    # level found the pause, and its confidence is 1, as documented.
    segments = SpeechMusicSegmenter(shipped_pipeline).segment(example_audio("programme"))
    silences = segments[segments["label"] == "Silence"]
    assert len(silences) >= 1, segments
    assert (silences["confidence"] == 1.0).all(), segments


def test_the_packaged_model_is_read_once_per_call(monkeypatch):
    # It used to be read twice (windows, then boundary refinement): 80 ms each.
    from sklearn_speechmusic import _pretrained

    calls = []
    original = _pretrained.load_pretrained

    def counting_load(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(_pretrained, "load_pretrained", counting_load)
    segments = SpeechMusicSegmenter().segment(example_audio("programme"))
    assert len(segments) > 1 and len(calls) == 1


@pytest.mark.parametrize("min_duration", [4.0, 25.0])
def test_a_short_sound_beside_a_pause_is_never_labelled_silence(shipped_pipeline, min_duration):
    # The programme opens with 3.3 s of speech and a 0.6-s pause. A sound shorter than
    # min_duration with only pauses beside it used to join the pause as "Silence"
    # (min_duration=25 made the whole programme Silence, confidence 0.0009).
    segments = SpeechMusicSegmenter(shipped_pipeline, min_duration=min_duration).segment(
        example_audio("programme")
    )
    assert "Silence" not in segments["label"].tolist(), segments
    if min_duration > segments["end"].iloc[-1]:
        assert len(segments) == 1, segments
    else:
        assert segments.iloc[0]["label"] == "Speech", segments
        assert ((segments["end"] - segments["start"]) >= min_duration).all(), segments


def test_subnormal_samples_from_resampling_raise_no_warnings(shipped_pipeline):
    # Resampled digital silence leaves subnormal samples; their frames' 1 / power
    # overflowed float32 and NumPy warned on every such file.
    import warnings

    import soxr

    waveform, rate = soundfile.read(example_audio("programme"), dtype="float32")
    resampled = soxr.resample(waveform, rate, 16000).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        segments = SpeechMusicSegmenter(shipped_pipeline).segment((resampled, 16000))
    assert segments["label"].tolist()[:3] == ["Speech", "Silence", "Speech"], segments


@pytest.mark.parametrize("other", [{"window": 5.0}, {"hop": 1.0}])
def test_windows_of_other_settings_are_refused(shipped_pipeline, other):
    # Smoothing and island removal are sized by window and hop: a window=5 segmenter
    # silently lost the programme's 13.6-18.6 s speech from 3-s windows.
    programme = example_audio("programme")
    windows = SpeechMusicSegmenter(shipped_pipeline).window_probabilities(programme)
    (name,) = other
    with pytest.raises(ValueError, match=f"computed with {name} of about"):
        SpeechMusicSegmenter(shipped_pipeline, **other).segments_from_windows(windows)
    same = SpeechMusicSegmenter(shipped_pipeline, min_duration=2.0).segments_from_windows(windows)
    assert len(same) > 1


def test_a_label_does_not_spill_over_a_pause_into_the_next_sound():
    # Music, a 2-s pause, then speech: the boundary put near the pause left the
    # speech's first 1.3 s labelled Music (confidence 0.001), though every window
    # centred there said Speech.
    from sklearn_speechmusic._segmenter import _no_spill_over_pauses

    music, silence, speech = 0, 1, 2
    centers = np.arange(1.5, 17.0, 0.5)
    probabilities = np.where((centers < 9.0)[:, None], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0])
    segments = [[0.0, 8.0, music], [8.0, 10.0, silence], [10.0, 11.3, music], [11.3, 18.0, speech]]
    fixed = _no_spill_over_pauses([list(s) for s in segments], probabilities, centers, silence, 2.0)
    assert [s[2] for s in fixed] == [music, silence, speech, speech]
    # Where the piece's own windows say music, it stays music.
    probabilities[(centers >= 10.0) & (centers < 11.3)] = [1.0, 0.0, 0.0]
    kept = _no_spill_over_pauses([list(s) for s in segments], probabilities, centers, silence, 2.0)
    assert [s[2] for s in kept] == [music, silence, music, speech]


def _window_table(labels_per_window, classes, hop=0.5, window=3.0):
    """A window table whose windows say ``labels_per_window`` (one label each) with p = 0.9."""
    starts = np.arange(len(labels_per_window)) * hop
    table = pd.DataFrame(
        {"start": starts, "end": starts + window, "center": starts + window / 2, "level_db": -20.0}
    )
    for label in classes:
        table[label] = [0.9 if said == label else 0.1 / (len(classes) - 1) for said in labels_per_window]
    table.attrs["duration"] = float(starts[-1] + window)
    return table


@pytest.mark.parametrize("n_between", [3, 6])
def test_the_trace_of_a_change_between_two_sounds_is_split_between_them(n_between):
    # Speech turning into noise sounded like music to the windows straddling it:
    # a 2-3 s Music segment no window heard alone, between Speech and Noise.
    classes = ["Music", "Noise", "Speech"]
    said = ["Speech"] * 20 + ["Music"] * n_between + ["Noise"] * 20
    segmenter = SpeechMusicSegmenter(smoothing="none", refine_boundaries=False, min_duration=0.0)
    segments = segmenter.segments_from_windows(_window_table(said, classes))
    assert segments["label"].tolist() == ["Speech", "Noise"], segments
    middle_of_the_trace = 1.5 + 0.5 * (20 + n_between / 2) - 0.25
    assert segments["end"].iloc[0] == pytest.approx(middle_of_the_trace, abs=0.01)
    # A segment as long as the windows straddling one change (window + hop) was heard alone: kept.
    said = ["Speech"] * 20 + ["Music"] * 7 + ["Noise"] * 20
    kept = segmenter.segments_from_windows(_window_table(said, classes))
    assert kept["label"].tolist() == ["Speech", "Music", "Noise"], kept


def test_the_shortest_trace_is_absorbed_first():
    from sklearn_speechmusic._smoothing import absorb_traces

    speech, music, noise = 0, 1, 2
    # Windows: speech, then music with two single windows heard as noise in it.
    heard = [[0, 9, speech], [9, 9.5, noise], [9.5, 12, music], [12, 12.5, noise], [12.5, 15.5, music]]
    heard += [[15.5, 16, noise], [16, 20, music]]
    # Taken left to right, the 2.5-s music between the first two went to the noise first.
    assert [s[2] for s in absorb_traces(heard, 3.5)] == [speech, music]
    assert absorb_traces([], 3.5) == []


def test_a_short_sound_beside_silence_is_no_trace_of_a_change():
    from sklearn_speechmusic._smoothing import absorb_transitions

    speech, noise, music, silence = 0, 1, 2, 3
    beside_a_pause = [[0, 9, speech], [9, 11, music], [11, 12, silence], [12, 20, noise]]
    assert absorb_transitions(beside_a_pause, 3.5, keep=silence) == beside_a_pause
    # Two neighbours of one label are an island, absorb_islands' business.
    island = [[0, 9, speech], [9, 11, music], [11, 20, speech]]
    assert absorb_transitions(island, 3.5, keep=silence) == island
    # Consecutive traces are split one after the other.
    two = [[0, 9, speech], [9, 10, music], [10, 11, silence + 1], [11, 20, noise]]
    assert [s[2] for s in absorb_transitions(two, 3.5, keep=silence)] == [speech, noise]


@pytest.mark.parametrize(
    ("said", "shift"),
    [(("Speech", "Noise"), -0.6), (("Noise", "Speech"), 0.6), (("Speech", "Music"), 0.0)],
    ids=["speech-noise", "noise-speech", "speech-music"],
)
def test_a_change_between_speech_and_noise_is_expected_nearer_the_speech(said, shift):
    # Windows holding under a second of speech already say Speech, the more so
    # against noise: the window labels put a speech/noise change about 0.6 s
    # into the noise. On audio with no spectral change to follow (steady noise)
    # the refined boundary stays where it is expected.
    classes = ["Music", "Noise", "Speech"]
    table = _window_table([said[0]] * 16 + [said[1]] * 16, classes)
    windows_put_it = 1.5 + 0.5 * 16 - 0.25
    rate = 22050
    n_samples = int(table.attrs["duration"] * rate)
    steady = (np.random.default_rng(0).normal(size=n_samples) * 0.1).astype(np.float32)
    segmenter = SpeechMusicSegmenter(smoothing="none", min_duration=0.0, silence_db=None, silence_margin=None)
    segments = segmenter.segments_from_windows(table, audio=(steady, rate))
    assert segments["label"].tolist() == list(said)
    assert segments["end"].iloc[0] == pytest.approx(windows_put_it + shift, abs=0.25)


def test_splitting_traces_leaves_no_island_behind():
    # Two traces back to back between two stretches of speech: splitting the first
    # left the second between two Speech segments, and it survived.
    classes = ["Music", "Noise", "Speech"]
    segmenter = SpeechMusicSegmenter(smoothing="none", refine_boundaries=False)
    for middle in (
        ["Music"] * 3 + ["Noise"] * 3,
        ["Noise"] * 3 + ["Music"] * 3,
        ["Music"] * 4 + ["Noise"] * 2,
    ):
        said = ["Speech"] * 20 + middle + ["Speech"] * 20
        segments = segmenter.segments_from_windows(_window_table(said, classes))
        assert segments["label"].tolist() == ["Speech"], segments


def test_the_change_point_context_stays_within_the_two_neighbours():
    # Music, 1.5 s of noise, then speech, with 1-s windows: a second of context
    # before the noise/speech range reaches into the music, whose change then wins.
    rate, classes = 22050, ["Music", "Noise", "Speech"]
    rng = np.random.default_rng(0)
    t = np.arange(4 * rate) / rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (262, 330, 392)) * 0.1
    white = rng.normal(size=int(1.5 * rate)) * 0.1
    filtered = np.convolve(rng.normal(size=4 * rate), np.ones(2) / 2, mode="same") * 0.14  # barely duller
    audio = (np.concatenate([chord, white, filtered]).astype(np.float32), rate)
    centres = np.arange(0, 8.5 + 1e-9, 0.25) + 0.5
    said = ["Music" if c < 4 else "Noise" if c < 5.5 else "Speech" for c in centres]
    segmenter = SpeechMusicSegmenter(
        window=1.0, hop=0.25, smoothing="none", silence_db=None, silence_margin=None
    )
    segments = segmenter.segments_from_windows(
        _window_table(said, classes, hop=0.25, window=1.0), audio=audio
    )
    assert segments["label"].tolist() == ["Music", "Noise", "Speech"], segments
    assert segments["end"].iloc[1] == pytest.approx(5.5, abs=0.1), segments
