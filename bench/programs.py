"""The programs the benchmark times, each run as its own Python process (``python -m bench.programs X``).

Every program synthesizes with the same settings: aws-cdk-lib's built-in CloudFormation validation
off (as in the tests), analytics off, output to a temporary directory.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _app(outdir: str):
    import aws_cdk as cdk

    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    return cdk.App(context=context, outdir=outdir, builtin_cloud_formation_validation=False, analytics_reporting=False)


def floor(outdir: str) -> None:
    """An empty app with one empty stack: what aws-cdk-lib itself costs."""
    import aws_cdk as cdk

    app = _app(outdir)
    cdk.Stack(app, "Empty")
    app.synth()


def whole_app(outdir: str) -> None:
    """Every environment and stack of app.py, with the cdk-nag packs."""
    sys.path.insert(0, str(ROOT))
    from app import build_app

    app = _app(outdir)
    build_app(app)
    app.synth()


def scaling(outdir: str, models: int) -> None:
    """``models`` real-time endpoints, each with autoscaling, a monitor and alarms (bench.scaling_stack)."""
    sys.path.insert(0, str(ROOT))
    from bench.scaling_stack import build_scaling_stack

    app = _app(outdir)
    build_scaling_stack(app, models)
    app.synth()


if __name__ == "__main__":
    name, *args = sys.argv[1:]
    with tempfile.TemporaryDirectory() as out:
        {"floor": floor, "whole_app": whole_app, "scaling": scaling}[name](out, *map(int, args))
