"""Shared fixtures: the repository root, the sample catalog, and a writable copy of it."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from bot.catalog import Catalog, load_catalog
from bot.sources import record_source

REPO = Path(__file__).resolve().parents[1]
os.chdir(REPO)  # config.yml and domain.yml use repository-relative paths


@pytest.fixture(autouse=True)
def records_source_from_each_tests_settings() -> Iterator[None]:
    """The records source is chosen once per process from the settings (bot/sources.py); tests
    change the settings (RECORDS_URL), so each test chooses again."""
    record_source.cache_clear()
    yield
    record_source.cache_clear()


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def sample_catalog() -> Catalog:
    return load_catalog(REPO / "data" / "catalog.yml")


@pytest.fixture
def catalog_raw() -> dict:
    """The sample catalog as a plain mapping, to change and write back in a test."""
    return yaml.safe_load((REPO / "data" / "catalog.yml").read_text(encoding="utf-8"))


@pytest.fixture
def write_catalog(tmp_path, monkeypatch):
    """Write a catalog mapping to a file and point $CATALOG_PATH at it."""

    def write(raw: dict) -> Path:
        path = tmp_path / "catalog.yml"
        path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        monkeypatch.setenv("CATALOG_PATH", str(path))
        return path

    return write


@pytest.fixture(scope="session")
def sample_bot(tmp_path_factory):
    """The real bot (`make serve`) with the sample cohort, started once for every end-to-end test."""
    from servers import serve_sample

    with serve_sample(tmp_path_factory.mktemp("records")) as running:
        yield running
