"""The batch twins of the live per-row model path are bit-identical to it: members' outputs, the
calibrators, the online weights, and ``SignalPipeline.on_matrix`` against ``on_vector`` row by row
across drift checks and recalibrations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from scalp_system.config import Config, config_from_mapping
from scalp_system.core.clock import SimulatedClock
from scalp_system.data.batch_validation import accepted_rows
from scalp_system.features import batch_features
from scalp_system.ml.calibration import IdentityCalibrator, IsotonicCalibrator, PlattCalibrator
from scalp_system.ml.dataset import Recording as MlRecording
from scalp_system.ml.ensemble import _MIN_LOSS, WeightedEnsemble
from scalp_system.ml.metrics import EPS
from scalp_system.ml.row_kernels import MAX_SEQUENTIAL_MEMBERS, online_mix
from scalp_system.orchestration.models import load_ensemble, open_registry, train_and_save
from scalp_system.orchestration.signals import SignalPipeline, SignalStep
from tests.recordings import BtcRecording

F64 = npt.NDArray[np.float64]
TRAIN_ROWS = 2_000
TEST_ROWS = 1_500


@dataclass(frozen=True)
class World:
    config: Config
    fresh_model: Callable[[], WeightedEnsemble]
    matrix: F64
    mids: F64
    ts: npt.NDArray[np.int64]


@pytest.fixture(scope="module")
def world(btc_recording: BtcRecording, tmp_path_factory: pytest.TempPathFactory) -> World:
    registry_dir = tmp_path_factory.mktemp("models")
    config = config_from_mapping(
        {
            "ml": {"registry_dir": str(registry_dir), "gbm_iterations": 30, "walk_forward_folds": 2},
            "drift": {"window": 200, "check_every": 100},
        }
    )
    instrument, books, trades = btc_recording.instrument, btc_recording.books, btc_recording.trades
    cut = int(books.exchange_ts_ns[TRAIN_ROWS])
    train_and_save(
        config,
        [MlRecording(books.slice(0, TRAIN_ROWS), trades.between(None, cut), instrument.tick)],
        open_registry(config),
    )
    end = int(books.exchange_ts_ns[TRAIN_ROWS + TEST_ROWS])
    test_books, test_trades = books.slice(TRAIN_ROWS, TRAIN_ROWS + TEST_ROWS), trades.between(cut, end)
    book_ok, trade_ok = accepted_rows(config.data, instrument, test_books, test_trades)
    kept = test_books.select(book_ok)
    matrix = np.ascontiguousarray(
        batch_features(
            kept,
            test_trades.select(trade_ok),
            config.features,
            config.data.lob_levels,
            instrument.tick,
            atr_bar_s=config.risk.atr_bar_s,
            atr_period=config.risk.atr_period,
        )
    )
    mids = (kept.bid_px[:, 0].astype(np.float64) + kept.ask_px[:, 0]) / 2.0

    def fresh_model() -> WeightedEnsemble:
        model = load_ensemble(config, open_registry(config)).ensemble
        assert model is not None
        return model

    return World(config, fresh_model, matrix, mids, kept.exchange_ts_ns)


def _with_gaps(matrix: F64) -> F64:
    """The matrix with a few NaN and infinite features (rows the live path does not predict on)."""
    out = matrix.copy()
    out[7, 3] = np.nan
    out[40, :] = np.nan
    out[41, 10] = np.inf
    return out


def test_every_members_batch_output_equals_its_single_row_output_on_real_rows(world: World) -> None:
    model = world.fresh_model()
    assert {m.model.family for m in model.members} == {"lightgbm", "linear"}
    for member in model.members:
        batch = member.model.proba_rows(world.matrix)
        rows = np.array([member.model.proba_list(x) for x in world.matrix])
        assert np.array_equal(batch, rows), member.name


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the live path on inf
def test_member_outputs_with_missing_values_equal_the_single_row_outputs(world: World) -> None:
    matrix = _with_gaps(world.matrix)
    model = world.fresh_model()
    for member in model.members:
        batch = member.model.proba_rows(matrix)
        rows = np.array([member.model.proba_list(x) for x in matrix])
        assert np.array_equal(batch, rows, equal_nan=True), member.name


def _probability_rows(seed: int, n: int = 2_000) -> F64:
    rng = np.random.default_rng(seed)
    raw = rng.dirichlet([0.5, 1.0, 0.5], n)
    raw[:20] = [[1e-4, 1 - 2e-4, 1e-4]] * 20  # the floor itself
    return np.asarray(raw, dtype=np.float64)


@pytest.mark.parametrize("method", ["identity", "isotonic", "platt"])
def test_calibrators_transform_many_rows_exactly_as_one_row_at_a_time(method: str) -> None:
    fit_probs = _probability_rows(1)
    labels = np.random.default_rng(2).integers(0, 3, fit_probs.shape[0])
    calibrator = {
        "identity": IdentityCalibrator,
        "isotonic": IsotonicCalibrator.fit,
        "platt": PlattCalibrator.fit,
    }[method]
    fitted = calibrator() if method == "identity" else calibrator(fit_probs, labels)  # type: ignore[operator]
    probs = np.concatenate([_probability_rows(3), fit_probs[:200]])  # also exactly on breakpoints
    rows = np.array([fitted.transform_list(p) for p in probs.tolist()])
    assert np.array_equal(fitted.transform_rows(probs), rows)


def test_an_isotonic_calibrator_that_maps_a_row_to_zero_falls_back_as_one_row_does() -> None:
    zero = IsotonicCalibrator([np.array([0.5, 0.6])] * 3, [np.array([0.0, 0.0])] * 3)
    probs = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    rows = np.array([zero.transform_list(p) for p in probs.tolist()])
    assert np.array_equal(zero.transform_rows(probs), rows)


@pytest.mark.parametrize("members", range(1, MAX_SEQUENTIAL_MEMBERS + 1))
def test_compiled_online_weights_equal_numpys_normalised_inverse_losses(members: int) -> None:
    rng = np.random.default_rng(members)
    loss = 10.0 ** rng.uniform(-8, 3, members)  # spans the 1e-6 floor and orders of magnitude
    weights = np.full(members, 1.0 / members)
    predicted = np.zeros((1, members, 3))
    resolved = np.ones((1, members))  # p = 1 scores a zero loss: L ← decay · L
    online_mix(predicted, np.array([False]), resolved, np.array([0]), loss, weights, 0.9, EPS, _MIN_LOSS)
    inverse = 1.0 / np.maximum(loss, _MIN_LOSS)
    assert np.array_equal(weights, inverse / inverse.sum())


def _drifting_references(world: World) -> dict[str, F64]:
    """A reference far from the live data: every check flags drift, so the ensemble recalibrates."""
    return {"BTCUSDT": world.matrix[:300] * 3.0 + 5.0}


def _pipeline(world: World, log: Path) -> tuple[SignalPipeline, SimulatedClock]:
    clock = SimulatedClock()
    config = world.config.model_copy(
        update={"drift": world.config.drift.model_copy(update={"log_path": log})}
    )
    pipeline = SignalPipeline(
        world.fresh_model(), config, ["BTCUSDT"], _drifting_references(world), now_ns=clock.now_ns
    )
    return pipeline, clock


def _row_by_row(world: World, matrix: F64, log: Path, rows: range) -> tuple[SignalPipeline, list[SignalStep]]:
    pipeline, clock = _pipeline(world, log)
    steps = []
    for row in rows:
        clock.set(int(world.ts[row]))
        steps.append(pipeline.on_vector("BTCUSDT", matrix[row], float(world.mids[row])))
    return pipeline, steps


def _assert_same_state(a: WeightedEnsemble, b: WeightedEnsemble) -> None:
    assert np.array_equal(a._loss, b._loss)
    assert a.weights == b.weights
    assert a.updates == b.updates
    for left, right in zip(a.window.arrays(), b.window.arrays(), strict=True):
        assert np.array_equal(left, right)
    for x, y in zip(a.members, b.members, strict=True):
        assert x.calibrator.to_files() == y.calibrator.to_files()


def test_on_matrix_equals_on_vector_row_by_row_across_drift_checks_and_recalibrations(
    world: World, tmp_path: Path
) -> None:
    matrix = _with_gaps(world.matrix)
    n = matrix.shape[0]
    live, live_steps = _row_by_row(world, matrix, tmp_path / "live.jsonl", range(n))
    batch, clock = _pipeline(world, tmp_path / "batch.jsonl")

    def set_clock(row: int) -> None:
        clock.set(int(world.ts[row]))

    batch_steps = batch.on_matrix("BTCUSDT", matrix, world.mids, before_row=set_clock).steps()
    assert sum(s.drift is not None for s in live_steps) >= 5
    assert sum(s.recalibrated for s in live_steps) >= 2
    assert sum(s.signal is None for s in live_steps) == 3
    assert batch_steps == live_steps
    _assert_same_state(batch.model, live.model)
    assert (tmp_path / "batch.jsonl").read_text() == (tmp_path / "live.jsonl").read_text()


def test_on_matrix_continues_where_on_vector_left_off_and_in_pieces(world: World, tmp_path: Path) -> None:
    matrix = world.matrix
    n = matrix.shape[0]
    live, live_steps = _row_by_row(world, matrix, tmp_path / "live.jsonl", range(n))
    mixed, clock = _pipeline(world, tmp_path / "mixed.jsonl")
    steps = []
    for row in range(7):  # fewer than the label horizon: the queue holds unresolved predictions
        clock.set(int(world.ts[row]))
        steps.append(mixed.on_vector("BTCUSDT", matrix[row], float(world.mids[row])))
    for start, stop in ((7, 450), (450, 451), (451, n)):

        def set_clock(row: int, _start: int = start) -> None:
            clock.set(int(world.ts[_start + row]))

        rows = mixed.on_matrix("BTCUSDT", matrix[start:stop], world.mids[start:stop], before_row=set_clock)
        steps.extend(rows.steps())
    assert steps == live_steps
    _assert_same_state(mixed.model, live.model)
    tail_mixed = [(mid, p is None) for mid, p in mixed._outcomes["BTCUSDT"]._queue]
    tail_live = [(mid, p is None) for mid, p in live._outcomes["BTCUSDT"]._queue]
    assert tail_mixed == tail_live


def test_on_matrix_for_an_instrument_without_outcomes_or_drift_predicts_as_on_vector(world: World) -> None:
    live = SignalPipeline(world.fresh_model(), world.config, [])
    batch = SignalPipeline(world.fresh_model(), world.config, [])
    rows = range(300)
    live_steps = [live.on_vector("X", world.matrix[r], float(world.mids[r])) for r in rows]
    assert batch.on_matrix("X", world.matrix[:300], world.mids[:300]).steps() == live_steps
    _assert_same_state(batch.model, live.model)
