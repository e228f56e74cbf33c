"""``core.yamlsafe.values`` and ``get``: duplicate keys, which YAML loaders fold to the last."""

from __future__ import annotations

from chainward.core.yamlsafe import compose_yaml, get, line_of, scalar, values

TEXT = "pip: first\nother: x\npip: second\n"


def test_values_yields_every_value_of_a_key_in_order() -> None:
    root = compose_yaml(TEXT)
    found = list(values(root, "pip"))
    assert [scalar(v) for v in found] == ["first", "second"]
    assert [line_of(v) for v in found] == [1, 3]
    assert list(values(root, "absent")) == []
    assert list(values(None, "pip")) == []


def test_get_keeps_the_last_value_as_loaders_do() -> None:
    root = compose_yaml(TEXT)
    assert scalar(get(root, "pip")) == "second"
    assert get(root, "absent") is None
    assert get(compose_yaml("- a\n- b\n"), "pip") is None  # not a mapping
