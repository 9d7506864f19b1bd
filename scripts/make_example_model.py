"""Write ``stacks/example_model/model.tar.gz``: the small, real example model the app's serving stack
serves by default (``ServingConfig.model_data_path``), so a first ``cdk deploy`` needs no upload.

It is an XGBoost booster (``binary:logistic``) trained on synthetic churn data with the reference
workload's input, ``stacks/config/reference_workload.py`` ``FEATURES``: one headerless CSV row of
those features in that order, the rows the training pipeline's model takes (its training CSV minus the
label in the first column). The predictions mean nothing: it is a demo, replaced by the registry's
package once the training pipeline has one approved.

What the SageMaker XGBoost 1.7-1 container loads (aws/sagemaker-xgboost-container, branch 1.7-1,
``serve_utils.get_loaded_booster``): the first file of ``/opt/ml/model`` (the archive's root), tried as
a pickle and then with ``xgboost.Booster.load_model``, which reads a file that starts with ``{`` as a
JSON model whatever its name. So the archive holds one file, ``xgboost-model``, the booster in XGBoost's
JSON format (``learner.learner_model_param.num_feature`` is the feature count). The container
installs XGBoost 1.7.4 (its ``docker/1.7-1/base/Dockerfile.cpu``); train with that version:

    python3 -m venv /tmp/xgbenv
    /tmp/xgbenv/bin/pip install xgboost==1.7.4 "numpy<2" scipy
    /tmp/xgbenv/bin/python scripts/make_example_model.py           # writes the archive, then checks it
    /tmp/xgbenv/bin/python scripts/make_example_model.py --check   # the committed archive is what this makes

Deterministic: data from ``numpy.random.default_rng(SEED)``, one thread, ``hist`` trees; the archive is
packaged like ``constructs_lib``'s folder archives (one entry, owner ``0:0`` without names, mtime
1980-01-01, mode ``0644``, no gzip name or time), so the same versions give the same bytes (another
zlib may compress differently: the model inside stays the same). Not a dependency of the library or
its tests: they read the archive as data.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import io
import json
import pickle
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import xgboost
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "stacks" / "example_model" / "model.tar.gz"
#: The file the container loads, at the archive's root.
MODEL_FILE = "xgboost-model"
SEED = 20261201
ROWS = 2000
ROUNDS = 20
#: 1980-01-01T00:00:00Z, as constructs_lib/_core/packaging.py.
FIXED_MTIME = 315532800
PARAMS: dict[str, Any] = {
    "objective": "binary:logistic",
    "eval_metric": "auc",
    "max_depth": 3,
    "eta": 0.3,
    "tree_method": "hist",
    "nthread": 1,
    "seed": SEED,
}


def features() -> tuple[str, ...]:
    """``FEATURES`` of the reference workload, read from its file (``stacks.config`` needs aws-cdk-lib)."""
    spec = importlib.util.spec_from_file_location("reference_workload", ROOT / "stacks/config/reference_workload.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.FEATURES)


def synthetic_churn(names: tuple[str, ...]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Rows of ``names`` (in that order) and churn labels drawn from a logistic model of them."""
    rng = np.random.default_rng(SEED)
    columns = {
        "tenure_months": rng.integers(0, 73, ROWS).astype(float),
        "monthly_charges_usd": np.round(rng.uniform(20.0, 120.0, ROWS), 2),
        "support_calls_90d": rng.poisson(1.5, ROWS).astype(float),
        "orders_30d": rng.poisson(3.0, ROWS).astype(float),
        "month_to_month_contract": rng.integers(0, 2, ROWS).astype(float),
    }
    if sorted(names) != sorted(columns):
        sys.exit(f"reference_workload.FEATURES is {names}; this script draws {tuple(columns)}: update both")
    logit = (
        -0.5
        - 0.06 * columns["tenure_months"]
        + 0.02 * (columns["monthly_charges_usd"] - 70.0)
        + 0.6 * columns["support_calls_90d"]
        - 0.25 * columns["orders_30d"]
        + 1.5 * columns["month_to_month_contract"]
    )
    labels = (rng.uniform(size=ROWS) < 1.0 / (1.0 + np.exp(-logit))).astype(float)
    return np.column_stack([columns[name] for name in names]), labels


def train(names: tuple[str, ...]) -> xgboost.Booster:
    rows, labels = synthetic_churn(names)
    data = xgboost.DMatrix(rows, label=labels)
    return xgboost.train(PARAMS, data, num_boost_round=ROUNDS)


def model_json(booster: xgboost.Booster) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.json"  # the extension selects XGBoost's JSON format
        booster.save_model(str(path))
        return path.read_bytes()


def archive(model: bytes) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo(MODEL_FILE)
        info.size, info.mtime, info.mode = len(model), FIXED_MTIME, 0o644
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        tar.addfile(info, io.BytesIO(model))
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, compresslevel=9, mtime=0) as stream:
        stream.write(raw.getvalue())
    return compressed.getvalue()


def check(path: Path, names: tuple[str, ...]) -> None:
    """Load the archive as the container does and score one CSV row as it parses one."""
    with tempfile.TemporaryDirectory() as folder, tarfile.open(path, "r:gz") as tar:
        members = tar.getnames()
        if members != [MODEL_FILE]:
            sys.exit(f"{path}: holds {members}, expected only {MODEL_FILE}")
        tar.extractall(folder, filter="data")
        model_path = Path(folder) / MODEL_FILE
        try:  # the container tries pickle first: a JSON model must not load as one
            pickle.loads(model_path.read_bytes())
            sys.exit(f"{path}: {MODEL_FILE} loads as a pickle")
        except pickle.UnpicklingError:
            pass
        booster = xgboost.Booster()
        booster.load_model(str(model_path))  # no extension: JSON detected by its leading '{'
        num_feature = int(json.loads(model_path.read_text())["learner"]["learner_model_param"]["num_feature"])
    if booster.num_features() != len(names) or num_feature != len(names):
        sys.exit(f"{path}: {booster.num_features()} features, expected {len(names)} ({', '.join(names)})")
    row = "12,89.5,4,1,1"  # a short-tenure, month-to-month customer who calls support often
    score = booster.predict(xgboost.DMatrix(np.array([[float(v) for v in row.split(",")]])), validate_features=False)
    loyal = booster.predict(xgboost.DMatrix(np.array([[60.0, 40.0, 0.0, 6.0, 0.0]])), validate_features=False)
    if not 0.0 <= float(loyal[0]) < float(score[0]) <= 1.0:
        sys.exit(f"{path}: scores {score[0]} (likely churner) and {loyal[0]} (loyal customer) make no sense")
    print(f"{path}: {MODEL_FILE} loads with XGBoost {xgboost.__version__}; {row!r} -> {float(score[0]):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed archive, write nothing")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if not xgboost.__version__.startswith("1.7."):
        sys.exit(f"XGBoost {xgboost.__version__}: use 1.7.4, the version of the SageMaker XGBoost 1.7-1 image")
    names = features()
    data = archive(model_json(train(names)))
    if args.check:
        if args.out.read_bytes() != data:
            sys.exit(f"{args.out} differs from what this script makes: regenerate it")
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(data)
    check(args.out, names)


if __name__ == "__main__":
    main()
