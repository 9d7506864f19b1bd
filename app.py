#!/usr/bin/env python3
"""The ML platform app: one Stage per environment, every stack under the compliance gate.

cdk synth                     # every environment, and the delivery pipeline (stacks/config/environments/)
cdk synth -c environments=dev # only dev (comma-separated names), no pipeline
cdk synth -c delivery=false   # every environment, no pipeline
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import aws_cdk as cdk

from constructs_lib import PRICE_SOURCES, add_compliance_checks, idle_cost_summary
from stacks.config import (
    DeliveryConfig,
    EnvironmentConfig,
    api_gateway_account_owners,
    check_account_sharing,
    default_delivery,
    default_environments,
    get_environment,
    registry_consumer_accounts,
)
from stacks.delivery_stack import DeliveryStack
from stacks.ml_platform_stage import UNKNOWN_SOURCE_VERSION, MlPlatformStage, connect_deployments


def build_app(
    app: cdk.App,
    names: list[str] | None = None,
    *,
    source_version: str = UNKNOWN_SOURCE_VERSION,
    environments: Mapping[str, EnvironmentConfig] | None = None,
    compliance: bool = True,
) -> dict[str, MlPlatformStage]:
    """Add the stages of ``names`` (default: every environment) to ``app``, compliance checked.
    ``source_version`` (the app's git commit) is recorded by the training pipelines' lineage.
    ``environments`` (default ``default_environments()``) and ``compliance=False`` (no cdk-nag packs)
    are for tests that synthesize variants of the configuration."""
    environments = dict(default_environments() if environments is None else environments)
    delivery = default_delivery()
    if compliance:
        add_compliance_checks(app)
    check_account_sharing(environments.values())  # over every environment, as they deploy
    # Decided over every environment, so a partial synth gives each the same role as a full one.
    api_owners = api_gateway_account_owners(environments.values())
    stages = {}
    for name in names or list(environments):
        config = get_environment(name, environments)
        stages[name] = MlPlatformStage(
            app,
            name,
            config=config,
            registry_shared_with_accounts=registry_consumer_accounts(config, environments, delivery),
            owns_api_gateway_account_settings=name in api_owners,
            source_version=source_version,
        )
    connect_deployments(stages)
    return stages


def cost_report(stages: dict[str, MlPlatformStage]) -> str:
    """Each environment's idle cost (always-on capacity priced from ``PRICE_TABLE``), and the prices' source."""
    parts = [idle_cost_summary(stage).format() for stage in stages.values()]
    return "\n".join([*parts, *(f"prices: {source}" for source in PRICE_SOURCES)])


def add_delivery(
    app: cdk.App, config: DeliveryConfig, *, source_version: str = UNKNOWN_SOURCE_VERSION
) -> DeliveryStack:
    """Add the delivery pipeline (tooling account) that deploys the configured environments in order."""
    return DeliveryStack(
        app, "Delivery", config=config, environments=default_environments(), source_version=source_version
    )


def source_version(app: cdk.App) -> str:
    """The version of this code: the ``source_version`` context value; else the commit CodeBuild
    checked out (``CODEBUILD_RESOLVED_SOURCE_VERSION``, the delivery pipeline); else ``git rev-parse
    HEAD`` with ``-dirty`` when the working tree has uncommitted changes; else ``unknown``."""
    given = app.node.try_get_context("source_version") or os.environ.get("CODEBUILD_RESOLVED_SOURCE_VERSION")
    if given:
        return str(given)
    here = Path(__file__).resolve().parent

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=here, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN_SOURCE_VERSION
    return f"{commit}-dirty" if dirty else commit or UNKNOWN_SOURCE_VERSION


def main() -> None:
    app = cdk.App()
    selected = app.node.try_get_context("environments")
    version = source_version(app)
    stages = build_app(app, [n.strip() for n in selected.split(",")] if selected else None, source_version=version)
    delivery = default_delivery()
    if delivery is not None and not selected and str(app.node.try_get_context("delivery")).lower() != "false":
        add_delivery(app, delivery, source_version=version)
    app.synth()
    print(cost_report(stages), file=sys.stderr)


if __name__ == "__main__":
    main()
