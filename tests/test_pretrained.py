"""make_default_pipeline and the shipped load_pretrained() model."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import Pipeline

from sklearn_speechmusic import (
    AudioFeatureExtractor,
    SeedEnsembleClassifier,
    SpeechMusicClassifier,
    load_demo,
    load_pretrained,
    load_training_data,
    make_default_pipeline,
)

AUDIO_DIR = Path(__file__).parent / "data" / "audio"
CLIPS = sorted(AUDIO_DIR.glob("*/*.ogg"))
LABELS = [clip.parent.name for clip in CLIPS]


def test_default_pipeline_structure_and_parameters():
    pipeline = make_default_pipeline(random_state=3, epochs=7)
    assert isinstance(pipeline, Pipeline)
    assert [name for name, _ in pipeline.steps] == ["features", "scale", "classifier"]
    assert isinstance(pipeline[0], AudioFeatureExtractor)
    assert isinstance(pipeline[-1], SpeechMusicClassifier)
    params = pipeline.get_params()
    assert params["classifier__random_state"] == 3 and params["classifier__epochs"] == 7
    # Demo defaults for everything not given.
    assert params["classifier__batch_size"] == 32 and params["classifier__validation_split"] == 0.2
    pipeline.set_params(features__n_jobs=2, classifier__epochs=2)
    assert clone(pipeline).get_params()["features__n_jobs"] == 2
    with pytest.raises(TypeError, match="unexpected keyword argument 'epoch'"):
        make_default_pipeline(epoch=3)


def test_default_pipeline_fits_audio_paths(fast_params):
    pipeline = make_default_pipeline(**fast_params).fit(CLIPS, LABELS)
    assert pipeline.classes_.tolist() == ["Music", "Speech"]
    assert pipeline.score(CLIPS, LABELS) == 1.0


def test_default_pipeline_in_group_cross_validation():
    demo = load_demo()
    model = make_default_pipeline(random_state=0, epochs=5)[1:]
    scores = cross_val_score(model, demo.data, demo.target, groups=demo.groups, cv=GroupKFold(3))
    assert scores.min() > 0.85


def test_pretrained_predicts_audio_without_training():
    pipeline = load_pretrained()
    assert pipeline.classes_.tolist() == ["Music", "Noise", "Silence", "Speech"]
    assert pipeline.predict(CLIPS).tolist() == LABELS
    probabilities = pipeline.predict_proba([str(CLIPS[0]), (np.zeros(22050), 22050)])
    assert probabilities.shape == (2, 4)
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-12)  # float64 softmax: rows sum to 1
    # Independent copies: refitting one leaves the next load untouched.
    load_pretrained().set_params(classifier__estimator__epochs=1)
    assert load_pretrained().get_params()["classifier__estimator__epochs"] == 20


def test_recipe_needs_at_least_one_network():
    from sklearn_speechmusic._pretrained import fit_on_corpus_features

    X, y = np.zeros((4, 2)), ["Speech", "Music"] * 2
    with pytest.raises(ValueError, match="n_networks must be at least 1; got 0"):
        fit_on_corpus_features(X, y, ["a", "level_dbfs"], n_networks=0)


def test_pretrained_averages_five_seeded_networks():
    ensemble = load_pretrained()[-1]
    assert isinstance(ensemble, SeedEnsembleClassifier) and ensemble.n_estimators == 5
    assert all(isinstance(member, SpeechMusicClassifier) for member in ensemble.estimators_)
    assert len(set(ensemble.seeds_.tolist())) == 5
    assert {member.hidden_layer_sizes for member in ensemble.estimators_} == {(64, 512, 128, 128, 64)}


def test_silence_dc_and_noise_are_not_speech_or_music():
    rate = 22050
    rng = np.random.RandomState(0)
    clips = [
        (np.zeros(3 * rate), rate),  # digital silence
        (np.full(3 * rate, 0.25), rate),  # a DC offset
        (1e-5 * rng.standard_normal(3 * rate), rate),  # dither at -100 dBFS
        (0.1 * rng.standard_normal(3 * rate), rate),  # loud white noise
    ]
    assert load_pretrained().predict(clips).tolist() == ["Silence", "Silence", "Silence", "Noise"]


def test_two_class_view_renormalises_speech_and_music():
    clips = [str(c) for c in CLIPS] + [(np.zeros(22050), 22050)]
    full = load_pretrained().predict_proba(clips)
    two = load_pretrained(classes=["Speech", "Music"])
    assert two.classes_.tolist() == ["Music", "Speech"]
    proba = two.predict_proba(clips)
    # The four-class probabilities of Music and Speech renormalised (float64
    # arithmetic on both sides; differences of a few units of 1e-16).
    expected = full[:, [0, 3]] / full[:, [0, 3]].sum(axis=1, keepdims=True)
    np.testing.assert_allclose(proba, expected, rtol=1e-9, atol=1e-12)
    assert (two.predict(clips) == np.where(full[:, 0] > full[:, 3], "Music", "Speech")).all()
    assert two.predict(clips[:-1]).tolist() == LABELS
    with pytest.raises(ValueError, match=r"\['Laughter'\] are not classes of the model"):
        load_pretrained(classes=["Speech", "Laughter"])
    with pytest.raises(ValueError, match="at least 2 distinct classes"):
        load_pretrained(classes=["Speech", "Speech"])


def test_pretrained_is_the_network_trained_on_the_corpus():
    corpus = load_training_data(as_frame=False)
    pipeline = load_pretrained()
    assert pipeline[1:].score(corpus.data, corpus.target) > 0.95
    assert pipeline.get_params()["classifier__random_state"] == 0
    assert pipeline.get_params()["classifier__estimator__random_state"] is None


def test_pretrained_loads_in_a_fresh_process_without_pickle():
    script = textwrap.dedent(
        f"""
        import pickle
        pickle.loads = pickle.load = None  # nothing may be unpickled
        from sklearn_speechmusic import load_pretrained
        print(load_pretrained().predict({[str(c) for c in CLIPS[:2]]!r}).tolist())
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == str(LABELS[:2])
