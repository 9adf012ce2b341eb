"""Speed and memory of SpeechMusicClassifier against its baselines, in one run.

Data: 2000 rows x 40 features (``make_classification``), the default (demo)
network. Each row prints ``ours / baseline = ratio`` (medians over repeats):

* ``predict`` on one row vs ``MLPClassifier`` with the same hidden layers, and vs
  scikeras' ``KerasClassifier``;
* ``predict_proba`` on 2000 rows vs the raw Keras ``model.predict``;
* ``fit`` (20 epochs, batch 32, validation_split 0.2) vs raw Keras ``model.fit``
  with the same settings, and vs ``MLPClassifier`` for the same epochs;
* ``import sklearn_speechmusic`` vs ``import scikeras.wrappers`` (fresh processes);
* RSS growth over a 30-fit ``GridSearchCV``.

Run: ``python benchmarks/bench_classifier.py``.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

N_ROWS, N_FEATURES = 2000, 40


def median_seconds(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def row(name: str, ours: float, baseline: float, baseline_name: str, unit: str = "ms") -> None:
    scale = 1e3 if unit == "ms" else 1.0
    print(
        f"{name:<34} ours {ours * scale:9.3f} {unit} / {baseline_name} {baseline * scale:9.3f} {unit}"
        f" = {ours / baseline:6.3f}"
    )


def import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
        for _ in range(3)
    ]
    return statistics.median(runs)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore")
    print("import sklearn_speechmusic vs import scikeras.wrappers (fresh processes, median of 3)")
    row("import", import_seconds("sklearn_speechmusic"), import_seconds("scikeras.wrappers"), "scikeras", "s")

    from sklearn.datasets import make_classification
    from sklearn.model_selection import GridSearchCV
    from sklearn.neural_network import MLPClassifier

    from sklearn_speechmusic import SpeechMusicClassifier
    from sklearn_speechmusic._network import DEMO_HIDDEN_LAYER_SIZES, build_dense_network

    X, y = make_classification(N_ROWS, N_FEATURES, n_informative=20, random_state=0)
    X = X.astype(np.float32)
    labels = np.where(y == 1, "Speech", "Music")
    one_row = X[:1]

    ours = SpeechMusicClassifier(random_state=0)
    fit_ours = median_seconds(lambda: ours.fit(X, labels), 3)

    def demo_network():
        return build_dense_network(
            n_features=N_FEATURES,
            n_classes=2,
            hidden_layer_sizes=DEMO_HIDDEN_LAYER_SIZES,
            activation="relu",
            learning_rate=1e-3,
            seed=0,
        )

    raw_histories = []

    def fit_raw_keras():
        # A fresh network per fit, as ours builds one: both pay for tracing.
        model = demo_network()
        raw_histories.append(model.fit(X, y, epochs=20, batch_size=32, validation_split=0.2, verbose=0))

    fit_raw = median_seconds(fit_raw_keras, 3)
    mlp = MLPClassifier(DEMO_HIDDEN_LAYER_SIZES, max_iter=20, batch_size=32, random_state=0)
    fit_mlp = median_seconds(lambda: mlp.fit(X, labels), 3)
    print("\nfit: 20 epochs, batch 32, validation_split 0.2 (median of 3)")
    row("fit vs raw Keras model.fit", fit_ours, fit_raw, "keras")
    row("fit vs MLPClassifier (20 epochs)", fit_ours, fit_mlp, "mlp")
    print(
        f"  validation accuracy, last epoch: ours {ours.history_['val_accuracy'][-1]:.3f}, "
        f"raw Keras {raw_histories[-1].history['val_accuracy'][-1]:.3f}"
    )

    print("\npredict latency on one row (median of 200 calls)")
    predict_ours = median_seconds(lambda: ours.predict(one_row), 200)
    predict_mlp = median_seconds(lambda: mlp.predict(one_row), 200)
    row("predict(1 row) vs MLPClassifier", predict_ours, predict_mlp, "mlp")
    from scikeras.wrappers import KerasClassifier

    scikeras = KerasClassifier(demo_network, epochs=1, verbose=0).fit(X, y)
    predict_scikeras = median_seconds(lambda: scikeras.predict(one_row), 20)
    row("predict(1 row) vs scikeras", predict_ours, predict_scikeras, "scikeras")

    print("\npredict_proba on 2000 rows (median of 20 calls)")
    proba_ours = median_seconds(lambda: ours.predict_proba(X), 20)
    proba_raw = median_seconds(lambda: ours.model_.predict(X, verbose=0), 20)
    row("predict_proba vs model.predict", proba_ours, proba_raw, "keras")
    agree = np.abs(ours.predict_proba(X) - ours.model_.predict(X, verbose=0)).max()
    print(f"  max |ours - model.predict| = {agree:.2e}")

    print("\nmemory: RSS over a 30-fit GridSearchCV (10 candidates x 3 folds)")
    gc.collect()
    start = rss_mb()
    search = GridSearchCV(
        SpeechMusicClassifier(epochs=2, random_state=0),
        {"learning_rate": list(np.geomspace(1e-4, 1e-2, 10))},
        cv=3,
        refit=False,
    )
    search.fit(X, labels)
    gc.collect()
    growth = rss_mb() - start
    print(f"  RSS before {start:.0f} MB, after {start + growth:.0f} MB: growth {growth:.0f} MB (target: 100)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
