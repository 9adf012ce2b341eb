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

from sklearn_speechmusic import SpeechMusicClassifier, load_demo, load_model, save_model

X, y = load_demo(return_X_y=True)
model = make_pipeline(StandardScaler(), SpeechMusicClassifier(epochs=5, random_state=0)).fit(X, y)
folder = Path(tempfile.mkdtemp())

# %%
# The pickle-free format
path = save_model(model, folder / "model.skm")
restored = load_model(path)
print(path.name, f"{path.stat().st_size / 1e3:.0f} kB")
print("identical probabilities:", np.array_equal(restored.predict_proba(X), model.predict_proba(X)))

# %%
# joblib
joblib.dump(model, folder / "model.joblib")
from_joblib = joblib.load(folder / "model.joblib")
print("identical probabilities:", np.array_equal(from_joblib.predict_proba(X), model.predict_proba(X)))

# %%
# A damaged file is refused with a message, never half-loaded
from sklearn_speechmusic import ModelFormatError

damaged = folder / "damaged.skm"
damaged.write_bytes(path.read_bytes()[:-100])
try:
    load_model(damaged)
except ModelFormatError as error:
    print(error)
