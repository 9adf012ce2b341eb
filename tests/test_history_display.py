"""TrainingHistoryDisplay and plot_training_history."""

import math

import numpy as np
import pytest
from conftest import EARLY_STOPPING_PARAMS
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_speechmusic import SpeechMusicClassifier, TrainingHistoryDisplay, plot_training_history


@pytest.fixture
def pyplot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    yield plt
    plt.close("all")


@pytest.fixture(scope="module")
def fitted():
    from conftest import FAST_PARAMS, make_speech_music_blobs

    X, y = make_speech_music_blobs()
    return SpeechMusicClassifier(**{**FAST_PARAMS, "epochs": 6}).fit(X, y), X, y


@pytest.mark.parametrize("metric", ["loss", "accuracy"])
def test_lines_hold_the_history_exactly(pyplot, fitted, metric):
    clf, _, _ = fitted
    disp = TrainingHistoryDisplay.from_estimator(clf, metric=metric)
    training, validation = disp.lines_
    assert np.array_equal(training.get_xdata(), np.arange(1, 7))
    assert np.array_equal(training.get_ydata(), clf.history_[metric])
    assert np.array_equal(validation.get_ydata(), clf.history_[f"val_{metric}"])
    assert [text.get_text() for text in disp.ax_.get_legend().get_texts()] == ["Training", "Validation"]
    assert disp.ax_.get_xlabel() == "Epoch"
    assert disp.ax_.get_ylabel() == metric.capitalize()
    assert disp.figure_ is disp.ax_.figure
    assert disp.best_epoch_line_ is None


def test_pipeline_and_search_are_unwrapped(pyplot, fitted):
    _, X, y = fitted
    pipeline = make_pipeline(StandardScaler(), SpeechMusicClassifier(hidden_layer_sizes=(4,), epochs=2))
    pipeline.fit(X, y)
    disp = TrainingHistoryDisplay.from_estimator(pipeline)
    assert np.array_equal(disp.lines_[0].get_ydata(), pipeline[-1].history_["loss"])

    search = GridSearchCV(pipeline, {"speechmusicclassifier__epochs": [2, 3]}, cv=2).fit(X, y)
    disp = TrainingHistoryDisplay.from_estimator(search, metric="accuracy")
    best = search.best_estimator_[-1]
    assert np.array_equal(disp.lines_[0].get_ydata(), best.history_["accuracy"])


def test_existing_axes_are_drawn_into(pyplot, fitted):
    clf, _, _ = fitted
    fig, ax = pyplot.subplots()
    disp = TrainingHistoryDisplay.from_estimator(clf, ax=ax)
    assert disp.ax_ is ax and disp.figure_ is fig
    assert pyplot.get_fignums() == [fig.number]


def test_training_curve_only_without_validation(pyplot, fitted):
    _, X, y = fitted
    clf = SpeechMusicClassifier(hidden_layer_sizes=(4,), epochs=3, validation_split=0, random_state=0).fit(
        X, y
    )
    disp = TrainingHistoryDisplay.from_estimator(clf)
    assert len(disp.lines_) == 1
    assert [text.get_text() for text in disp.ax_.get_legend().get_texts()] == ["Training"]


def test_early_stopping_marks_the_restored_epoch(pyplot, fitted):
    _, X, y = fitted
    clf = SpeechMusicClassifier(**EARLY_STOPPING_PARAMS, patience=2).fit(X, y)
    disp = TrainingHistoryDisplay.from_estimator(clf)
    assert disp.best_epoch_line_.get_xdata()[0] == clf.best_epoch_
    assert f"Best epoch ({clf.best_epoch_})" in [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    assert TrainingHistoryDisplay.from_estimator(clf, mark_best_epoch=False).best_epoch_line_ is None


def test_from_history_accepts_dicts_and_keras_history(pyplot, fitted):
    clf, _, _ = fitted
    disp = TrainingHistoryDisplay.from_history({"loss": [3.0, 2.0, 1.0]}, best_epoch=3, name="net")
    assert np.array_equal(disp.lines_[0].get_ydata(), [3.0, 2.0, 1.0])
    assert disp.ax_.get_title(loc="left") == "net"

    class KerasLikeHistory:
        history = clf.history_

    disp = TrainingHistoryDisplay.from_history(KerasLikeHistory(), metric="accuracy")
    assert np.array_equal(disp.lines_[1].get_ydata(), clf.history_["val_accuracy"])


def test_unknown_metric_lists_the_valid_ones(pyplot, fitted):
    clf, _, _ = fitted
    with pytest.raises(ValueError, match=r"Unknown metric 'f1'; valid metrics .* \['accuracy', 'loss'\]"):
        TrainingHistoryDisplay.from_estimator(clf, metric="f1")
    assert pyplot.get_fignums() == []


@pytest.mark.parametrize(
    "make_unfitted",
    [
        lambda: SpeechMusicClassifier(),
        lambda: make_pipeline(StandardScaler(), SpeechMusicClassifier()),
        lambda: GridSearchCV(SpeechMusicClassifier(), {"epochs": [1, 2]}),
    ],
    ids=["classifier", "pipeline", "search"],
)
def test_unfitted_estimators_raise(pyplot, make_unfitted, tmp_path):
    with pytest.raises(NotFittedError):
        TrainingHistoryDisplay.from_estimator(make_unfitted())
    with pytest.raises(NotFittedError):
        plot_training_history(make_unfitted(), tmp_path)


def test_estimator_without_history_is_rejected(pyplot, fitted):
    from sklearn.linear_model import LogisticRegression

    _, X, y = fitted
    with pytest.raises(TypeError, match="no training history"):
        TrainingHistoryDisplay.from_estimator(LogisticRegression().fit(X, y))


def test_an_ensemble_says_which_member_to_plot(pyplot):
    from sklearn_speechmusic import load_pretrained

    ensemble = load_pretrained()[-1]
    with pytest.raises(TypeError, match=r"averages 5 networks.*estimators_\[0\]"):
        TrainingHistoryDisplay.from_estimator(load_pretrained())
    display = TrainingHistoryDisplay.from_estimator(ensemble.estimators_[0])
    assert len(display.lines_[0].get_ydata()) == len(ensemble.estimators_[0].history_["loss"])


def test_plot_training_history_writes_the_demo_pngs(pyplot, fitted, tmp_path):
    from PIL import Image

    clf, X, _ = fitted
    paths = plot_training_history(clf, tmp_path / "figures", dpi=100)
    assert [path.name for path in paths] == [
        f"Train_Validation_Loss_{len(X)}.png",
        f"Train_Validation_Accuracy_{len(X)}.png",
    ]
    for path in paths:
        with Image.open(path) as image:
            assert image.size == (500, round(500 / ((1 + math.sqrt(5)) / 2)))
            assert image.info["dpi"] == pytest.approx((100, 100), abs=0.1)
            pixels = np.asarray(image.convert("L"), dtype=float)
        assert pixels.var() > 0
    assert pyplot.get_fignums() == []  # nothing left open in pyplot
    assert plot_training_history(clf, tmp_path, n_samples=7, dpi=20)[0].name == "Train_Validation_Loss_7.png"


def test_latex_is_used_only_when_installed(monkeypatch, fitted, tmp_path, pyplot):
    import matplotlib

    from sklearn_speechmusic import _history_display, _plot_style

    seen = []
    original = _history_display.TrainingHistoryDisplay.from_estimator.__func__

    def spy(cls, *args, **kwargs):
        seen.append((matplotlib.rcParams["text.usetex"], matplotlib.rcParams["font.family"]))
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(_plot_style.shutil, "which", lambda program: None)
    monkeypatch.setattr(_history_display.TrainingHistoryDisplay, "from_estimator", classmethod(spy))
    plot_training_history(fitted[0], tmp_path, dpi=20)
    assert seen and all(usetex is False and family == ["serif"] for usetex, family in seen)
    assert matplotlib.rcParams["font.family"] != ["serif"] or matplotlib.rcParams["text.usetex"] is False


def test_every_curve_has_a_title_and_a_legend_that_covers_no_data(pyplot, fitted):
    clf, _, _ = fitted
    for metric, title in [("loss", "Loss per epoch"), ("accuracy", "Accuracy per epoch")]:
        disp = TrainingHistoryDisplay.from_estimator(clf, metric=metric)
        assert disp.ax_.get_title(loc="left") == title
        disp.figure_.canvas.draw()
        legend = disp.ax_.get_legend().get_window_extent()
        axes = disp.ax_.get_window_extent()
        assert legend.y0 >= axes.y1 - 1  # above the axes, not over the curves
        title_box = disp.ax_.title.get_window_extent()
        assert title_box.y0 >= legend.y1 - 1  # and below the title
    assert TrainingHistoryDisplay.from_estimator(clf, name="net").ax_.get_title(loc="left") == "net"


def test_estimator_name_still_works_with_a_future_warning(pyplot):
    with pytest.warns(FutureWarning, match="estimator_name is deprecated.*use name"):
        disp = TrainingHistoryDisplay.from_history({"loss": [1.0, 0.5]}, estimator_name="old")
    assert disp.name == "old" and disp.ax_.get_title(loc="left") == "old"
    with pytest.warns(FutureWarning, match="estimator_name is deprecated"):
        display = TrainingHistoryDisplay(history={"loss": [1.0]}, estimator_name="older")
    assert display.name == "older"
    with pytest.warns(FutureWarning, match="estimator_name is deprecated"):
        assert display.estimator_name == "older"
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match="pass name only"):
        TrainingHistoryDisplay(history={"loss": [1.0]}, name="a", estimator_name="b")


def test_demo_pngs_use_the_package_style(monkeypatch, fitted, tmp_path, pyplot):
    import matplotlib

    from sklearn_speechmusic import _plot_style

    seen = []
    original = TrainingHistoryDisplay.plot

    def spy(self, **kwargs):
        seen.append({key: matplotlib.rcParams[key] for key in ("font.family", "font.size")})
        return original(self, **kwargs)

    monkeypatch.setattr(TrainingHistoryDisplay, "plot", spy)
    plot_training_history(fitted[0], tmp_path, dpi=20)
    expected = {key: _plot_style.RC_PARAMS[key] for key in ("font.family", "font.size")}
    assert seen == [{"font.family": ["serif"], "font.size": expected["font.size"]}] * 2
