"""From per-window class probabilities to segments: smoothing, runs, short-segment absorption."""

from __future__ import annotations

import numpy as np

#: Probability floor before taking logs in the Viterbi smoothing.
_PROBABILITY_FLOOR = 1e-6


def smooth_states(probabilities: np.ndarray, method: str, *, width: int, switch_penalty: float) -> np.ndarray:
    """One state (column index) per window after smoothing the window probabilities.

    Parameters
    ----------
    probabilities : ndarray of shape (n_windows, n_states)
        Class probabilities of each window.
    method : {"viterbi", "median", "none"}
        ``"viterbi"``: most likely sequence when each change costs
        ``switch_penalty`` nats; ``"median"``: median filter of each column over
        ``width`` windows (made odd); ``"none"``: each window's own argmax.
    width : int
        Windows in the median filter.
    switch_penalty : float
        Cost of a change of state, in nats.

    Returns
    -------
    states : ndarray of shape (n_windows,), dtype intp

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic._smoothing import smooth_states
    >>> p = np.array([[0.9, 0.1], [0.4, 0.6], [0.9, 0.1]])
    >>> smooth_states(p, "viterbi", width=3, switch_penalty=2.0).tolist()
    [0, 0, 0]
    """
    if method == "none" or len(probabilities) < 2:
        return probabilities.argmax(axis=1)
    if method == "median":
        from scipy.ndimage import median_filter

        smoothed = median_filter(probabilities, size=(max(1, width) | 1, 1), mode="nearest")
        return smoothed.argmax(axis=1)
    return viterbi(np.log(np.clip(probabilities, _PROBABILITY_FLOOR, 1.0)), switch_penalty)


def viterbi(log_probabilities: np.ndarray, switch_penalty: float) -> np.ndarray:
    """Most likely state sequence when every change of state costs ``switch_penalty``.

    Parameters
    ----------
    log_probabilities : ndarray of shape (n_windows, n_states)
        Log-probability of each state in each window.
    switch_penalty : float
        Cost of a change, in nats.

    Returns
    -------
    states : ndarray of shape (n_windows,), dtype intp
    """
    n_windows, n_states = log_probabilities.shape
    transition = np.full((n_states, n_states), -float(switch_penalty))
    np.fill_diagonal(transition, 0.0)
    score = log_probabilities[0].copy()
    back = np.zeros((n_windows, n_states), dtype=np.intp)
    for t in range(1, n_windows):
        candidates = score[:, None] + transition
        back[t] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + log_probabilities[t]
    states = np.empty(n_windows, dtype=np.intp)
    states[-1] = score.argmax()
    for t in range(n_windows - 1, 0, -1):
        states[t - 1] = back[t, states[t]]
    return states


def runs(states: np.ndarray) -> list[tuple[int, int]]:
    """``(first, last)`` index of every run of equal states.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic._smoothing import runs
    >>> runs(np.array([0, 0, 1, 1, 1, 0]))
    [(0, 1), (2, 4), (5, 5)]
    """
    changes = np.flatnonzero(np.diff(states)) + 1
    firsts = np.concatenate([[0], changes])
    lasts = np.concatenate([changes - 1, [len(states) - 1]])
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))


def absorb_short(segments: list[list], min_duration: float) -> list[list]:
    """Merge segments shorter than ``min_duration`` into a neighbour, shortest first.

    Parameters
    ----------
    segments : list of [start, end, state, confidences]
        Consecutive segments; ``confidences`` lists the window confidences.
    min_duration : float
        Shortest segment kept, in seconds.

    Returns
    -------
    segments : list of [start, end, state, confidences]
        A short segment joins its longer neighbour; neighbours left with the
        same state are joined too. Confidences are the pooled window
        confidences of the state that remains (an absorbed segment's windows
        count as 1 - their own).

    Examples
    --------
    >>> from sklearn_speechmusic._smoothing import absorb_short
    >>> absorb_short([[0, 5, 0, [0.9]], [5, 5.5, 1, [0.6]], [5.5, 9, 0, [0.8]]], 1.0)
    [[0, 9, 0, [0.9, 0.4, 0.8]]]
    """
    segments = [list(segment) for segment in segments]
    while len(segments) > 1:
        durations = [end - start for start, end, _, _ in segments]
        shortest = int(np.argmin(durations))
        if durations[shortest] >= min_duration:
            break
        left = shortest - 1 if shortest > 0 else None
        right = shortest + 1 if shortest + 1 < len(segments) else None
        if left is None or (right is not None and durations[right] > durations[left]):
            target = right
        else:
            target = left
        assert target is not None
        absorbed = segments.pop(shortest)
        target = target if target < shortest else target - 1
        segments[target][0] = min(segments[target][0], absorbed[0])
        segments[target][1] = max(segments[target][1], absorbed[1])
        segments[target][3] = segments[target][3] + [1 - c for c in absorbed[3]]
        # The neighbours on either side of the absorbed segment may now agree.
        merged = [segments[0]]
        for segment in segments[1:]:
            if segment[2] == merged[-1][2]:
                merged[-1] = [merged[-1][0], segment[1], segment[2], merged[-1][3] + segment[3]]
            else:
                merged.append(segment)
        segments = merged
    return segments
