"""
=======================================
Grid search over the network's shape
=======================================

:class:`~sklearn_speechmusic.SpeechMusicClassifier` is an ordinary scikit-learn
estimator, so ``GridSearchCV`` can tune its layers and learning rate through a
Pipeline (``step__parameter`` names). Folds are grouped by game level or music
track, so every score is on recordings the candidate never saw.
"""

# %%
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_speechmusic import SpeechMusicClassifier, load_demo

demo = load_demo()
pipeline = Pipeline(
    [("scale", StandardScaler()), ("network", SpeechMusicClassifier(epochs=10, random_state=0))]
)
grid = {
    "network__hidden_layer_sizes": [(32,), (64, 32), (64, 512, 128, 128, 64)],
    "network__learning_rate": [1e-3, 1e-2],
}
search = GridSearchCV(pipeline, grid, cv=GroupKFold(3))
search.fit(demo.data, demo.target, groups=demo.groups)
print("best:", search.best_params_, f"{search.best_score_:.3f}")

# %%
# Mean grouped-CV accuracy of every candidate
results = pd.DataFrame(search.cv_results_)
results["layers"] = results["param_network__hidden_layer_sizes"].astype(str)
table = results.pivot(index="layers", columns="param_network__learning_rate", values="mean_test_score")
print(table.round(3))
table.plot.bar(rot=0, ylabel="mean accuracy (3 grouped folds)", ylim=(0.8, 1.0))
plt.tight_layout()

# %%
# To run the same search on a Dask cluster, wrap ``fit`` in
# ``joblib.parallel_backend("dask")`` with a ``distributed.Client`` (see the
# user guide's "Scaling out" section and :func:`~sklearn_speechmusic.worker_environment`).
