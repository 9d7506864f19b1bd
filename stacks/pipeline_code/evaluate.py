"""Evaluate step of the reference training pipeline (runs in the SageMaker XGBoost image).

Scores the test split with the trained model and writes evaluation.json, which the pipeline's quality
gate reads with JsonGet at ``metrics.accuracy.value``, and predictions.csv (``label``, ``probability``,
``prediction``), from which the pipeline's model quality check calculates the monitors' baseline.
When the job is given a tracking server (``MLFLOW_TRACKING_URI``, set by the pipeline for a JobRole
with ``tracking_server``) and the image has the ``mlflow`` and ``sagemaker-mlflow`` packages, the
accuracy is also logged as an MLflow run: the MLflow client reads the variable itself, so no tracking
configuration is written here.
Uploaded by ``cdk deploy`` (``Code.from_asset`` in ``stacks/training_stack.py``).
"""

import json
import logging
import os
import tarfile
from pathlib import Path

import pandas as pd
import xgboost

ROOT = Path("/opt/ml/processing")


def main() -> None:
    with tarfile.open(ROOT / "input" / "model" / "model.tar.gz") as archive:
        archive.extractall(ROOT / "model", filter="data")
    booster = xgboost.Booster()
    booster.load_model(str(ROOT / "model" / "xgboost-model"))
    test = pd.read_csv(next((ROOT / "input" / "test").glob("*.csv")), header=None)
    labels, features = test.iloc[:, 0], test.iloc[:, 1:]
    probabilities = booster.predict(xgboost.DMatrix(features.values))
    predictions = probabilities >= 0.5
    accuracy = float((predictions == labels.values).mean())
    scored = ROOT / "output" / "predictions"
    scored.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {"label": labels.astype(int).values, "probability": probabilities, "prediction": predictions.astype(int)}
    ).to_csv(scored / "predictions.csv", index=False)
    out = ROOT / "output" / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    report = {"metrics": {"accuracy": {"value": accuracy}}, "samples": int(len(test))}
    (out / "evaluation.json").write_text(json.dumps(report))
    log_to_mlflow(accuracy, samples=int(len(test)))


def log_to_mlflow(accuracy: float, *, samples: int) -> None:
    """One MLflow run with the test accuracy, when a tracking server is configured and reachable."""
    if not os.environ.get("MLFLOW_TRACKING_URI"):
        return
    try:
        import mlflow
    except ImportError:
        logging.warning("MLFLOW_TRACKING_URI is set but the image has no mlflow/sagemaker-mlflow packages: not logged")
        return
    with mlflow.start_run(run_name="evaluate"):
        mlflow.log_metric("test_accuracy", accuracy)
        mlflow.log_param("test_samples", samples)


if __name__ == "__main__":
    main()
