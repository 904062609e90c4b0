"""Shared fixtures: where the repository, its examples and the shared contract live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_EXAMPLES = REPO.parent / "shared" / "examples"
UPDATE_GOLDEN = os.environ.get("CAUSALPPL_UPDATE_GOLDEN") == "1"


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def shared_examples() -> Path:
    if not SHARED_EXAMPLES.is_dir():
        pytest.skip("the shared examples folder is not beside the repository")
    return SHARED_EXAMPLES


def assert_golden(path: Path, actual: str) -> None:
    """Compare with a golden file; CAUSALPPL_UPDATE_GOLDEN=1 rewrites it."""
    if UPDATE_GOLDEN or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"output differs from {path.relative_to(REPO)}"
