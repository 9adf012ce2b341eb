"""Running searches and feature extraction on Dask workers without oversubscribing cores."""

from __future__ import annotations

#: Variables read at start-up by TensorFlow, OpenMP and the BLAS libraries.
_THREAD_VARIABLES = (
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)


def worker_environment(threads_per_worker=1):
    """Environment that holds a worker process to ``threads_per_worker`` threads.

    TensorFlow sizes its thread pools from the machine's core count when it
    starts, so n worker processes on one machine each run as many threads as
    there are cores: n times too many. TensorFlow, OpenMP and BLAS read these
    variables once, at start-up, which is why they must be in the worker's
    environment before it imports anything, not set from the task.

    Parameters
    ----------
    threads_per_worker : int, default=1
        Threads each worker process may use; cores / worker processes is right
        for a machine that runs nothing else.

    Returns
    -------
    environment : dict of str to str
        Pass it as ``env=`` to :class:`distributed.LocalCluster` (or to
        ``distributed.Nanny``), or export it before ``dask worker`` starts.

    Examples
    --------
    >>> from sklearn_speechmusic import worker_environment
    >>> worker_environment(2)["TF_NUM_INTRAOP_THREADS"]
    '2'

    With Dask (the ``distributed`` extra)::

        from distributed import Client, LocalCluster
        from joblib import parallel_backend

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, env=worker_environment(1))
        with Client(cluster), parallel_backend("dask"):
            search.fit(X, y)  # a GridSearchCV over SpeechMusicClassifier
    """
    valid = isinstance(threads_per_worker, int) and not isinstance(threads_per_worker, bool)
    if not valid or threads_per_worker < 1:
        raise ValueError(f"threads_per_worker must be a positive int, got {threads_per_worker!r}.")
    return {name: str(threads_per_worker) for name in _THREAD_VARIABLES}
