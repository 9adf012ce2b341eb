"""
==========================================
Saving models: the safe format and joblib
==========================================

:func:`~sklearn_speechmusic.save_model` writes a ZIP of JSON (parameters and
fitted statistics) and Keras' native network file, loaded back without pickle
and with Keras' ``safe_mode``. joblib works too, for anything else in a
Pipeline, but unpickling runs code from the file: load only files you trust.
"""

# %%
import tempfile
from pathlib import Path

import joblib
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_speechmusic import (
    SpeechMusicClassifier,
    load_demo,
    load_model,
    save_model,
)

X, y = load_demo(return_X_y=True)
model = make_pipeline(
    StandardScaler(), SpeechMusicClassifier(epochs=5, random_state=0)
).fit(X, y)
folder = Path(tempfile.mkdtemp())

# %%
# The pickle-free format
path = save_model(model, folder / "model.skm")
restored = load_model(path)
print(path.name, f"{path.stat().st_size / 1e3:.0f} kB")
print(
    "identical probabilities:",
    np.array_equal(restored.predict_proba(X), model.predict_proba(X)),
)

# %%
# joblib
joblib.dump(model, folder / "model.joblib")
from_joblib = joblib.load(folder / "model.joblib")
print(
    "identical probabilities:",
    np.array_equal(from_joblib.predict_proba(X), model.predict_proba(X)),
)

# %%
# Every clip's probability of speech, before and after the round trip: the
# points lie on the diagonal.
import matplotlib.pyplot as plt

speech = list(model.classes_).index("Speech")
original = model.predict_proba(X)[:, speech]
fig, ax = plt.subplots(figsize=(4.5, 4))
ax.plot([0, 1], [0, 1], color="0.7", linewidth=1, zorder=0)
ax.scatter(
    original,
    restored.predict_proba(X)[:, speech],
    s=12,
    label="save_model / load_model",
)
ax.scatter(
    original,
    from_joblib.predict_proba(X)[:, speech],
    s=30,
    marker="+",
    label="joblib",
)
ax.set_xlabel("P(Speech), fitted model")
ax.set_ylabel("P(Speech), loaded model")
ax.set_title("Probabilities survive the round trip", loc="left")
ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.18), ncols=2)
fig.tight_layout()
plt.show()

# %%
# A damaged file is refused with a message, never half-loaded
from sklearn_speechmusic import ModelFormatError

damaged = folder / "damaged.skm"
damaged.write_bytes(path.read_bytes()[:-100])
try:
    load_model(damaged)
except ModelFormatError as error:
    print(error)

# sphinx_gallery_thumbnail_number = 1
