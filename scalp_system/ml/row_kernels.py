"""Compiled (numba) kernels that repeat the live per-row arithmetic of the models over many rows.

The live path computes one row at a time with Python floats (``softmax_list``, ``floor_list``, the
tree walk of ``CompactTreeEnsemble``, the ensemble's online weights). A backtest knows all rows up
front; these kernels run the same floating-point operations in the same order for every row, so the
results are bit-identical to the per-row path (tests compare them with exact equality): sums left to
right from the first term (as Python's ``sum`` of floats and numpy's reduction of fewer than eight
numbers do), ``math.exp``/``math.log`` from the same C library, no ``fastmath`` (no reassociation,
no fused multiply-add). Compiled on first use and cached on disk (``cache=True``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import numba
import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MAX_SEQUENTIAL_MEMBERS = 7
"""numpy sums fewer than eight numbers left to right; more members would need its pairwise order."""

_Fn = TypeVar("_Fn", bound=Callable[..., Any])
_FLAGS: dict[str, Any] = {"cache": True, "fastmath": False, "error_model": "numpy", "nogil": True}


def _jit(function: _Fn) -> _Fn:
    compiled: _Fn = numba.njit(**_FLAGS)(function)
    return compiled


@_jit
def _floor_into(p: F64, floor: float) -> None:
    """``floor_list`` in place on one row."""
    total = 0.0
    for k in range(p.shape[0]):
        v = p[k] if p[k] > floor else floor
        p[k] = v
        total = v if k == 0 else total + v
    for k in range(p.shape[0]):
        p[k] = p[k] / total


@_jit
def _softmax_into(logits: F64, out: F64) -> None:
    """``softmax_list`` of one row (Python's ``max``: the first largest value)."""
    top = logits[0]
    for k in range(1, logits.shape[0]):
        if logits[k] > top:
            top = logits[k]
    total = 0.0
    for k in range(logits.shape[0]):
        e = math.exp(logits[k] - top)
        out[k] = e
        total = e if k == 0 else total + e
    for k in range(logits.shape[0]):
        out[k] = out[k] / total


@_jit
def floor_rows(probs: F64, floor: float) -> F64:
    """``floor_list`` of every row of ``probs`` (n, k): a new array."""
    out = probs.copy()
    for i in range(out.shape[0]):
        _floor_into(out[i], floor)
    return out


@_jit
def softmax_floor_rows(logits: F64, floor: float) -> F64:
    """``floor_list(softmax_list(row))`` of every row of ``logits`` (n, k)."""
    out = np.empty_like(logits)
    for i in range(logits.shape[0]):
        _softmax_into(logits[i], out[i])
        _floor_into(out[i], floor)
    return out


@_jit
def tree_sums_walk(
    x_batch: F64,
    rows: I64,
    roots: I64,
    n_internal: int,
    feature: I64,
    threshold: F64,
    kids: I64,
    nan_left: BoolArray,
    zero_missing: BoolArray,
    default_left: BoolArray,
    value: F64,
    num_class: int,
    zero_threshold: float,
    raw: F64,
) -> None:
    """Raw class scores of ``x_batch[rows]`` into ``raw[rows]``: each tree walked with
    ``CompactTreeEnsemble``'s exact split rule (missing values included), leaves summed per class in
    iteration order, left to right from the first, as ``raw_row`` sums them."""
    for i in rows:
        x = x_batch[i]
        for t in range(roots.shape[0]):
            cur = roots[t]
            while cur < n_internal:
                v = x[feature[cur]]
                is_nan = math.isnan(v)
                plain = 0.0 if is_nan else v
                go_left = nan_left[cur] if is_nan else plain <= threshold[cur]
                if zero_missing[cur] and abs(plain) <= zero_threshold:
                    go_left = default_left[cur]
                cur = kids[2 * cur + (1 if go_left else 0)]
            c = t % num_class
            if t < num_class:
                raw[i, c] = value[cur]
            else:
                raw[i, c] += value[cur]


_DE_BRUIJN = np.uint64(0x03F79D71B4CB0A89)
_DE_BRUIJN_INDEX = np.zeros(64, dtype=np.int64)
for _bit in range(64):
    _DE_BRUIJN_INDEX[((1 << _bit) * 0x03F79D71B4CB0A89 & 0xFFFFFFFFFFFFFFFF) >> 58] = _bit


@_jit
def tree_sums_bitmask(
    x_batch: F64,
    node_start: I64,
    node_feature: I64,
    node_threshold: F64,
    node_mask: npt.NDArray[np.uint64],
    leaf_start: I64,
    leaf_value: F64,
    num_class: int,
    de_bruijn_index: I64,
    raw: F64,
) -> None:
    """Raw class scores of every row of ``x_batch`` (n, features) into ``raw`` (n, classes), for a
    model without zero-as-missing splits and rows without NaN.

    Per tree, each leaf is a bit (left-to-right order) and each split a mask clearing the leaves of
    its left subtree; a row's leaf is the lowest bit left after clearing by every split whose
    ``x <= threshold`` fails — the very leaf the walk reaches (QuickScorer) — so the loops over rows
    are branch-free and vectorise (rows are taken in blocks, transposed). Leaves are summed per class
    in iteration order, left to right from the first, as ``raw_row`` sums them.
    """
    n, n_features = x_batch.shape
    block = 256
    columns = np.empty((n_features, block))
    survivors = np.empty(block, dtype=np.uint64)
    sums = np.empty((num_class, block))
    every = np.uint64(0xFFFFFFFFFFFFFFFF)
    for first in range(0, n, block):
        size = min(block, n - first)
        for r in range(size):
            for f in range(n_features):
                columns[f, r] = x_batch[first + r, f]
        for t in range(node_start.shape[0] - 1):
            survivors[:size] = every
            for j in range(node_start[t], node_start[t + 1]):
                column = columns[node_feature[j], :size]
                limit = node_threshold[j]
                mask = node_mask[j]
                for r in range(size):
                    survivors[r] &= every if column[r] <= limit else mask
            c = t % num_class
            values = leaf_value[leaf_start[t] : leaf_start[t + 1]]
            total = sums[c, :size]
            for r in range(size):
                bits = survivors[r]
                leaf = de_bruijn_index[((bits & (~bits + np.uint64(1))) * _DE_BRUIJN) >> np.uint64(58)]
                if t < num_class:
                    total[r] = values[leaf]
                else:
                    total[r] += values[leaf]
        for r in range(size):
            for c in range(num_class):
                raw[first + r, c] = sums[c, r]


@_jit
def online_mix(
    predicted: F64,
    has_prediction: BoolArray,
    resolved: F64,
    labels: I64,
    loss: F64,
    weights: F64,
    decay: float,
    eps: float,
    min_loss: float,
) -> F64:
    """The ensemble's sequential part over ``n`` books, with fixed calibrators.

    Per book: when it has a prediction, mix the calibrated member probabilities ``predicted[i]``
    (members, 3) with the current ``weights``; then, when an outcome resolves (``labels[i]`` ≥ 0),
    score each member on ``resolved[i, m]`` (its calibrated probability of the realised class) —
    ``L ← decay · L + (1 − decay) · −log(max(p, eps))`` — and reset the weights to normalised inverse
    losses. ``loss`` and ``weights`` are updated in place; returns the mixed probabilities (n, 3)
    (NaN where no prediction).
    """
    n, members, classes = predicted.shape
    out = np.full((n, classes), np.nan)
    inverse = np.empty(members)
    for i in range(n):
        if has_prediction[i]:
            for k in range(classes):
                acc = 0.0
                for m in range(members):
                    acc += weights[m] * predicted[i, m, k]
                out[i, k] = acc
        label = labels[i]
        if label >= 0:
            for m in range(members):
                p = resolved[i, m]
                q = eps if eps > p else p
                loss[m] = decay * loss[m] + (1.0 - decay) * -math.log(q)
            total = 0.0
            for m in range(members):
                low = loss[m]
                bounded = low if (low >= min_loss or math.isnan(low)) else min_loss
                inverse[m] = 1.0 / bounded
                total = inverse[m] if m == 0 else total + inverse[m]
            for m in range(members):
                weights[m] = inverse[m] / total
    return out
