"""
==================================================
From audio files to predictions in one Pipeline
==================================================

:class:`~sklearn_speechmusic.AudioFeatureExtractor` turns file paths (or
``(waveform, sample_rate)`` pairs) into features, so a Pipeline goes from
audio to labels and can be cross-validated on the files themselves. The clips
are the twelve real recordings under ``tests/data/audio`` in the repository.
"""

# %%
from pathlib import Path

import numpy as np
from sklearn.model_selection import cross_val_predict

from sklearn_speechmusic import make_default_pipeline

try:
    here = Path(__file__).resolve().parent
except NameError:  # run interactively
    here = Path.cwd()
clips = sorted((here.parent / "tests" / "data" / "audio").glob("*/*.ogg"))
labels = np.array([clip.parent.name for clip in clips])
print(
    len(clips),
    "clips:",
    dict(zip(*np.unique(labels, return_counts=True), strict=True)),
)

# %%
# Features, scaling and the network in one estimator
pipeline = make_default_pipeline(
    random_state=0, epochs=30, validation_split=0.0
)
predicted = cross_val_predict(pipeline, clips, labels, cv=3)
print("cross-validated accuracy:", np.mean(predicted == labels))

# %%
# What the extractor computes, and why it separates speech from music
extractor = pipeline.named_steps["features"]
for name, description in list(extractor.describe_features().items())[:6]:
    print(f"{name:22s} {description}")

# %%
# Which features differ most between the two classes?
import matplotlib.pyplot as plt

features = extractor.transform(clips)
names = list(extractor.get_feature_names_out())
shown = {
    "modulation_4hz_ratio": "4 Hz modulation",
    "low_energy_share": "Low-energy frames",
    "tonal_persistence_long": "Held partials",
    "spectral_flux_var": "Spectral flux variance",
}
fig, axes = plt.subplots(1, len(shown), figsize=(10, 2.8))
for ax, (name, title) in zip(axes, shown.items(), strict=True):
    column = features[:, names.index(name)]
    ax.boxplot(
        [column[labels == "Speech"], column[labels == "Music"]],
        tick_labels=["Speech", "Music"],
    )
    ax.set_title(title, loc="left")
fig.tight_layout()
plt.show()

# sphinx_gallery_thumbnail_number = 1
