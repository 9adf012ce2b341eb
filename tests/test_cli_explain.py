"""``speechmusic explain``, and the demo's group-aware validation hold-out."""

import pandas as pd
import pytest
from test_cli import assert_one_line_error, speechmusic

import sklearn_speechmusic
from sklearn_speechmusic import AudioFeatureExtractor, load_demo


@pytest.fixture(scope="module")
def demo_table(tmp_path_factory):
    """60 clips of each class from the bundled demo table, in the demo's CSV format."""
    demo = load_demo()
    table = demo.data.copy()
    table.insert(0, "Label", demo.target)
    table.insert(0, "Filename", [f"clip_{i:03d}.wav" for i in range(len(table))])
    table = table.groupby("Label", group_keys=False).head(60)
    path = tmp_path_factory.mktemp("explain") / "demo.csv"
    table.to_csv(path, index=False)
    return path


def test_explain_lists_plots_and_writes_every_feature(demo_table, tmp_path):
    from PIL import Image

    result = speechmusic(
        "explain",
        "pretrained",
        demo_table,
        "--n-repeats",
        "1",
        "--top",
        "5",
        "--plot",
        tmp_path / "importance.png",
        "-o",
        tmp_path / "importance.csv",
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "rise in log-loss" in result.stdout and "Top 5:" in result.stdout
    ranked = [line.split()[1] for line in result.stdout.splitlines() if line[:3].strip().isdigit()]
    assert len(ranked) == 5
    assert "By family (sum over its features):" in result.stdout
    assert "MFCC" in result.stdout.split("By family")[1]

    table = pd.read_csv(tmp_path / "importance.csv")
    assert table.columns.tolist() == ["feature", "family", "importance_mean", "importance_std"]
    assert sorted(table["feature"]) == sorted(AudioFeatureExtractor().get_feature_names_out())
    assert table["feature"].head(5).tolist() == ranked  # same order as printed
    assert table["importance_mean"].is_monotonic_decreasing
    with Image.open(tmp_path / "importance.png") as image:
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.5)


def test_explain_a_saved_model_with_accuracy(demo_table, tmp_path):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_speechmusic import SpeechMusicClassifier, save_model

    X, y = load_demo(return_X_y=True)
    model = Pipeline(
        [
            ("scale", StandardScaler()),
            ("classifier", SpeechMusicClassifier(hidden_layer_sizes=(8,), epochs=3)),
        ]
    ).fit(X, y)
    save_model(model, tmp_path / "model.skm")
    result = speechmusic(
        "explain", tmp_path / "model.skm", demo_table, "--scoring", "accuracy", "--n-repeats", "1"
    )
    assert result.returncode == 0, result.stderr
    assert "drop in accuracy" in result.stdout and "Top 15:" in result.stdout


def test_explain_refuses_a_table_without_the_models_columns(demo_table, tmp_path):
    table = pd.read_csv(demo_table).drop(columns=["tonal_persistence_long"])
    table.to_csv(tmp_path / "short.csv", index=False)
    result = speechmusic("explain", "pretrained", tmp_path / "short.csv")
    assert_one_line_error(
        result, 1, "lacks 1 of the 66 feature columns the model needs: 'tonal_persistence_long'"
    )


def test_explain_refuses_unknown_labels(demo_table, tmp_path):
    table = pd.read_csv(demo_table)
    table.loc[0, "Label"] = "speech "
    table.to_csv(tmp_path / "labels.csv", index=False)
    result = speechmusic("explain", "pretrained", tmp_path / "labels.csv")
    assert_one_line_error(result, 1, "labels the model does not know: 'speech '")


@pytest.mark.parametrize("args", [["--top", "0"], ["--n-repeats", "many"], ["--scoring", "f1"]])
def test_explain_usage_errors(demo_table, args):
    result = speechmusic("explain", "pretrained", demo_table, *args)
    assert result.returncode == 2 and "usage:" in result.stderr and "Traceback" not in result.stderr


def test_explain_help_shows_every_default():
    result = speechmusic("explain", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for fragment in ["(default: neg_log_loss)", "(default: 5)", "(default: 15)", "(default: 0)"]:
        assert fragment in text


def test_demo_validates_on_whole_recordings(monkeypatch, tmp_path):
    """The network's validation rows come from recordings its training rows do not come from."""
    from sklearn.pipeline import Pipeline

    from sklearn_speechmusic._cli import main

    seen = {}

    class Stop(Exception):
        pass

    def fit(self, X, y, **params):
        seen.update(X=X, params=params)
        raise Stop("stop before training")

    monkeypatch.setattr(Pipeline, "fit", fit)
    assert main(["demo", "--output-dir", str(tmp_path / "out")]) == 1
    groups = seen["params"]["classifier__groups"]
    demo = sklearn_speechmusic.load_demo()
    assert len(groups) == len(seen["X"])
    assert groups.tolist() == demo.groups.loc[seen["X"].index].tolist()
