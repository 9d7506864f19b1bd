"""The compliance gate: cdk-nag's AwsSolutions, HIPAA Security and NIST 800-53 rev5 packs, and the
run-time permission contracts (every SageMaker resource's role can make the calls AWS makes with it)."""

from __future__ import annotations

from aws_cdk import Validations
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks
from constructs import IConstruct

from constructs_lib._core.nag import acknowledge
from constructs_lib._core.runtime_contracts import PLUGIN_NAME, acknowledgment_id, runtime_contracts_plugin

__all__ = [
    "add_compliance_checks",
    "acknowledge",
    "acknowledge_runtime_contract",
    "COMPLIANCE_PACKS",
    "RUNTIME_CONTRACTS",
]

#: The packs every stack of the platform must pass, by the name they report under.
COMPLIANCE_PACKS = ("AwsSolutions", "HIPAA.Security", "NIST.800.53.R5")
#: The name the run-time contract check reports under.
RUNTIME_CONTRACTS = PLUGIN_NAME


def add_compliance_checks(scope: IConstruct, *, verbose: bool = False, runtime_contracts: bool = True) -> None:
    """Run the three packs on every resource under ``scope`` (usually the ``App``) at synth, and the
    run-time permission contracts over every template (``runtime_contracts``, default on).

    An unacknowledged finding makes ``app.synth()`` (and ``cdk synth``) fail, and CDK writes the
    findings to ``validation-report.json`` in the cloud assembly.
    """
    plugins = [
        AwsSolutionsChecks(scope, verbose=verbose),
        HIPAASecurityChecks(scope, verbose=verbose),
        NIST80053R5Checks(scope, verbose=verbose),
    ]
    if runtime_contracts:
        plugins.append(runtime_contracts_plugin())
    Validations.of(scope).add_plugins(*plugins)


def acknowledge_runtime_contract(construct: IConstruct, reason: str, *rules: str) -> None:
    """Acknowledge run-time contract findings on ``construct`` (the resource, or a scope above it):
    ``rules`` as reported, e.g. ``"MissingGrant[s3:GetObject]"``, ``"ModelPackageSources"``,
    ``"CrossAccountImage[123456789012]"``; with a real reason (who grants it instead)."""
    acknowledge(construct, reason, *(acknowledgment_id(rule) for rule in rules))
