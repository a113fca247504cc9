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


def test_the_native_writer_is_used_where_its_text_is_the_same() -> None:
    from cyberkg.core.json_text import _native

    value = {"gaps": [{"goal": "g\u2028\x00\"\\é", "n": 3, "share": 0.25, "none": None, "t": (1, [])}], "e": {}}
    assert _native(value, sort_keys=False) == json.dumps(value, indent=2, ensure_ascii=False)
    assert _native(value, sort_keys=True) == json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


@pytest.mark.parametrize("value", [{"x": 1e-05}, [9.99e-05], [-2.5e-06], [1e-07], [1e16], {1: 2}, [2**70], ["\ud800"],
                                   {"d": __import__("datetime").date(2020, 1, 1)}])
def test_where_the_native_text_could_differ_the_walk_writes_it(value: object) -> None:
    from cyberkg.core.json_text import _native

    assert _native(value, sort_keys=False) is None
    try:
        expected = json.dumps(value, indent=2, ensure_ascii=False)
    except TypeError:
        with pytest.raises(TypeError):
            dumps(value)
        return
    assert dumps(value) == expected


def test_nan_and_infinity_are_written_null() -> None:
    """The one documented difference from the standard library (which writes NaN, not JSON)."""
    assert json.loads(dumps({"a": [float("nan"), float("inf")]})) == {"a": [None, None]}
