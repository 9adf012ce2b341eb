"""How well the default pipeline generalises to recording chains it never saw.

Two measurements, printed as tables:

1. **Leave one collection out** on :func:`~sklearn_speechmusic.load_training_data`:
   for each recording chain (a package's speech in one language, or one game's
   music), fit :func:`~sklearn_speechmusic.make_default_pipeline` on all the
   *other* collections (their clips and augmented copies) and score the held-out
   collection's clips as recorded, and separately their augmented copies.
   Overall accuracy and per-class recall pool every held-out prediction. This is
   the estimate of how the shipped ``load_pretrained()`` model does on a new
   source: it is trained the same way, on all collections.
2. **Shared clips only**: ``make_default_pipeline(random_state=0)`` fitted on the
   audio of the 598 shared Czech/orchestral clips (wall time printed), then
   scored on every other collection.

The extractor learns nothing, so (1) fits the scaler and network on the stored
features, which is the same as fitting the pipeline on the audio.

Run: ``python benchmarks/bench_generalisation.py [--seeds N]`` (about 3 minutes
per seed on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_speechmusic import load_training_data, make_default_pipeline

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "speech_music"
SHARED_COLLECTIONS = ("fillets-ng-cs-voices", "wesnoth-music")


def leave_one_collection_out(corpus, seed: int) -> pd.DataFrame:
    """One row per held-out collection: clips, accuracy as recorded and augmented."""
    X, y = corpus.data.to_numpy(), corpus.target.to_numpy()
    collections = corpus.collections.to_numpy()
    original = (corpus.sources["Augmentation"] == "none").to_numpy()
    rows, predictions = [], np.empty(len(y), dtype=object)
    for collection in np.unique(collections):
        held_out = collections == collection
        model = make_default_pipeline(random_state=seed)[1:].fit(X[~held_out], y[~held_out])
        predictions[held_out] = model.predict(X[held_out])
        as_recorded, augmented = held_out & original, held_out & ~original
        rows.append(
            {
                "collection": collection,
                "label": y[held_out][0],
                "clips": int(as_recorded.sum()),
                "accuracy": np.mean(predictions[as_recorded] == y[as_recorded]),
                "augmented": np.mean(predictions[augmented] == y[augmented]),
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["predictions"] = predictions
    return table


def summary(y, predictions, mask) -> dict[str, float]:
    """Pooled accuracy and per-class recall over the rows in ``mask``."""
    correct = predictions[mask] == y[mask]
    return {
        "accuracy": correct.mean(),
        "speech recall": correct[y[mask] == "Speech"].mean(),
        "music recall": correct[y[mask] == "Music"].mean(),
    }


def shared_only(corpus, seed: int) -> tuple[float, dict[str, float], dict[str, float]]:
    """Fit on the shared clips' audio (time it), score on every other collection."""
    manifest = pd.read_csv(SHARED / "manifest.csv").drop_duplicates("path")
    paths = [str(SHARED / path) for path in manifest["path"]]
    start = time.perf_counter()
    pipeline = make_default_pipeline(random_state=seed).fit(paths, manifest["label"])
    seconds = time.perf_counter() - start
    X, y = corpus.data.to_numpy(), corpus.target.to_numpy()
    unseen = ~np.isin(corpus.collections.to_numpy(), SHARED_COLLECTIONS)
    original = (corpus.sources["Augmentation"] == "none").to_numpy()
    predictions = pipeline[1:].predict(X)
    return seconds, summary(y, predictions, unseen & original), summary(y, predictions, unseen & ~original)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="leave-one-collection-out generalisation")
    parser.add_argument("--seeds", type=int, default=1, help="repeat with random_state 0..N-1")
    args = parser.parse_args(argv)
    corpus = load_training_data()
    y = corpus.target.to_numpy()
    original = (corpus.sources["Augmentation"] == "none").to_numpy()
    print(f"{len(np.unique(corpus.collections))} collections, {original.sum()} clips (+ augmented copies)")
    pooled = []
    for seed in range(args.seeds):
        table = leave_one_collection_out(corpus, seed)
        predictions = table.attrs["predictions"]
        print(f"\n== leave one collection out, random_state={seed}")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        as_recorded, augmented = summary(y, predictions, original), summary(y, predictions, ~original)
        pooled.append(as_recorded)
        print("as recorded:", ", ".join(f"{k} {v:.4f}" for k, v in as_recorded.items()))
        print("augmented:  ", ", ".join(f"{k} {v:.4f}" for k, v in augmented.items()))
        print(
            f"worst collection: {table.loc[table.accuracy.idxmin(), 'collection']} {table.accuracy.min():.3f}"
        )
    if args.seeds > 1:
        accuracies = [p["accuracy"] for p in pooled]
        low, high = min(accuracies), max(accuracies)
        print(f"\naccuracy over seeds: median {np.median(accuracies):.4f}, range {low:.4f}-{high:.4f}")

    if SHARED.is_dir():
        seconds, unseen, unseen_augmented = shared_only(corpus, 0)
        print("\n== make_default_pipeline(random_state=0) fitted on the 598 shared clips' audio")
        print(f"fit time (features + network): {seconds:.1f} s")
        print("other collections, as recorded:", ", ".join(f"{k} {v:.4f}" for k, v in unseen.items()))
        print(
            "other collections, augmented:  ", ", ".join(f"{k} {v:.4f}" for k, v in unseen_augmented.items())
        )
    else:
        print(f"\n(shared clips not found at {SHARED}: skipped the shared-only measurement)")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
