"""Loading the YAML manifests in manifests/: the one place test objects are read from."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

MANIFESTS = Path(__file__).resolve().parents[2] / "manifests"


@functools.cache
def _parsed(name: str) -> dict[str, Any]:
    parsed = yaml.safe_load((MANIFESTS / name).read_text())
    if not isinstance(parsed, dict):
        raise ValueError(f"manifests/{name} does not hold one object")
    return parsed


def load_manifest(name: str) -> dict[str, Any]:
    """A fresh copy of manifests/<name>, safe to adjust."""
    return copy.deepcopy(_parsed(name))


def load_manifests(name: str) -> list[dict[str, Any]]:
    """Every object of manifests/<name>, a multi-document YAML file."""
    return [document for document in yaml.safe_load_all((MANIFESTS / name).read_text()) if document]
