"""Reading a synthesized assembly's file assets: what ``cdk deploy`` would publish, and from where."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def file_assets(directory: str | Path) -> dict[str, Any]:
    """The ``files`` of every assets manifest in ``directory`` (an assembly or a stage's), by hash."""
    found: dict[str, Any] = {}
    for manifest in Path(directory).glob("*.assets.json"):
        found.update(json.loads(manifest.read_text())["files"])
    return found


def published(directory: str | Path) -> dict[str, Path]:
    """Object key -> the staged file ``cdk deploy`` uploads to it."""
    return {
        destination["objectKey"]: Path(directory) / asset["source"]["path"]
        for asset in file_assets(directory).values()
        for destination in asset["destinations"].values()
    }
