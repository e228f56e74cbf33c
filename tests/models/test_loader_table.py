"""The hub-loader table is data (inventory/data/hub-loaders.toml) read by a typed loader."""

from __future__ import annotations

import pytest

from chainward.inventory.model_refs.loaders import (
    DATA,
    LOADERS,
    SUBCLASS_LOADER,
    LoaderTableError,
    load_table,
    match_loader,
    parse_loader,
)


def test_shipped_table_loads_with_every_row_named_and_matching() -> None:
    rows, classes = load_table(DATA.read_text(encoding="utf-8"))
    assert rows == LOADERS
    assert len({row.name for row in rows}) == len(rows)
    assert SUBCLASS_LOADER.name.startswith("from_pretrained")
    assert "huggingface_hub.HfApi" in classes["instance"]
    for row in rows:
        concrete = row.patterns[0].replace("*", "")
        assert match_loader(concrete) is not None, row.name


def test_a_row_with_defaults_reads_like_the_dataclass_defaults() -> None:
    row = parse_loader({"name": "x", "patterns": ["lib.load"], "repo-pos": 0})
    assert (row.rev_kw, row.style, row.kind, row.hub, row.pinnable) == (
        ("revision",),
        "hf",
        "model",
        "huggingface",
        True,
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"name": "x", "patterns": ["a"], "repo-pos": True}, "repo-pos must be a int"),
        ({"name": "x", "patterns": "a"}, "patterns must be a list of strings"),
        ({"name": "x", "style": "pickle"}, "style 'pickle'"),
        ({"name": "x", "revison-kw": ["r"]}, "unknown keys"),
        ({"patterns": ["a"]}, "has no name"),
    ],
)
def test_malformed_rows_are_refused_with_the_reason(row: dict[str, object], message: str) -> None:
    with pytest.raises(LoaderTableError, match=message):
        parse_loader(row)


def test_a_table_without_rows_is_refused() -> None:
    with pytest.raises(LoaderTableError, match="no \\[\\[loader\\]\\] rows"):
        load_table("[classes]\ninstance = []\n")
