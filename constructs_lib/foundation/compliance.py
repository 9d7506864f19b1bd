"""The compliance gate: cdk-nag's AwsSolutions, HIPAA Security and NIST 800-53 rev5 packs, and the
run-time permission contracts (every SageMaker resource's role can make the calls AWS makes with it).

Acknowledgments are one family, each ``acknowledge*(construct, reason, *what)``: one construct (and
its children), one real reason, the exact findings it covers, nothing broader:

* ``acknowledge(construct, reason, *findings)``: cdk-nag rule ids or finding ids;
* ``acknowledge_runtime_contract(construct, reason, *rules)``: run-time contract findings;
* ``acknowledge_statement_wildcards(policy, reason, *sids)``: the wildcard resources of the named
  statements of a managed policy, computed once references are final;
* ``acknowledge_wildcard_resources(construct, reason, *resources)``: the IAM5 findings of exactly
  these wildcard resources (ARNs, tokens allowed) in the policies of ``construct``.
"""

from __future__ import annotations

from aws_cdk import Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from constructs_lib._core.nag import acknowledge
from constructs_lib._core.validation import ConstructValidationError
from constructs_lib._core.wildcards import acknowledge_exact_wildcard
from constructs_lib._core.wildcards import acknowledge_statement_wildcards as _acknowledge_statement
from constructs_lib.foundation._runtime_contracts import PLUGIN_NAME, acknowledgment_id, runtime_contracts_plugin

__all__ = [
    "add_compliance_checks",
    "acknowledge",
    "acknowledge_runtime_contract",
    "acknowledge_statement_wildcards",
    "acknowledge_wildcard_resources",
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
    # Imported here: loading cdk-nag's jsii assembly costs about 0.35 s, which an app that never adds
    # the packs (a unit test, an app with compliance off) should not pay.
    from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks

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


def acknowledge_statement_wildcards(policy: iam.ManagedPolicy, reason: str, *sids: str) -> None:
    """Acknowledge the wildcard resources of the statements ``sids`` (their ``Sid``) of ``policy``, for
    ``reason``: exactly the IAM5 findings of those resources, computed at validation time, when
    cross-stack references are final. A ``ManagedPolicyRole``'s policy is ``role.managed_policy``."""
    if not sids:
        raise ConstructValidationError(f"acknowledgment on {policy.node.path} names no statement")
    for sid in sids:
        _acknowledge_statement(policy, reason, sid)


def acknowledge_wildcard_resources(construct: IConstruct, reason: str, *resources: str) -> None:
    """Acknowledge, on ``construct`` only (a role, a policy), the IAM5 finding of each wildcard resource
    of ``resources`` (ARNs such as ``bucket.arn_for_objects("*")``; tokens are resolved at validation
    time, when cross-stack references are final), for ``reason``."""
    if not resources:
        raise ConstructValidationError(f"acknowledgment on {construct.node.path} names no resource")
    for resource in resources:
        acknowledge_exact_wildcard(construct, reason, resource)
