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

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_ZERO_THRESHOLD = 1e-35  # LightGBM kZeroThreshold
_MISSING_NONE, _MISSING_ZERO, _MISSING_NAN = 0, 1, 2


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
        _ints(fields.get("split_feature", "")), _floats(fields.get("threshold", "")),
        _ints(fields.get("decision_type", "")), _ints(fields.get("left_child", "")),
        _ints(fields.get("right_child", "")), _floats(fields.get("leaf_value", "")),
    )
    n_leaves = int(fields["num_leaves"])
    if len(tree.leaf_value) != n_leaves or len(tree.split_feature) != n_leaves - 1:
        raise TreeModelFormatError(f"tree {index} is malformed: {n_leaves} leaves, "
                                   f"{len(tree.leaf_value)} leaf values, {len(tree.split_feature)} splits")
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

    def _build(self, trees: list[_Tree]) -> None:
        feature: list[int] = []
        threshold: list[float] = []
        kids: list[int] = []  # per node: [right, left] so that index 2*node + go_left picks the child
        nan_left: list[bool] = []
        zero_missing: list[bool] = []
        default_left: list[bool] = []
        value: list[float] = []
        roots: list[int] = []
        depth = 0
        for tree in trees:
            base = len(feature)
            n_internal = len(tree.split_feature)
            leaf_base = base + n_internal

            def node_id(child: int, _internal: int = base, _leaf: int = leaf_base) -> int:
                return _internal + child if child >= 0 else _leaf + (~child)

            for j in range(n_internal):
                decision = tree.decision_type[j]
                missing = (decision >> 2) & 3
                is_default_left = bool(decision & 2)
                thr = tree.threshold[j]
                feature.append(tree.split_feature[j])
                threshold.append(thr)
                kids.extend((node_id(tree.right[j]), node_id(tree.left[j])))
                default_left.append(is_default_left)
                zero_missing.append(missing == _MISSING_ZERO)
                nan_left.append(is_default_left if missing != _MISSING_NONE else 0.0 <= thr)
                value.append(0.0)
            for leaf, leaf_value in enumerate(tree.leaf_value):
                me = leaf_base + leaf
                feature.append(0)
                threshold.append(np.inf)
                kids.extend((me, me))
                default_left.append(True)
                zero_missing.append(False)
                nan_left.append(True)
                value.append(leaf_value)
            roots.append(base if n_internal else leaf_base)
            depth = max(depth, _depth(tree))
        self._feature: I64 = np.asarray(feature, dtype=np.int64)
        self._threshold: F64 = np.asarray(threshold, dtype=np.float64)
        self._kids: I64 = np.asarray(kids, dtype=np.int64)
        self._nan_left: BoolArray = np.asarray(nan_left, dtype=np.bool_)
        self._zero_missing: BoolArray = np.asarray(zero_missing, dtype=np.bool_)
        self._default_left: BoolArray = np.asarray(default_left, dtype=np.bool_)
        self._value: F64 = np.asarray(value, dtype=np.float64)
        self._roots: I64 = np.asarray(roots, dtype=np.int64)
        self._has_zero_missing = bool(self._zero_missing.any())
        self.depth = depth
        self.num_trees = len(trees)
        self.num_iterations = len(trees) // self.num_class

    def raw_row(self, x: F64) -> F64:
        """Raw class scores (before softmax) of one row ``x`` of shape (num_features,)."""
        cur = self._roots
        feature, threshold, kids = self._feature, self._threshold, self._kids
        exact_path = self._has_zero_missing or bool(np.isnan(x).any())
        for _ in range(self.depth):
            v = x[feature[cur]]
            if exact_path:
                go_left = self._go_left_exact(v, cur)
            else:
                go_left = v <= threshold[cur]
            cur = kids[2 * cur + go_left]
        leaves = self._value[cur].reshape(self.num_iterations, self.num_class)
        raw: F64 = leaves.sum(axis=0)
        return raw

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

    def raw_batch(self, X: F64) -> F64:
        """Raw class scores of many rows, shape (n, num_class)."""
        n = X.shape[0]
        cur = np.broadcast_to(self._roots, (n, self._roots.shape[0])).copy()
        rows = np.arange(n)[:, None]
        for _ in range(self.depth):
            v = X[rows, self._feature[cur]]
            go_left = self._go_left_exact(v, cur)
            cur = self._kids[2 * cur + go_left]
        leaves = self._value[cur].reshape(n, self.num_iterations, self.num_class)
        raw: F64 = leaves.sum(axis=1)
        return raw

    def predict_proba(self, X: F64) -> F64:
        """Softmax class probabilities of many rows, shape (n, num_class)."""
        raw = self.raw_batch(X)
        e = np.exp(raw - raw.max(axis=1, keepdims=True))
        out: F64 = e / e.sum(axis=1, keepdims=True)
        return out


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
