"""From per-window class probabilities to segments: smoothing, runs, silence, short-segment absorption."""

from __future__ import annotations

import heapq

import numpy as np

#: Probability floor before taking logs in the Viterbi smoothing.
_PROBABILITY_FLOOR = 1e-6
# The noise floor is this percentile of the frame levels; silence never reaches
# closer than _CONTRAST_DB to the median level.
_FLOOR_PERCENTILE = 5.0
_CONTRAST_DB = 25.0


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


def evidence_clear_of(
    probabilities: np.ndarray, starts: np.ndarray, ends: np.ndarray, gaps, *, max_share: float
) -> np.ndarray:
    """Probabilities where each window that is partly silence speaks with its nearest neighbour's voice.

    A window straddling the edge of a silence mixes a pause with a sound; such
    windows are rare in training clips and often misheard (music entering after
    a pause as noise, the last words before one as music). Each window more
    than ``max_share`` of whose length lies in ``gaps`` takes the probabilities
    of the nearest window of the same sounding stretch (no gap between them)
    that is not; a stretch without one keeps its own.

    Parameters
    ----------
    probabilities : ndarray of shape (n_windows, n_classes)
    starts, ends : ndarray of shape (n_windows,)
        Seconds each window covers, in time order.
    gaps : list of (start, end)
        Sorted, disjoint silences, in seconds.
    max_share : float
        Share of a window that may be silence before it borrows.

    Returns
    -------
    probabilities : ndarray of shape (n_windows, n_classes)
        A copy.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic._smoothing import evidence_clear_of
    >>> p = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.2, 0.8]])
    >>> starts = np.array([0.0, 1.0, 2.0, 3.0])  # 3-s windows; the last one is a third silence
    >>> evidence_clear_of(p, starts, starts + 3, [(5.0, 8.0)], max_share=1 / 6)[:, 0].tolist()
    [0.9, 0.8, 0.7, 0.7]
    """
    probabilities = np.array(probabilities, dtype=float)
    borrowed = probabilities.copy()
    if not len(gaps) or not len(probabilities):
        return borrowed
    lows = np.array([low for low, _ in gaps], dtype=float)
    highs = np.minimum([high for _, high in gaps], max(float(ends.max()), float(lows.max())))
    silent_so_far = np.concatenate([[0.0], np.cumsum(highs - lows)])

    def silence_before(times: np.ndarray) -> np.ndarray:
        gap = np.searchsorted(lows, times, side="right") - 1
        inside = np.clip(times - lows[np.maximum(gap, 0)], 0, (highs - lows)[np.maximum(gap, 0)])
        return np.where(gap >= 0, silent_so_far[np.maximum(gap, 0)] + inside, 0.0)

    clear = silence_before(ends) - silence_before(starts) <= max_share * (ends - starts)
    centres = (starts + ends) / 2
    # Windows whose centres have the same number of gaps before them share a stretch.
    stretch = np.searchsorted(highs, centres, side="right")
    clear_index = np.flatnonzero(clear)
    unclear = np.flatnonzero(~clear)
    if not clear_index.size or not unclear.size:
        return borrowed
    after = np.searchsorted(clear_index, unclear)
    before = clear_index[np.maximum(after - 1, 0)]
    after = clear_index[np.minimum(after, clear_index.size - 1)]
    distance_before = np.where(
        stretch[before] == stretch[unclear], np.abs(centres[unclear] - centres[before]), np.inf
    )
    distance_after = np.where(
        stretch[after] == stretch[unclear], np.abs(centres[after] - centres[unclear]), np.inf
    )
    source = np.where(distance_before <= distance_after, before, after)
    found = np.minimum(distance_before, distance_after) < np.inf
    borrowed[unclear[found]] = probabilities[source[found]]
    return borrowed


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


def absorb_short(
    segments: list[list], min_duration: float, *, keep=None, min_keep: float = 0.0
) -> list[list]:
    """Merge segments shorter than ``min_duration`` into a neighbour, shortest first.

    Parameters
    ----------
    segments : list of [start, end, state]
        Consecutive segments.
    min_duration : float
        Shortest segment kept, in seconds.
    keep : int, default=None
        A state whose segments are kept whatever their length (silence). A
        short segment between two of them (or one, at an end of the
        recording) grows into them up to ``min_duration`` when they can spare
        the time beyond ``min_keep`` seconds each, so a word or a footstep
        between pauses stays a sound; otherwise the pauses join it: a sound
        is never relabelled as silence.
    min_keep : float, default=0.0
        Seconds of each ``keep`` segment that a growing neighbour leaves it.

    Returns
    -------
    segments : list of [start, end, state]
        A short segment joins its longer neighbour; neighbours left with the
        same state are joined too.

    Examples
    --------
    >>> from sklearn_speechmusic._smoothing import absorb_short
    >>> absorb_short([[0, 5, 0], [5, 5.5, 1], [5.5, 9, 0]], 1.0)
    [[0, 9, 0]]
    >>> absorb_short([[0, 5, 0], [5, 5.5, 2], [5.5, 9, 0]], 1.0, keep=2)
    [[0, 5, 0], [5, 5.5, 2], [5.5, 9, 0]]

    A short sound between two silences grows into them:

    >>> absorb_short([[0, 2, 2], [2, 2.5, 1], [2.5, 4, 2]], 1.0, keep=2, min_keep=0.5)
    [[0, 1.75, 2], [1.75, 2.75, 1], [2.75, 4, 2]]

    When the pauses cannot spare the time, one joins the sound:

    >>> absorb_short([[0, 0.6, 2], [0.6, 1.2, 1], [1.2, 1.8, 2]], 1.0, keep=2, min_keep=0.5)
    [[0, 0.6, 2], [0.6, 1.8, 1]]
    """
    segments = _merged([list(segment) for segment in segments])
    if keep is not None and len(segments) > 1:
        # Only into the silences as found: one that has absorbed a sound is no pause to grow into.
        for index in sorted(range(len(segments)), key=lambda i: segments[i][1] - segments[i][0]):
            need = min_duration - (segments[index][1] - segments[index][0])
            neighbours = [i for i in (index - 1, index + 1) if 0 <= i < len(segments)]
            if segments[index][2] != keep and need > 0 and all(segments[i][2] == keep for i in neighbours):
                _grow_into(segments, index, neighbours, need, min_keep)
    while len(segments) > 1:
        durations = np.array([end - start if state != keep else np.inf for start, end, state in segments])
        shortest = int(np.argmin(durations))
        if durations[shortest] >= min_duration:
            break
        neighbours = [i for i in (shortest - 1, shortest + 1) if 0 <= i < len(segments)]
        # Prefer a neighbour that is not silence, then the longer one.
        target = max(neighbours, key=lambda i: (segments[i][2] != keep, segments[i][1] - segments[i][0]))
        absorbed = segments.pop(shortest)
        target = target if target < shortest else target - 1
        segments[target][0] = min(segments[target][0], absorbed[0])
        segments[target][1] = max(segments[target][1], absorbed[1])
        if segments[target][2] == keep:
            # Only pauses beside it: the pause joins the sound, which keeps its label
            # (speech or music labelled silence would be wrong, not just coarse).
            segments[target][2] = absorbed[2]
        # The neighbours on either side of the absorbed segment may now agree.
        segments = _merged(segments)
    return segments


def _grow_into(segments: list[list], index: int, neighbours: list[int], need: float, min_keep: float) -> None:
    """Widen ``segments[index]`` by ``need`` seconds taken from its neighbours, half from each where they can.

    Each neighbour keeps at least ``min_keep`` seconds; nothing changes when
    together they cannot spare ``need``.
    """
    spare = {i: max(0.0, segments[i][1] - segments[i][0] - min_keep) for i in neighbours}
    if sum(spare.values()) < need:
        return
    take = {i: min(spare[i], need / len(neighbours)) for i in neighbours}
    for i in neighbours:  # what one side cannot give, the other does
        take[i] += min(spare[i] - take[i], need - sum(take.values()))
    if index - 1 in take:
        segments[index][0] -= take[index - 1]
        segments[index - 1][1] -= take[index - 1]
    if index + 1 in take:
        segments[index][1] += take[index + 1]
        segments[index + 1][0] += take[index + 1]


def _absorb_shortest(segments: list[list], max_duration: float, keep, kinds: tuple[str, ...]) -> list[list]:
    """Absorb traces of the given kinds one at a time, the shortest first, until none is left.

    Shortest first, because absorbing changes the neighbours of the next one:
    taken from left to right, a 2.5-s run of music between two single windows
    heard as noise was absorbed into them first, and the noise then swallowed
    the next run of music too. A trace is a segment shorter than
    ``max_duration``, not of state ``keep``, either between two segments of one
    other state (an island: the three merge) or between two segments of two
    other states, neither ``keep`` (a transition: each neighbour takes the half
    next to it). Ties go to the leftmost. The segments are a linked list and the
    candidates a heap, so an hour of unsmoothed windows takes milliseconds.
    """
    if not segments:
        return []
    starts = [segment[0] for segment in segments]
    ends = [segment[1] for segment in segments]
    states = [segment[2] for segment in segments]
    count = len(segments)
    before = list(range(-1, count - 1))
    after = [*range(1, count), -1]
    alive = [True] * count

    def kind_of(index: int) -> str | None:
        left, right = before[index], after[index]
        if left < 0 or right < 0 or states[index] == keep:
            return None
        if states[left] == states[right] != states[index]:
            return "island"
        three = {states[left], states[index], states[right]}
        if keep not in (states[left], states[right]) and len(three) == 3:
            return "transition"
        return None

    heap = [(ends[i] - starts[i], i) for i in range(count) if ends[i] - starts[i] < max_duration]
    heapq.heapify(heap)

    def reconsider(*indices: int) -> None:
        for index in indices:
            if index >= 0 and alive[index] and ends[index] - starts[index] < max_duration:
                heapq.heappush(heap, (ends[index] - starts[index], index))

    while heap:
        duration, index = heapq.heappop(heap)
        # Entries go stale when their segment is absorbed or changes length.
        if not alive[index] or ends[index] - starts[index] != duration:
            continue
        kind = kind_of(index)
        if kind not in kinds:
            continue
        left, right = before[index], after[index]
        alive[index] = False
        if kind == "island":
            ends[left] = ends[right]
            alive[right] = False
            after[left] = after[right]
            if after[right] >= 0:
                before[after[right]] = left
        else:
            ends[left] = starts[right] = (starts[index] + ends[index]) / 2
            after[left], before[right] = right, left
        # Their lengths or neighbours changed: each may be a trace now.
        reconsider(left, right, before[left], after[left])
    kept, index = [], 0
    while index >= 0:
        kept.append([starts[index], ends[index], states[index]])
        index = after[index]
    return kept


def absorb_islands(segments: list[list], max_duration: float, *, keep=None) -> list[list]:
    """Give a segment shorter than ``max_duration`` between two of one state that state.

    A window straddling the cut between two music tracks (or two noises) can
    sound like speech: the spectrum changes within it. A segment shorter than
    one window never had a window of its own, so between two segments of
    one state it is taken as an artefact of the change. The shortest island
    goes first.

    Parameters
    ----------
    segments : list of [start, end, state]
        Consecutive segments.
    max_duration : float
        Islands shorter than this are absorbed.
    keep : int, default=None
        A state (silence) never absorbed.

    Returns
    -------
    segments : list of [start, end, state]

    Examples
    --------
    >>> from sklearn_speechmusic._smoothing import absorb_islands
    >>> absorb_islands([[0, 9, 0], [9, 11, 1], [11, 20, 0]], 3.0)
    [[0, 20, 0]]

    The single window heard as 1 inside a run of 0 goes first, so the run stays 0:

    >>> absorb_islands([[0, 5, 1], [5, 7.5, 0], [7.5, 8, 1], [8, 11, 0]], 3.0)
    [[0, 5, 1], [5, 11, 0]]
    """
    return _absorb_shortest(segments, max_duration, keep, ("island",))


def absorb_transitions(segments: list[list], max_duration: float, *, keep=None) -> list[list]:
    """Split a segment shorter than ``max_duration`` between two others of two other labels.

    The windows straddling a change from one sound to another can hear a third
    (speech turning into noise sounds like music to them). A segment shorter
    than the windows straddling one change, with a different sounding label on
    either side, had no window of its own: each neighbour takes the half next to
    it, and boundary refinement then places the change. The shortest goes first.

    Parameters
    ----------
    segments : list of [start, end, state]
        Consecutive segments.
    max_duration : float
        Shorter segments are split.
    keep : int, default=None
        A state (silence) never split, and never a neighbour that takes a half:
        a short sound beside a pause may be a real one.

    Returns
    -------
    segments : list of [start, end, state]
        Consecutive, each such trace replaced by its neighbours' halves.

    Examples
    --------
    >>> from sklearn_speechmusic._smoothing import absorb_transitions
    >>> absorb_transitions([[0, 9, 0], [9, 11, 1], [11, 20, 2]], 3.0)
    [[0, 10.0, 0], [10.0, 20, 2]]
    """
    return _absorb_shortest(segments, max_duration, keep, ("transition",))


def absorb_traces(segments: list[list], max_duration: float, *, keep=None) -> list[list]:
    """Remove every trace of a change: islands and transitions, the shortest first.

    One at a time, because each changes its neighbours: splitting one trace
    between its neighbours can leave the next one between two segments of one
    label, an island, and absorbing an island merges its neighbours.

    Parameters
    ----------
    segments : list of [start, end, state]
        Consecutive segments.
    max_duration : float
        Segments shorter than this are traces.
    keep : int, default=None
        A state (silence) that is never a trace and never takes one in.

    Returns
    -------
    segments : list of [start, end, state]

    Examples
    --------
    >>> from sklearn_speechmusic._smoothing import absorb_traces
    >>> absorb_traces([[0, 9, 0], [9, 10.5, 1], [10.5, 12, 2], [12, 20, 0]], 3.0)
    [[0, 20, 0]]
    """
    return _absorb_shortest(segments, max_duration, keep, ("island", "transition"))


def silent_frames(
    levels_db: np.ndarray, *, threshold_db: float | None, margin_db: float | None
) -> tuple[np.ndarray, float]:
    """Frames at the recording's noise floor or below the fixed silence threshold.

    The noise floor is a low percentile (``_FLOOR_PERCENTILE``) of the frame
    levels above ``threshold_db``; frames within ``margin_db`` of it are
    silent, but never frames less than ``_CONTRAST_DB`` below the median
    level, so a recording that is never silent (a floor that is just its
    quietest music) loses no sound to silence.

    Parameters
    ----------
    levels_db : ndarray of shape (n_frames,)
        Level of each short frame, dB re full scale.
    threshold_db : float or None
        Fixed threshold (digital silence); None for none.
    margin_db : float or None
        Decibels above the noise floor still counted as silence; None counts
        only the fixed threshold.

    Returns
    -------
    silent : ndarray of shape (n_frames,), dtype bool
    threshold : float
        The level below which frames are silent (-inf for none).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic._smoothing import silent_frames
    >>> levels = np.r_[np.full(80, -20.0), np.full(20, -62.0)]
    >>> silent, threshold = silent_frames(levels, threshold_db=-90.0, margin_db=12.0)
    >>> int(silent.sum()), float(threshold)
    (20, -50.0)
    """
    threshold = -np.inf if threshold_db is None else float(threshold_db)
    audible = levels_db[levels_db >= threshold]
    if margin_db is not None and audible.size:
        floor = float(np.percentile(audible, _FLOOR_PERCENTILE))
        relative = min(floor + margin_db, float(np.median(audible)) - _CONTRAST_DB)
        threshold = max(threshold, relative)
    return levels_db < threshold, threshold


def long_runs(mask: np.ndarray, min_length: int) -> np.ndarray:
    """``mask`` keeping only runs of True at least ``min_length`` long (or covering everything).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_speechmusic._smoothing import long_runs
    >>> long_runs(np.array([1, 1, 0, 1, 1, 1, 0], dtype=bool), 3).astype(int).tolist()
    [0, 0, 0, 1, 1, 1, 0]
    """
    kept = np.zeros_like(mask)
    if mask.all():
        return mask.copy()
    for first, last in runs(mask.astype(np.int8)):
        if mask[first] and last - first + 1 >= min_length:
            kept[first : last + 1] = True
    return kept


def overlay(segments: list[list], intervals, state: int) -> list[list]:
    """Cut ``intervals`` out of the segments and label them ``state``.

    Parameters
    ----------
    segments : list of [start, end, state]
        Consecutive segments.
    intervals : list of (start, end)
        Sorted, disjoint stretches (silences).
    state : int
        Their state.

    Returns
    -------
    segments : list of [start, end, state]
        Consecutive, neighbours of one state joined.

    Examples
    --------
    >>> from sklearn_speechmusic._smoothing import overlay
    >>> overlay([[0, 5, 0], [5, 9, 1]], [(4, 6)], 2)
    [[0, 4, 0], [4, 6, 2], [6, 9, 1]]
    """
    pieces = []
    for start, end, own in segments:
        cursor = start
        for low, high in intervals:
            if high <= cursor or low >= end:
                continue
            if low > cursor:
                pieces.append([cursor, low, own])
            pieces.append([max(low, cursor), min(high, end), state])
            cursor = min(high, end)
        if cursor < end:
            pieces.append([cursor, end, own])
    return _merged([list(piece) for piece in pieces])


def _merged(segments: list[list]) -> list[list]:
    """Join consecutive segments of one state."""
    merged = [segments[0]]
    for segment in segments[1:]:
        if segment[2] == merged[-1][2]:
            merged[-1] = [merged[-1][0], segment[1], segment[2]]
        else:
            merged.append(segment)
    return merged
