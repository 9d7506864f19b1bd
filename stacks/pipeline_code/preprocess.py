"""Preprocess step of the reference training pipeline (runs in the SageMaker scikit-learn image).

Reads the CSV files under /opt/ml/processing/input/raw (label in the first column), shuffles them and
writes train (70 %), validation (15 %) and test (15 %) splits without header, as XGBoost expects, and
the train split's features without the label (``baseline``): the records the endpoint receives, which
the pipeline's data quality check takes as the monitors' baseline.
Uploaded by ``cdk deploy`` (``Code.from_asset`` in ``stacks/training_stack.py``).
"""

from pathlib import Path

import pandas as pd

ROOT = Path("/opt/ml/processing")


def main() -> None:
    frames = [pd.read_csv(path) for path in sorted((ROOT / "input" / "raw").glob("*.csv"))]
    data = pd.concat(frames).sample(frac=1.0, random_state=42)
    train_end, validation_end = int(0.70 * len(data)), int(0.85 * len(data))
    splits = {"train": data[:train_end], "validation": data[train_end:validation_end], "test": data[validation_end:]}
    for name, split in splits.items():
        out = ROOT / "output" / name
        out.mkdir(parents=True, exist_ok=True)
        split.to_csv(out / f"{name}.csv", header=False, index=False)
    baseline = ROOT / "output" / "baseline"
    baseline.mkdir(parents=True, exist_ok=True)
    splits["train"].iloc[:, 1:].to_csv(baseline / "baseline.csv", header=False, index=False)


if __name__ == "__main__":
    main()
