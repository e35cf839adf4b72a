"""Fast construction of frozen, slotted dataclass value types on hot paths.

A frozen dataclass's generated ``__init__`` stores each field through ``object.__setattr__``, which
costs several times a plain slot store; on the decision path (entry decision, plan slice, order)
that adds up to microseconds. :func:`frozen_builder` compiles, once per class, a function that
takes every field positionally and fills the slots through their descriptors: the same object,
equal and hashed the same, still immutable afterwards. Only for classes without ``__post_init__``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def frozen_builder(cls: type[T]) -> Callable[..., T]:
    """A constructor for the slotted dataclass ``cls`` taking every field positionally, in field
    order (no defaults, no validation: a class with ``__post_init__`` is refused)."""
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__}: frozen_builder needs a dataclass with slots=True")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: frozen_builder cannot run __post_init__")
    names = [field.name for field in dataclasses.fields(cls) if field.init]
    if len(names) != len(dataclasses.fields(cls)):
        raise TypeError(f"{cls.__name__}: frozen_builder needs every field to be an init field")
    namespace: dict[str, Any] = {f"_set_{name}": getattr(cls, name).__set__ for name in names}
    namespace["_new"] = object.__new__
    namespace["_cls"] = cls
    lines = [f"def build_{cls.__name__}({', '.join(names)}):", "    obj = _new(_cls)"]
    lines += [f"    _set_{name}(obj, {name})" for name in names]
    lines.append("    return obj")
    exec("\n".join(lines), namespace)  # the source is built above from the field names only
    builder: Callable[..., T] = namespace[f"build_{cls.__name__}"]
    return builder
