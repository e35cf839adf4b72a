"""Render the configuration reference (docs/configuration.md) from the Config model itself, so the
document can never drift from the code; a test compares the committed file with this output."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from scalp_system.config import ENV_PREFIX, Config


def _default(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_default(v) for v in value) + "]"
    if value is None:
        return "(unset)"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _constraints(field: Any) -> str:
    parts = []
    for meta in field.metadata:
        for name, symbol in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            bound = getattr(meta, name, None)
            if bound is not None:
                parts.append(f"{symbol} {bound}")
    return ", ".join(parts)


def render() -> str:
    """The whole reference as Markdown."""
    lines = [
        "# Configuration reference",
        "",
        "Generated from `scalp_system/config.py` by",
        "`python -m scalp_system.config_doc > docs/configuration.md`. Every key is optional; defaults are",
        "the SPEC's. A TOML file holds sections as tables; any key can be overridden from the environment",
        f"as `{ENV_PREFIX}SECTION__KEY` (value parsed as TOML when possible). Unknown keys, wrong types and",
        "out-of-range values are refused, naming the key and the file.",
        "",
    ]
    for section_name, section_field in Config.model_fields.items():
        section_type = section_field.annotation
        assert isinstance(section_type, type) and issubclass(section_type, BaseModel)
        doc = (section_type.__doc__ or "").strip().splitlines()[0]
        lines += [
            f"## [{section_name}]",
            "",
            doc,
            "",
            "| key | default | constraint | meaning |",
            "|---|---|---|---|",
        ]
        for key, field in section_type.model_fields.items():
            default = _default(field.default)
            lines.append(f"| `{key}` | `{default}` | {_constraints(field)} | {field.description or ''} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
