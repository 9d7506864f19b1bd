"""Write ``constructs_lib/training/image_registries.json`` from the SageMaker Python SDK's image-URI
configuration (``sagemaker/core/image_uri_config/*.json`` of the installed ``sagemaker-core``, a
dev-only reference: ``requirements-reference.txt``).

The library reads only the JSON this writes; ``tests/constructs_lib/test_image_registries.py`` checks
every entry of it against the SDK's configuration again, so a stale table fails CI. Run after
bumping ``sagemaker-core``:

    .venv/bin/python scripts/image_registries.py

Only commercial regions (the ``aws`` partition) are kept: China, GovCloud, ISO and the European
Sovereign Cloud use other partitions and domains.
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "constructs_lib" / "training" / "image_registries.json"

#: Families read from the SDK: (config file, scopes kept).
FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    # built-in algorithms ("scope": ["inference", "training"], one version "1")
    "blazingtext": ("blazingtext", ("training",)),
    "factorization-machines": ("factorization-machines", ("training",)),
    "forecasting-deepar": ("forecasting-deepar", ("training",)),
    "image-classification": ("image-classification", ("training",)),
    "ipinsights": ("ipinsights", ("training",)),
    "kmeans": ("kmeans", ("training",)),
    "knn": ("knn", ("training",)),
    "lda": ("lda", ("training",)),
    "linear-learner": ("linear-learner", ("training",)),
    "ntm": ("ntm", ("training",)),
    "object-detection": ("object-detection", ("training",)),
    "object2vec": ("object2vec", ("training",)),
    "pca": ("pca", ("training",)),
    "randomcutforest": ("randomcutforest", ("training",)),
    "semantic-segmentation": ("semantic-segmentation", ("training",)),
    "seq2seq": ("seq2seq", ("training",)),
    # first-party framework images (also the XGBoost built-in algorithm)
    "xgboost": ("xgboost", ("training", "inference")),
    "sklearn": ("sklearn", ("training", "inference")),
    # AWS Deep Learning Containers
    "pytorch": ("pytorch", ("training", "inference")),
    "tensorflow": ("tensorflow", ("training", "inference")),
    "huggingface": ("huggingface", ("training", "inference")),
    "autogluon": ("autogluon", ("training", "inference")),
    # Model Monitor and Clarify
    "model-monitor": ("model-monitor", ("monitoring",)),
    "clarify": ("clarify", ("processing",)),
}

_NOT_COMMERCIAL = ("cn-", "us-gov-", "us-iso", "eu-isoe-", "eusc-")
_VERSION_KEYS = ("repository", "processors", "py_versions", "container_version", "tag_prefix", "processor_in_tag")


def sdk_config_dir() -> Path:
    """The installed ``sagemaker-core``'s ``image_uri_config`` folder (found without importing it)."""
    files = importlib.metadata.files("sagemaker-core") or []
    for file in files:
        if file.name == "xgboost.json" and file.parent.name == "image_uri_config":
            return Path(str(file.locate())).parent
    raise SystemExit("sagemaker-core's image_uri_config is not installed (pip install -r requirements-reference.txt)")


def commercial(registries: dict[str, str]) -> dict[str, str]:
    return {r: a for r, a in sorted(registries.items()) if not r.startswith(_NOT_COMMERCIAL)}


def scope_config(config: dict[str, Any], scope: str) -> dict[str, Any]:
    """The SDK's config of one scope (algorithm files list their scopes and share one config)."""
    return config if "scope" in config else config[scope]


def main() -> int:
    source = sdk_config_dir()
    registries: dict[str, dict[str, str]] = {}

    def registry(table: dict[str, str], first_user: str) -> str:
        """A name for ``table``: the first image entry that uses it (tables are shared by many)."""
        table = commercial(table)
        for name, known in registries.items():
            if known == table:
                return name
        registries[first_user] = table
        return first_user

    def entry(version_config: dict[str, Any], where: str) -> dict[str, Any]:
        out = {k: version_config[k] for k in _VERSION_KEYS if k in version_config}
        out["registry"] = registry(version_config["registries"], where)
        return out

    images: dict[str, Any] = {}
    for family, (file, scopes) in FAMILIES.items():
        config = json.loads((source / f"{file}.json").read_text())
        for scope in scopes:
            sc = scope_config(config, scope)
            out: dict[str, Any] = {"versions": {}}
            for key in ("processors", "version_aliases"):
                if key in sc:
                    out[key] = sc[key]
            for version, vc in sc["versions"].items():
                if "registries" in vc:
                    out["versions"][version] = entry(vc, f"{family}/{scope}/{version}")
                elif family == "huggingface":  # one entry per base framework (pytorch2.6.0)
                    out["versions"][version] = {
                        "frameworks": {
                            b: entry(bc, f"{family}/{scope}/{version}/{b}")
                            for b, bc in vc.items()
                            if b != "version_aliases"
                        },
                        "framework_aliases": vc.get("version_aliases", {}),
                    }
                # else: a version split by Python version (TensorFlow 1.13.1 py2/py3): left out
            images[f"{family}/{scope}"] = out
    data = {
        "source": "aws/sagemaker-python-sdk image_uri_config/*.json, as shipped in sagemaker-core "
        + importlib.metadata.version("sagemaker-core"),
        "generated": date.today().isoformat(),
        "partition": "aws (commercial regions only)",
        "registries": registries,
        "images": images,
    }
    OUT.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    print(f"wrote {OUT} ({len(images)} image families, {len(registries)} registry tables)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
