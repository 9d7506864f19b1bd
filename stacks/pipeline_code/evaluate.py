"""Evaluate step of the reference training pipeline (runs in the SageMaker XGBoost image).

Scores the test split with the trained model and writes evaluation.json, which the pipeline's quality
gate reads with JsonGet at ``metrics.accuracy.value``, and predictions.csv (``label``, ``probability``,
``prediction``), from which the pipeline's model quality check calculates the monitors' baseline.
Upload to s3://<artifact bucket>/pipelines/training/code/evaluate.py.
"""

import json
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


if __name__ == "__main__":
    main()
