"""Where a run keeps its files: every configured path rebased under one state directory."""

from __future__ import annotations

from pathlib import Path

from scalp_system.config import Config


def rebase_paths(config: Config, state_dir: Path) -> Config:
    """A copy of ``config`` whose relative file paths live under ``state_dir`` (absolute ones stay)."""

    def under(path: Path) -> Path:
        if path.is_absolute():
            return path
        parts = path.parts[1:] if path.parts and path.parts[0] == "var" else path.parts
        return state_dir.joinpath(*parts)

    return config.model_copy(
        update={
            "storage": config.storage.model_copy(
                update={
                    "db_path": under(config.storage.db_path),
                    "spill_dir": under(config.storage.spill_dir),
                    "backup_dir": under(config.storage.backup_dir),
                }
            ),
            "checkpoint": config.checkpoint.model_copy(update={"dir": under(config.checkpoint.dir)}),
            "ml": config.ml.model_copy(update={"registry_dir": under(config.ml.registry_dir)}),
            "drift": config.drift.model_copy(update={"log_path": under(config.drift.log_path)}),
            "audit": config.audit.model_copy(update={"path": under(config.audit.path)}),
        }
    )
