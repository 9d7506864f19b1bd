"""The image tables against the SageMaker Python SDK's image-URI configuration.

``constructs_lib/training/image_registries.json`` is data in the library (written by
``scripts/image_registries.py``); here every entry of it is checked against the JSON files the
installed ``sagemaker-core`` ships (``requirements-reference.txt``; found with
``importlib.metadata``, read as JSON, never imported), so a wrong account, a missing commercial
region or a stale version fails CI.
"""

from __future__ import annotations

import importlib.metadata
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.monitoring.monitoring_images import CLARIFY_ACCOUNTS, MODEL_MONITOR_ANALYZER_ACCOUNTS
from constructs_lib.training.container_images import BUILT_IN_ALGORITHMS, AlgorithmImage, image_table_source

DATA = json.loads(
    (Path(__file__).resolve().parents[2] / "constructs_lib" / "training" / "image_registries.json").read_text()
)
#: Partitions other than ``aws``: not in the tables.
NOT_COMMERCIAL = ("cn-", "us-gov-", "us-iso", "eu-isoe-", "eusc-")
#: SDK versions the tables leave out, with why.
LEFT_OUT = {("tensorflow/training", "1.13.1"): "its registries are split per Python version (py2/py3)"}


@cache
def sdk_dir() -> Path:
    for file in importlib.metadata.files("sagemaker-core") or []:
        if file.name == "xgboost.json" and file.parent.name == "image_uri_config":
            return Path(str(file.locate())).parent
    pytest.fail("sagemaker-core's image_uri_config is not installed (pip install -r requirements-reference.txt)")


@cache
def sdk(family_scope: str) -> dict[str, Any]:
    family, scope = family_scope.split("/")
    config = json.loads((sdk_dir() / f"{family}.json").read_text())
    return config if "scope" in config else config[scope]


def commercial(registries: dict[str, str]) -> dict[str, str]:
    return {r: a for r, a in registries.items() if not r.startswith(NOT_COMMERCIAL)}


def entries() -> list[tuple[str, str, str | None, dict[str, Any], dict[str, Any]]]:
    """(family/scope, version, base framework, table entry, SDK entry) for every table entry."""
    out = []
    for key, table in DATA["images"].items():
        for version, entry in table["versions"].items():
            sdk_entry = sdk(key)["versions"].get(version)
            if "frameworks" in entry:
                for base, framework in entry["frameworks"].items():
                    out.append((key, version, base, framework, (sdk_entry or {}).get(base)))
            else:
                out.append((key, version, None, entry, sdk_entry))
    return out


@pytest.mark.parametrize(("key", "version", "base", "entry", "sdk_entry"), entries(), ids=lambda v: str(v)[:40])
def test_every_table_entry_matches_the_sdk(key, version, base, entry, sdk_entry):
    assert sdk_entry is not None, f"{key} {version} {base or ''}: not in the SDK's configuration any more"
    assert entry["repository"] == sdk_entry["repository"]
    for field in ("processors", "py_versions", "container_version", "tag_prefix", "processor_in_tag"):
        assert entry.get(field) == sdk_entry.get(field), field
    # Every commercial region the SDK knows, with the same account, and nothing else.
    assert DATA["registries"][entry["registry"]] == commercial(sdk_entry["registries"])


@pytest.mark.parametrize("key", sorted(DATA["images"]))
def test_every_sdk_version_is_in_the_tables(key):
    config = sdk(key)
    missing = [
        v
        for v, c in config["versions"].items()
        if v not in DATA["images"][key]["versions"] and (key, v) not in LEFT_OUT
    ]
    assert missing == []
    assert DATA["images"][key].get("version_aliases", {}) == config.get("version_aliases", {})


def test_the_tables_name_their_source_and_date():
    assert image_table_source().startswith("aws/sagemaker-python-sdk image_uri_config")
    assert importlib.metadata.version("sagemaker-core") in DATA["source"]
    assert len(DATA["generated"]) == 10


def test_every_algorithm_the_sdk_configures_is_typed():
    for family in BUILT_IN_ALGORITHMS:
        assert f"{family}/training" in DATA["images"]
        for version in AlgorithmImage.versions(family):
            assert AlgorithmImage(family, version, None).regions


@pytest.mark.parametrize(
    ("table", "key", "version"),
    [
        (MODEL_MONITOR_ANALYZER_ACCOUNTS, "model-monitor/monitoring", ""),
        (CLARIFY_ACCOUNTS, "clarify/processing", "1.0"),
    ],
)
def test_the_monitoring_images_tables_match_the_sdk(table, key, version):
    assert table == commercial(sdk(key)["versions"][version]["registries"])


def test_importing_the_library_reads_no_table():
    """The tables are read on first use: ``import constructs_lib`` stays cheap."""
    import subprocess
    import sys

    code = (
        "import constructs_lib\n"
        "from constructs_lib.training import container_images as images\n"
        "print(images._data.cache_info().currsize)\n"
        "images.AlgorithmImage.pca(region='eu-west-1')\n"
        "print(images._data.cache_info().currsize)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["0", "1"]
