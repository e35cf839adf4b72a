"""core.fastbuild: the positional builder makes the same immutable value objects, faster."""

from __future__ import annotations

import dataclasses

import pytest

from scalp_system.core.events import SubmitOrder
from scalp_system.core.fastbuild import frozen_builder
from scalp_system.core.orders import Side, TimeInForce

ARGS = ("k", "SBER", Side.BUY, 5, 30_001, TimeInForce.FILL_AND_KILL, "p", False, "entry")


def test_a_built_object_equals_and_hashes_like_the_constructed_one() -> None:
    built = frozen_builder(SubmitOrder)(*ARGS)
    made = SubmitOrder(*ARGS)
    assert type(built) is SubmitOrder and built == made and hash(built) == hash(made)


def test_a_built_object_stays_frozen() -> None:
    built = frozen_builder(SubmitOrder)(*ARGS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.lots = 6  # type: ignore[misc]


def test_every_field_must_be_given() -> None:
    with pytest.raises(TypeError):
        frozen_builder(SubmitOrder)(*ARGS[:-1])


def test_classes_with_post_init_or_without_slots_are_refused() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        value: int

        def __post_init__(self) -> None:
            assert self.value > 0

    @dataclasses.dataclass(frozen=True)
    class Unslotted:
        value: int

    for cls in (Checked, Unslotted):
        with pytest.raises(TypeError):
            frozen_builder(cls)
