#!/usr/bin/env python3
"""The ML platform app: one Stage per environment, every stack under the compliance gate.

    cdk synth                     # every environment
    cdk synth -c environments=dev # only dev (comma-separated names)
"""

from __future__ import annotations

import aws_cdk as cdk

from constructs_lib import add_compliance_checks
from stacks.config import default_environments, get_environment
from stacks.ml_platform_stage import MlPlatformStage


def build_app(app: cdk.App, names: list[str] | None = None) -> dict[str, MlPlatformStage]:
    """Add the stages of ``names`` (default: every environment) to ``app``, compliance checked."""
    environments = default_environments()
    add_compliance_checks(app)
    return {
        name: MlPlatformStage(app, name, config=get_environment(name, environments))
        for name in (names or list(environments))
    }


def main() -> None:
    app = cdk.App()
    selected = app.node.try_get_context("environments")
    build_app(app, [n.strip() for n in selected.split(",")] if selected else None)
    app.synth()


if __name__ == "__main__":
    main()
