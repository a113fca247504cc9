"""cyberkg.core.json_text.dumps writes exactly json.dumps(indent=2, ensure_ascii=False)."""

from __future__ import annotations

import json

import pytest

from cyberkg.core.json_text import dumps

CASES = [
    [],
    {},
    "plain",
    None,
    True,
    0,
    [[], {}, [[]], {"a": {}}],
    {"goal": "https://w3id.org/x#g", "label": "Égalité, \"quoted\" \\ back\nline\ttab \x01 \u2028 日本",
     "n": 3, "neg": -7, "big": 10**30, "f": 1.5, "small": 1e-20, "nan": float("nan"), "inf": float("inf"),
     "minf": float("-inf"), "t": True, "fls": False, "none": None, "tuple": (1, "a", (2,)),
     "nested": [{"a": [1, [2, {"b": []}]]}, [], {}]},
]


@pytest.mark.parametrize("value", CASES)
def test_same_text_as_the_standard_library(value: object) -> None:
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_other_keys_and_types_fall_back_to_the_standard_library() -> None:
    value = {1: "one", None: [], 2.5: {"x": True}, False: 0}
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)
    with pytest.raises(TypeError):
        dumps({"a": object()})


@pytest.mark.parametrize("value", CASES)
def test_sorted_keys_as_the_standard_library(value: object) -> None:
    assert dumps(value, sort_keys=True) == json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


def test_unsortable_keys_raise_as_the_standard_library() -> None:
    with pytest.raises(TypeError):
        dumps({"a": 1, 2: 3}, sort_keys=True)


def test_indented_as_asked() -> None:
    value = {"a": [1, {"b": "c"}]}
    assert dumps(value, indent=4) == json.dumps(value, indent=4, ensure_ascii=False)
