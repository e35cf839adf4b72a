"""Recovery step 3, the models: every family loads through the registry, which verifies hashes and the
live feature schema, rehydrates the newest good older version, retrains from the store (``retrain=True``,
through ``_Retrainer``) or leaves the model disabled; each outcome is reported per model, and the drift
reference is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from scalp_system.config import Config
from scalp_system.ml.bundle import ModelBundle
from scalp_system.ml.registry import LoadStatus
from scalp_system.ml.training import TrainingResult, TrainingSettings, train
from scalp_system.monitoring.audit import CONTROLS
from scalp_system.orchestration.models import (
    FAMILIES,
    REFERENCE_FILE,
    live_schema,
    load_drift_references,
    open_registry,
    save_drift_reference,
)
from scalp_system.storage.disaster_recovery.context import RecoveryContext
from scalp_system.storage.disaster_recovery.report import StepReport, StepStatus
from scalp_system.storage.store import Store

RETRAIN_LOOKBACK_S = 1800.0
RETRAIN_MIN_BOOKS = 500


class _Retrainer:
    """Trains every family once from the store's most recent books, on first need."""

    def __init__(self, config: Config, lookback_s: float) -> None:
        self._config = config
        self._lookback_s = lookback_s
        self._result: TrainingResult | None = None
        self.rows = 0

    def for_family(self, name: str) -> Callable[[], ModelBundle | None]:
        """The registry's ``retrain`` callback for family ``name``."""

        def build() -> ModelBundle | None:
            result = self._train()
            return next((b for b in result.bundles if b.name == name), None)

        return build

    def _train(self) -> TrainingResult:
        if self._result is not None:
            return self._result
        from scalp_system.ml.dataset import dataset_from_store
        from scalp_system.storage.historical import info

        db = self._config.storage.db_path
        if not db.exists():
            raise RuntimeError(f"no store at {db}: nothing to retrain from")
        with Store(db, read_only=True) as store:
            summary = info(store)
        stocked = [i for i in summary.instruments if i.book_rows >= RETRAIN_MIN_BOOKS and i.book_last_ns]
        if not stocked:
            raise RuntimeError(f"{db} holds fewer than {RETRAIN_MIN_BOOKS} books per instrument")
        last = max(int(i.book_last_ns or 0) for i in stocked)
        from_ns = last - int(self._lookback_s * 1e9)
        data = dataset_from_store(db, [i.uid for i in stocked], from_ns, None, self._config)
        self._result = train(
            data.features,
            data.mids_ticks,
            data.schema,
            self._config.ml,
            settings=TrainingSettings.from_config(self._config.ml),
            segments=data.segments,
            instruments=data.instruments,
            from_ns=data.from_ns,
            to_ns=data.to_ns,
        )
        save_drift_reference(self._config, data.features, data.segments, data.instruments)
        self.rows = int(data.features.shape[0])
        return self._result


def load_models(run: RecoveryContext, step: StepReport) -> None:
    """Step 3: load every model family through the registry (verify, rehydrate, retrain when asked, or
    leave disabled), report each outcome and check the drift reference."""

    def on_event(kind: str, details: dict[str, Any]) -> None:
        _model_event(run, kind, details)

    registry = open_registry(run.config, on_event=on_event)
    schema = live_schema(run.config)
    retrainer = _Retrainer(run.config, run.retrain_lookback_s) if run.retrain else None
    outcomes: dict[str, dict[str, Any]] = {}
    for name in FAMILIES:
        if not registry.versions(name) and registry.current_version(name) is None and retrainer is None:
            outcomes[name] = {"status": "ABSENT", "version": None, "problems": []}
            step.found.append(f"{name}: no stored model")
            continue
        retrain = retrainer.for_family(name) if retrainer is not None else None
        outcome = registry.load_current(name, expected=schema, retrain=retrain)
        outcomes[name] = {
            "status": outcome.status.value,
            "version": outcome.version,
            "problems": list(outcome.problems),
        }
        step.found.extend(p if p.startswith(name) else f"{name} {p}" for p in outcome.problems)
        where = f" v{outcome.version}" if outcome.version is not None else ""
        if outcome.status is LoadStatus.LOADED:
            step.found.append(f"{name}{where} verifies")
        elif outcome.status is LoadStatus.REHYDRATED:
            step.escalate(StepStatus.REPAIRED)
            step.did.append(
                f"{name}: rehydrated{where}, the newest version that verifies (damaged ones quarantined)"
            )
        elif outcome.status is LoadStatus.RETRAINED:
            step.escalate(StepStatus.REPAIRED)
            step.did.append(
                f"{name}: retrained{where} from {retrainer.rows if retrainer else 0} stored books"
            )
        else:
            step.escalate(StepStatus.DEGRADED)
            step.did.append(f"{name}: DISABLED (nothing usable; retrain with --retrain or `scalp train`)")
    usable = [n for n, o in outcomes.items() if o["status"] in ("LOADED", "REHYDRATED", "RETRAINED")]
    if not usable:
        step.found.append("no usable model: the next `scalp run` records a warm-up and trains one")
    step.details = {"models": outcomes, "usable": usable}
    _check_drift_reference(run, step, bool(usable))


def _check_drift_reference(run: RecoveryContext, step: StepReport, have_model: bool) -> None:
    path = Path(run.config.ml.registry_dir) / REFERENCE_FILE
    if not path.exists():
        if have_model:
            step.found.append("no drift reference: drift detection stays off until retraining")
        step.details["drift_reference"] = "absent"
        return
    if not load_drift_references(run.config):
        step.escalate(StepStatus.DEGRADED)
        step.found.append("drift reference fails its checksum: drift detection is off until retraining")
        step.details["drift_reference"] = "corrupt"
    else:
        step.details["drift_reference"] = "ok"


def _model_event(run: RecoveryContext, kind: str, details: dict[str, Any]) -> None:
    run.audit.record(kind, "model_registry", details, CONTROLS["model_rehydrated"])
    if kind in ("model_rehydrated", "model_retrained", "model_disabled"):
        run.notify(f"{kind}:{details.get('model')}", f"{kind.replace('_', ' ')}: {details.get('model')}")
