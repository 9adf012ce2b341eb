"""Train the pipeline that :func:`sklearn_speechmusic.load_pretrained` returns.

Fits :func:`~sklearn_speechmusic.make_default_pipeline` (``random_state=0``) on
every row of :func:`~sklearn_speechmusic.load_training_data` (clips as recorded
plus their augmented copies) and writes ``sklearn_speechmusic/data/pretrained.skm``
in the pickle-free format. The feature extractor learns nothing, so fitting the
scaler and network on the stored features gives the same pipeline as fitting it
on the audio. Takes well under a minute.

Run from the repository root: ``python scripts/train_pretrained.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sklearn_speechmusic import load_training_data, make_default_pipeline, save_model

OUTPUT = Path(__file__).resolve().parents[1] / "sklearn_speechmusic" / "data" / "pretrained.skm"
RANDOM_STATE = 0


def main() -> int:
    corpus = load_training_data(as_frame=False)
    pipeline = make_default_pipeline(random_state=RANDOM_STATE)
    pipeline[1:].fit(corpus.data, corpus.target)
    save_model(pipeline, OUTPUT)
    accuracy = pipeline[1:].score(corpus.data, corpus.target)
    print(f"trained on {len(corpus.target)} clips (accuracy on them {accuracy:.4f}); wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
