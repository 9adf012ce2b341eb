"""
===========================================================
The demo end to end: feature table, network, curves, errors
===========================================================

The original demo read a table of audio features (``Filename``, ``Label``, then
numeric columns), trained a dense network with a 20 % validation hold-out,
reported test accuracy and saved two figures: training vs validation loss and
accuracy per epoch. This example does the same with
:class:`~sklearn_speechmusic.SpeechMusicClassifier` in a scikit-learn Pipeline,
and adds a confusion matrix. The table is synthetic so the example runs
anywhere.
"""

# %%
# A feature table in the demo's format
# ------------------------------------
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

rng = np.random.RandomState(0)
n_clips = 300
labels = np.where(rng.rand(n_clips) < 0.5, "Speech", "Music")
is_speech = labels == "Speech"
table = pd.DataFrame(
    {
        "Filename": [f"clip_{i:03d}.wav" for i in range(n_clips)],
        "Label": labels,
        # Speech has strong 4 Hz syllabic modulation and many low-energy frames.
        "modulation_4hz": np.where(is_speech, 0.6, 0.3)
        + rng.normal(0, 0.2, n_clips),
        "low_energy_share": np.where(is_speech, 0.55, 0.35)
        + rng.normal(0, 0.15, n_clips),
        "spectral_centroid": np.where(is_speech, 1500, 2100)
        + rng.normal(0, 600, n_clips),
        "zero_crossing_rate": np.where(is_speech, 0.09, 0.07)
        + rng.normal(0, 0.03, n_clips),
    }
)
table_path = Path(tempfile.mkdtemp()) / "MasterData.csv"
table.to_csv(table_path, index=False)

# %%
# Load, split, fit, evaluate
# --------------------------
from sklearn.metrics import ConfusionMatrixDisplay, classification_report
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_speechmusic import (
    SpeechMusicClassifier,
    TrainingHistoryDisplay,
    load_feature_table,
    plot_training_history,
)

X, y = load_feature_table(table_path)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
model = make_pipeline(StandardScaler(), SpeechMusicClassifier(random_state=0))
model.fit(X_train, y_train)

print(f"test accuracy: {model.score(X_test, y_test):.3f}")
print(classification_report(y_test, model.predict(X_test)))

# %%
# Training curves
# ---------------
# The Display draws one metric; pass ``ax`` to put both side by side.
fig, (loss_ax, accuracy_ax) = plt.subplots(1, 2, figsize=(9, 3.5))
TrainingHistoryDisplay.from_estimator(model, metric="loss", ax=loss_ax)
TrainingHistoryDisplay.from_estimator(model, metric="accuracy", ax=accuracy_ax)
fig.tight_layout()
plt.show()

# %%
# The demo's two PNG files, ``Train_Validation_Loss_<N>.png`` and
# ``Train_Validation_Accuracy_<N>.png`` (N = number of data points):
paths = plot_training_history(
    model, Path(tempfile.mkdtemp()) / "figures", n_samples=len(X)
)
print("wrote", *paths)

# %%
# Confusion matrix on the test rows
# ---------------------------------
display = ConfusionMatrixDisplay.from_estimator(
    model, X_test, y_test, colorbar=False
)
display.ax_.set_title("Test rows", loc="left")
plt.show()

# sphinx_gallery_thumbnail_number = 1
