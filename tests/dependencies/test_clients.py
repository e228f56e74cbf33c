"""The index clients share one set of settings, read from ``[tool.chainward.dependencies]``."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainward.dependencies.index import PyPIClient
from chainward.dependencies.simple import SimpleClient


@pytest.mark.parametrize("client_type", [PyPIClient, SimpleClient])
def test_from_policy_reads_cache_ttl_and_timeout(
    client_type: type[PyPIClient] | type[SimpleClient],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    client = client_type.from_policy(
        {"cache-dir": "~/idx", "cache-ttl": 60, "timeout": 3}, offline=True
    )
    assert client.cache_dir == tmp_path / "idx"
    assert (client.ttl, client.timeout, client.offline) == (60, 3.0, True)
    assert client.base_url.startswith("https://pypi.org/")


def test_defaults_use_the_xdg_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    client = SimpleClient.from_policy({})
    assert client.cache_dir == tmp_path / "chainward" / "pypi"
    assert (client.ttl, client.timeout, client.offline) == (86400, 15.0, False)
    assert client.base_url == "https://pypi.org/simple"
    assert client.integrity_url == "https://pypi.org/integrity"
    assert PyPIClient(base_url="https://mirror.example/pypi/").base_url == (
        "https://mirror.example/pypi"
    )
