"""A compact numpy evaluator of a LightGBM multiclass model, for the single-row live path.

LightGBM's own ``Booster.predict`` spends ~100 µs of Python and C-API overhead on one row. This
evaluator parses the model's text format (``booster.model_to_string()``, the registry's artifact) into
flat node arrays and walks every tree at once, one vectorised step per tree level, then sums leaves
per class in iteration order and applies LightGBM's softmax. The numerical split rule reproduces
LightGBM's ``NumericalDecision`` exactly, missing values included: NaN in a feature goes the default
way on a NaN-missing node, is treated as 0.0 on a no-missing node, and zeros go the default way on
a zero-missing node. Categorical splits and linear trees are refused at parse time. Parity with
LightGBM is a test (``tests/test_ml_models.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scalp_system.ml.row_kernels import (
    _DE_BRUIJN_INDEX,
    softmax_floor_rows,
    tree_sums_bitmask,
    tree_sums_walk,
)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_ZERO_THRESHOLD = 1e-35  # LightGBM kZeroThreshold
_MISSING_NONE, _MISSING_ZERO, _MISSING_NAN = 0, 1, 2
_MASK_BITS = 64
_ALL_BITS = (1 << _MASK_BITS) - 1


class TreeModelFormatError(ValueError):
    """The model text is not a LightGBM model this evaluator can reproduce exactly."""


@dataclass(frozen=True, slots=True)
class _Tree:
    split_feature: list[int]
    threshold: list[float]
    decision_type: list[int]
    left: list[int]
    right: list[int]
    leaf_value: list[float]


def _parse_header_and_trees(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    header: dict[str, str] = {}
    trees: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line == "end of trees":
            break
        if line.startswith("Tree="):
            current = {}
            trees.append(current)
            continue
        if "=" not in line:
            continue
        key, _, value = line.partition("=")
        (current if current is not None else header)[key] = value
    return header, trees


def _ints(value: str) -> list[int]:
    return [int(v) for v in value.split()] if value else []


def _floats(value: str) -> list[float]:
    return [float(v) for v in value.split()] if value else []


def _tree_from_fields(fields: dict[str, str], index: int) -> _Tree:
    if int(fields.get("num_cat", "0")) != 0:
        raise TreeModelFormatError(f"tree {index} has categorical splits; not supported")
    if int(fields.get("is_linear", "0")) != 0:
        raise TreeModelFormatError(f"tree {index} is a linear tree; not supported")
    tree = _Tree(
        _ints(fields.get("split_feature", "")),
        _floats(fields.get("threshold", "")),
        _ints(fields.get("decision_type", "")),
        _ints(fields.get("left_child", "")),
        _ints(fields.get("right_child", "")),
        _floats(fields.get("leaf_value", "")),
    )
    n_leaves = int(fields["num_leaves"])
    if len(tree.leaf_value) != n_leaves or len(tree.split_feature) != n_leaves - 1:
        raise TreeModelFormatError(
            f"tree {index} is malformed: {n_leaves} leaves, "
            f"{len(tree.leaf_value)} leaf values, {len(tree.split_feature)} splits"
        )
    if any(d & 1 for d in tree.decision_type):
        raise TreeModelFormatError(f"tree {index} has a categorical decision; not supported")
    return tree


class CompactTreeEnsemble:
    """All trees of a LightGBM multiclass model as flat arrays; leaves loop onto themselves."""

    def __init__(self, model_text: str) -> None:
        header, tree_fields = _parse_header_and_trees(model_text)
        self.num_class = int(header.get("num_class", "1"))
        self.num_features = int(header["max_feature_idx"]) + 1
        objective = header.get("objective", "")
        if not objective.startswith("multiclass") or objective.startswith("multiclassova"):
            raise TreeModelFormatError(f"objective {objective!r} is not softmax multiclass")
        trees = [_tree_from_fields(f, i) for i, f in enumerate(tree_fields)]
        if not trees or len(trees) % self.num_class:
            raise TreeModelFormatError(f"{len(trees)} trees do not fill {self.num_class} classes")
        self._build(trees)
        self._build_bitmasks(trees)

    def _build(self, trees: list[_Tree]) -> None:
        # Global node ids: all internal nodes first (0 .. I-1), then all leaves (I .. I+L-1). A leaf loops
        # onto itself, so walking ``depth`` steps from every root lands every tree on its leaf.
        feature: list[int] = []
        threshold: list[float] = []
        left: list[int] = []  # leaf children held as ~leaf_index until the internal count is known
        right: list[int] = []
        decisions: list[int] = []
        leaf_value: list[float] = []
        roots: list[int] = []
        depth = 0
        for tree in trees:
            internal_base, leaf_base = len(feature), len(leaf_value)

            def node_id(child: int, _internal: int = internal_base, _leaf: int = leaf_base) -> int:
                return _internal + child if child >= 0 else ~(_leaf + (~child))

            feature.extend(tree.split_feature)
            threshold.extend(tree.threshold)
            decisions.extend(tree.decision_type)
            left.extend(node_id(c) for c in tree.left)
            right.extend(node_id(c) for c in tree.right)
            leaf_value.extend(tree.leaf_value)
            roots.append(internal_base if tree.split_feature else ~leaf_base)
            depth = max(depth, _depth(tree))
        n_internal, n_leaves = len(feature), len(leaf_value)

        def resolve(ids: list[int]) -> I64:
            raw = np.asarray(ids, dtype=np.int64)
            return np.where(raw >= 0, raw, n_internal + ~raw)

        leaf_ids = np.arange(n_internal, n_internal + n_leaves, dtype=np.int64)
        decision = np.asarray(decisions, dtype=np.int64)
        missing = (decision >> 2) & 3
        default_left = (decision & 2).astype(np.bool_)
        internal_threshold = np.asarray(threshold, dtype=np.float64)
        self._n_internal = n_internal
        self._left_internal: I64 = resolve(left)
        self._right_internal: I64 = resolve(right)
        self._feature_internal: I64 = np.asarray(feature, dtype=np.int64)
        self._threshold_internal: F64 = internal_threshold
        self._leaf_ids: I64 = leaf_ids
        # Whole-node arrays (leaves: feature 0, threshold +inf, both children itself) for the exact path.
        self._feature: I64 = np.concatenate([self._feature_internal, np.zeros(n_leaves, dtype=np.int64)])
        self._threshold: F64 = np.concatenate([internal_threshold, np.full(n_leaves, np.inf)])
        kids = np.empty(2 * (n_internal + n_leaves), dtype=np.int64)  # [right, left] per node
        kids[0 : 2 * n_internal : 2] = self._right_internal
        kids[1 : 2 * n_internal : 2] = self._left_internal
        kids[2 * n_internal :: 2] = leaf_ids
        kids[2 * n_internal + 1 :: 2] = leaf_ids
        self._kids: I64 = kids
        nan_left = np.where(missing == _MISSING_NONE, internal_threshold >= 0.0, default_left)
        self._nan_left: BoolArray = np.concatenate([nan_left, np.ones(n_leaves, dtype=np.bool_)])
        zero_missing = missing == _MISSING_ZERO
        self._zero_missing: BoolArray = np.concatenate([zero_missing, np.zeros(n_leaves, dtype=np.bool_)])
        self._default_left: BoolArray = np.concatenate([default_left, np.ones(n_leaves, dtype=np.bool_)])
        self._value: F64 = np.concatenate([np.zeros(n_internal), np.asarray(leaf_value, dtype=np.float64)])
        self._roots: I64 = resolve(roots)
        self._has_zero_missing = bool(self._zero_missing.any())
        self._next = np.concatenate([np.zeros(n_internal, dtype=np.int64), leaf_ids])
        self.depth = depth
        self.num_trees = len(trees)
        self.num_iterations = len(trees) // self.num_class

    def _build_bitmasks(self, trees: list[_Tree]) -> None:
        """Per tree: leaves numbered left to right, and per split a mask clearing its left subtree's
        leaves (``row_kernels.tree_sums_bitmask``); only for trees of at most 64 leaves."""
        self._bitmask_ready = all(len(t.leaf_value) <= _MASK_BITS for t in trees)
        node_start: list[int] = [0]
        leaf_start: list[int] = [0]
        features: list[int] = []
        thresholds: list[float] = []
        masks: list[int] = []
        values: list[float] = []
        for tree in trees if self._bitmask_ready else []:
            order, span = _in_order_leaves(tree)
            for node in range(len(tree.split_feature)):
                begin, end = span[node]
                cleared = ((1 << end) - 1) ^ ((1 << begin) - 1)
                features.append(tree.split_feature[node])
                thresholds.append(tree.threshold[node])
                masks.append(_ALL_BITS ^ cleared)
            values.extend(tree.leaf_value[leaf] for leaf in order)
            node_start.append(len(features))
            leaf_start.append(len(values))
        self._mask_node_start: I64 = np.asarray(node_start, dtype=np.int64)
        self._mask_feature: I64 = np.asarray(features, dtype=np.int64)
        self._mask_threshold: F64 = np.asarray(thresholds, dtype=np.float64)
        self._mask_bits = np.asarray(masks, dtype=np.uint64)
        self._mask_leaf_start: I64 = np.asarray(leaf_start, dtype=np.int64)
        self._mask_leaf_value: F64 = np.asarray(values, dtype=np.float64)

    def raw_rows(self, x_batch: F64) -> F64:
        """``raw_row`` of every row of ``x_batch`` (n, num_features) at once, bit for bit.

        Compiled: rows without NaN of a model without zero-as-missing splits take the branch-free
        bitmask evaluation, the others an exact walk; both sum leaves per class in iteration order.
        """
        x = np.ascontiguousarray(x_batch, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] < self.num_features:
            raise ValueError(f"feature matrix has shape {x.shape}, expected (n, {self.num_features})")
        raw = np.zeros((x.shape[0], self.num_class))
        walk: BoolArray = np.asarray(np.isnan(x).any(axis=1), dtype=np.bool_)
        if self._has_zero_missing or not self._bitmask_ready:
            walk[:] = True
        else:
            tree_sums_bitmask(
                x, self._mask_node_start, self._mask_feature, self._mask_threshold,
                self._mask_bits, self._mask_leaf_start, self._mask_leaf_value, self.num_class,
                _DE_BRUIJN_INDEX, raw,
            )  # fmt: skip
        if walk.any():
            tree_sums_walk(
                x, np.flatnonzero(walk), self._roots, self._n_internal, self._feature, self._threshold,
                self._kids, self._nan_left, self._zero_missing, self._default_left, self._value,
                self.num_class, _ZERO_THRESHOLD, raw,
            )  # fmt: skip
        return raw

    def raw_row(self, x: F64) -> F64:
        """Raw class scores (before softmax) of one row ``x`` of shape (num_features,)."""
        if self._has_zero_missing or bool(np.isnan(x).any()):
            cur = self._roots
            for _ in range(self.depth):
                cur = self._kids[2 * cur + self._go_left_exact(x[self._feature[cur]], cur)]
            raw: F64 = self._value[cur].reshape(self.num_iterations, self.num_class).sum(axis=0)
            return raw
        # Fast path (no missing values): decide every split of every tree at once, then follow the
        # resulting successor table ``depth`` times (one small gather per level).
        nxt = self._next.copy()
        nxt[: self._n_internal] = np.where(
            x[self._feature_internal] <= self._threshold_internal, self._left_internal, self._right_internal
        )
        cur = self._roots
        for _ in range(self.depth):
            cur = nxt[cur]
        fast: F64 = self._value[cur].reshape(self.num_iterations, self.num_class).sum(axis=0)
        return fast

    def proba_list(self, x: F64) -> list[float]:
        """Softmax class probabilities of one row as Python floats (the ensemble's hot path)."""
        raw = self.raw_row(x).tolist()
        top = max(raw)
        exps = [math.exp(r - top) for r in raw]
        total = sum(exps)
        return [e / total for e in exps]

    def floored_proba_rows(self, x_batch: F64, floor: float) -> F64:
        """``floor_list(proba_list(row), floor)`` of every row of ``x_batch`` (n, num_features), bit
        for bit, at once: the batch twin of the live single-row path, for backtests (``raw_rows``,
        then the same softmax and floor arithmetic as the Python-float path; tested equal)."""
        return softmax_floor_rows(self.raw_rows(x_batch), floor)

    def _go_left_exact(self, v: F64, cur: I64) -> BoolArray:
        is_nan = np.isnan(v)
        plain = np.where(is_nan, 0.0, v) <= self._threshold[cur]
        go_left: BoolArray = np.where(is_nan, self._nan_left[cur], plain)
        if self._has_zero_missing:
            zero = self._zero_missing[cur] & (np.abs(np.where(is_nan, 0.0, v)) <= _ZERO_THRESHOLD)
            go_left = np.where(zero, self._default_left[cur], go_left)
        return go_left

    def predict_proba_row(self, x: F64) -> F64:
        """Softmax class probabilities of one row, as LightGBM computes them."""
        raw = self.raw_row(x)
        e = np.exp(raw - raw.max())
        out: F64 = e / e.sum()
        return out

    def raw_batch(self, x_batch: F64) -> F64:
        """Raw class scores of many rows, shape (n, num_class)."""
        n = x_batch.shape[0]
        cur = np.broadcast_to(self._roots, (n, self._roots.shape[0])).copy()
        rows = np.arange(n)[:, None]
        for _ in range(self.depth):
            v = x_batch[rows, self._feature[cur]]
            go_left = self._go_left_exact(v, cur)
            cur = self._kids[2 * cur + go_left]
        leaves = self._value[cur].reshape(n, self.num_iterations, self.num_class)
        raw: F64 = leaves.sum(axis=1)
        return raw

    def predict_proba(self, x_batch: F64) -> F64:
        """Softmax class probabilities of many rows, shape (n, num_class)."""
        raw = self.raw_batch(x_batch)
        e = np.exp(raw - raw.max(axis=1, keepdims=True))
        out: F64 = e / e.sum(axis=1, keepdims=True)
        return out


def _in_order_leaves(tree: _Tree) -> tuple[list[int], dict[int, tuple[int, int]]]:
    """The tree's leaf indices left to right, and per split the range of its left subtree's leaves
    in that order."""
    if not tree.split_feature:
        return [0], {}
    order: list[int] = []
    span: dict[int, tuple[int, int]] = {}
    stack: list[tuple[int, int]] = [(0, 0)]  # (child, state): 0 enter, 1 left done
    while stack:
        child, state = stack.pop()
        if child < 0:
            order.append(~child)
        elif state == 0:
            stack.append((child, 1))
            stack.append((tree.left[child], 0))
            span[child] = (len(order), -1)
        else:
            span[child] = (span[child][0], len(order))
            stack.append((tree.right[child], 0))
    return order, span


def _depth(tree: _Tree) -> int:
    """Number of splits on the longest root-to-leaf path."""
    if not tree.split_feature:
        return 0
    best = 0
    stack = [(0, 1)]
    while stack:
        node, d = stack.pop()
        best = max(best, d)
        for child in (tree.left[node], tree.right[node]):
            if child >= 0:
                stack.append((child, d + 1))
    return best
