"""Compile the project's Invest API v2 contract subset into importable Python stubs.

Runs grpc_tools.protoc over `scalp_system/broker/proto/*.proto` and writes `*_pb2.py`, `*_pb2.pyi` and
`*_pb2_grpc.py` into `scalp_system/broker/proto/generated/` (or `--out DIR`), then rewrites protoc's
flat cross-imports (`import common_pb2 as ...`) into package-relative ones so that
`from scalp_system.broker.proto.generated import orders_pb2` works. The output is deterministic for a
given grpcio-tools version, which is what lets `tests/broker/test_proto_stubs.py` detect stale stubs.

Usage: .venv/bin/python scripts/gen_proto.py [--out DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from importlib import resources
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROTO_DIR = PROJECT_ROOT / "scalp_system" / "broker" / "proto"
DEFAULT_OUT = PROTO_DIR / "generated"
INIT_TEXT = '"""Generated stubs for the Invest API v2 subset; do not edit, run scripts/gen_proto.py."""\n'
_FLAT_IMPORT = re.compile(r"^import (\w+_pb2) as (\w+)$", re.MULTILINE)


def proto_files() -> list[Path]:
    """The contract's .proto files, sorted so that compilation order is stable."""
    return sorted(PROTO_DIR.glob("*.proto"))


def _relativise(text: str, local_modules: set[str]) -> str:
    """Turn `import x_pb2 as y` for our own modules into `from . import x_pb2 as y`."""

    def repl(match: re.Match[str]) -> str:
        module, alias = match.group(1), match.group(2)
        if module in local_modules:
            return f"from . import {module} as {alias}"
        return match.group(0)

    return _FLAT_IMPORT.sub(repl, text)


def generate(out_dir: Path) -> list[Path]:
    """Compile every .proto into `out_dir` (replacing its generated files); return the files written."""
    from grpc_tools import protoc

    protos = proto_files()
    if not protos:
        raise SystemExit(f"no .proto files under {PROTO_DIR}")
    well_known = str(resources.files("grpc_tools") / "_proto")
    with tempfile.TemporaryDirectory(prefix="gen_proto_") as tmp:
        args = [
            "grpc_tools.protoc",
            f"-I{PROTO_DIR}",
            f"-I{well_known}",
            f"--python_out={tmp}",
            f"--pyi_out={tmp}",
            f"--grpc_python_out={tmp}",
            *[p.name for p in protos],
        ]
        rc = protoc.main(args)
        if rc != 0:
            raise SystemExit(f"protoc failed with exit code {rc}")
        local = {p.stem + "_pb2" for p in protos}
        out_dir.mkdir(parents=True, exist_ok=True)
        for stale in out_dir.glob("*_pb2*.py*"):
            stale.unlink()
        written: list[Path] = []
        for src in sorted(Path(tmp).iterdir()):
            text = _relativise(src.read_text(encoding="utf-8"), local)
            dest = out_dir / src.name
            dest.write_text(text, encoding="utf-8")
            written.append(dest)
    init = out_dir / "__init__.py"
    init.write_text(INIT_TEXT, encoding="utf-8")
    written.append(init)
    return sorted(written)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: regenerate the stubs and list what was written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output package directory")
    args = parser.parse_args(argv)
    out: Path = args.out
    if out.exists() and out != DEFAULT_OUT and not out.is_dir():
        raise SystemExit(f"--out {out} is not a directory")
    written = generate(out)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
