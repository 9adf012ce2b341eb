"""How well the shipped model's recipe generalises to recording chains it never saw.

**Leave collections out** on :func:`~sklearn_speechmusic.load_training_data`: the
collections (a package's speech in one language, one game's music, one sound-effect
pack, a rendered soundfont, a silence type) are dealt into ``--folds`` folds
(``GroupKFold``); for each fold the scaler and networks are fitted with the shipped
recipe (``fit_on_corpus_features``) on the collections of the other folds only, and
predict the fold's. Speech mixed over a music bed is held out with its speech
collection, and left out of training whenever its bed's collection is held out; a
clip turned down into Silence is held out with its source collection. No recording is
ever on both sides. With ``--folds`` equal to the number of collections this is leave
one collection out.

Printed: per collection accuracy; pooled recall per class (Speech, Music, Noise,
Silence); accuracy over speech and music (a Noise or Silence answer counts as wrong);
the two-class view (``load_pretrained(classes=["Music", "Speech"])``: argmax of the two
probabilities) on speech and music; and accuracy per kind (sung, speech over music,
solo instrument, isolated words, ...).

Run: ``python benchmarks/bench_generalisation.py [--seeds N] [--folds K] [--networks M]
[--csv PATH]`` (about 30 s per network and fold on 2 cores; ``--networks 1`` trains
single networks instead of the shipped average of five; ``--csv`` writes every
held-out row's collection, kind, label and predictions, ``{seed}`` in it naming the
seed).
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import pandas as pd

from sklearn_speechmusic import load_training_data
from sklearn_speechmusic._pretrained import PRETRAINED_NETWORKS, fit_on_corpus_features

CLASSES = ("Speech", "Music", "Noise", "Silence")


def leave_collections_out(
    corpus, seed: int, n_folds: int, n_networks: int = PRETRAINED_NETWORKS
) -> pd.DataFrame:
    """Predictions (4 classes and the two-class view) for every held-out row."""
    from sklearn.model_selection import GroupKFold

    X, y = corpus.data.to_numpy(), corpus.target.to_numpy()
    collections = corpus.collections.to_numpy()
    beds = corpus.sources["BedCollection"].to_numpy()
    quiet_copies = np.char.startswith(collections.astype(str), "silence-quiet-")
    folds_of = np.where(quiet_copies, beds, collections)
    predicted = np.full(len(y), "", dtype=object)
    two_class = np.full(len(y), "", dtype=object)
    splitter = GroupKFold(n_splits=min(n_folds, len(np.unique(folds_of))))
    for _, fold in splitter.split(X, y, groups=folds_of):
        held_out = np.isin(folds_of, np.unique(folds_of[fold]))
        train = ~held_out & ~np.isin(beds, np.unique(folds_of[fold]))
        model = fit_on_corpus_features(
            X[train], y[train], corpus.feature_names, random_state=seed, n_networks=n_networks
        )[1:]
        proba = model.predict_proba(X[held_out])
        classes = model.classes_
        predicted[held_out] = classes[proba.argmax(axis=1)]
        speech_music = np.isin(classes, ["Music", "Speech"])
        two_class[held_out] = classes[speech_music][proba[:, speech_music].argmax(axis=1)]
        names = ", ".join(np.unique(folds_of[fold]))
        print(f"  {np.mean(predicted[held_out] == y[held_out]):.3f}  held out: {names}", flush=True)
    return pd.DataFrame(
        {
            "collection": collections,
            "kind": corpus.sources["Kind"].to_numpy(),
            "label": y,
            "predicted": predicted,
            "two_class": two_class,
        }
    )


def report(results: pd.DataFrame) -> None:
    results = results[results["predicted"] != ""]
    correct = results["predicted"] == results["label"]
    print("\nrecall per class (4-class answer):")
    for label in CLASSES:
        mask = results["label"] == label
        if mask.any():
            print(f"  {label:<8} {correct[mask].mean():.4f}  ({mask.sum()} clips)")
    speech_music = results["label"].isin(["Speech", "Music"])
    print(f"speech + music accuracy, 4-class answer: {correct[speech_music].mean():.4f}")
    two_class = (results["two_class"] == results["label"])[speech_music]
    print(f"speech + music accuracy, two-class view:  {two_class.mean():.4f}")
    print("\naccuracy per kind (4-class answer; two-class view for speech and music):")
    rows = []
    for (label, kind), group in results.groupby(["label", "kind"]):
        hits = group["predicted"] == group["label"]
        view = (group["two_class"] == group["label"]).mean() if label in ("Speech", "Music") else np.nan
        top_miss = group.loc[~hits, "predicted"].value_counts()
        rows.append(
            {
                "label": label,
                "kind": kind,
                "clips": len(group),
                "accuracy": hits.mean(),
                "two-class": view,
                "most often instead": top_miss.index[0] if len(top_miss) else "",
            }
        )
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    per_collection = results.groupby("collection").apply(lambda g: (g["predicted"] == g["label"]).mean())
    print(f"\nworst collections: {per_collection.nsmallest(5).round(3).to_dict()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="leave-one-collection-out generalisation")
    parser.add_argument("--seeds", type=int, default=1, help="repeat with random_state 0..N-1")
    parser.add_argument("--folds", type=int, default=8, help="folds of whole collections")
    parser.add_argument("--csv", default=None, help="also write every held-out prediction here")
    parser.add_argument(
        "--networks",
        type=int,
        default=PRETRAINED_NETWORKS,
        help=f"networks averaged, as shipped (default {PRETRAINED_NETWORKS}); 1 for a single network",
    )
    args = parser.parse_args(argv)
    corpus = load_training_data()
    print(
        f"{corpus.collections.nunique()} collections, {len(corpus.target)} clips: "
        f"{corpus.target.value_counts().to_dict()}"
    )
    for seed in range(args.seeds):
        print(f"\n== leave collections out ({args.folds} folds), random_state={seed}")
        results = leave_collections_out(corpus, seed, args.folds, args.networks)
        report(results)
        if args.csv:
            results.to_csv(args.csv.replace("{seed}", str(seed)) if args.seeds > 1 else args.csv, index=False)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
