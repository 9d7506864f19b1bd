"""AWS services acting on the platform's behalf, always pinned to this account.

Every role an AWS service assumes and every resource-policy grant to a service principal (topic, key,
queue and bucket policies) goes through this module, so each carries ``aws:SourceAccount`` (and
``aws:SourceArn`` where the acting resource is known): the cross-service confused-deputy guard. A
bare ``iam.ServicePrincipal`` would let the service act for any account that names our resource.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast
from weakref import WeakKeyDictionary

import jsii
from aws_cdk import (
    CfnResource,
    CustomResourceProviderBase,
    IResolvable,
    IResolveContext,
    Token,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct, IConstruct, IValidation

from constructs_lib._core.roles import ManagedPolicyRole
from constructs_lib._core.stack_facts import StackFacts, stack_facts
from constructs_lib._core.validation import ConstructValidationError

#: The condition keys that pin a service principal to the acting account or resource.
SOURCE_KEYS: tuple[str, ...] = ("aws:SourceAccount", "aws:SourceArn")

#: The resources of this account that act when these services publish to the platform's topics
#: (``{partition}``, ``{region}``, ``{account}`` filled in): CloudWatch alarms, EventBridge rules and
#: AWS Budgets budgets, which send them as ``aws:SourceArn``.
PUBLISHER_SOURCE_ARNS: dict[str, str] = {
    "cloudwatch.amazonaws.com": "arn:{partition}:cloudwatch:{region}:{account}:alarm:*",
    "events.amazonaws.com": "arn:{partition}:events:{region}:{account}:rule/*",
    "budgets.amazonaws.com": "arn:{partition}:budgets::{account}:*",
}


#: IAM policy conditions: ``{operator: {condition key: value or values}}``.
Conditions = dict[str, dict[str, Any]]


def source_conditions(scope: IConstruct, source_arn: str | Sequence[str] | None = None) -> Conditions:
    """``aws:SourceAccount`` = the stack's account, and ``aws:SourceArn`` = ``source_arn`` when given
    (``ArnEquals`` for exact ARNs, ``ArnLike`` when one holds a wildcard)."""
    conditions: Conditions = {"StringEquals": {"aws:SourceAccount": stack_facts(scope).account}}
    if source_arn is not None:
        arns = [source_arn] if isinstance(source_arn, str) else list(source_arn)
        operator = "ArnLike" if any("*" in arn or "?" in arn for arn in arns) else "ArnEquals"
        conditions[operator] = {"aws:SourceArn": arns[0] if isinstance(source_arn, str) else arns}
    return conditions


def publisher_source_arn(scope: IConstruct, service: str) -> str | None:
    """The ARN pattern of this account's resources that publish as ``service`` (None if unknown)."""
    pattern = PUBLISHER_SOURCE_ARNS.get(service)
    if pattern is None:
        return None
    facts = stack_facts(scope)
    return pattern.format(partition=facts.partition, region=facts.region, account=facts.account)


def service_principal(
    scope: IConstruct, service: str, *, source_arn: str | Sequence[str] | None = None
) -> iam.ServicePrincipal:
    """``service`` (e.g. ``events.amazonaws.com``) acting for this account only (and for
    ``source_arn``, e.g. a rule or an alarm, when given). Use it as a role's ``assumed_by`` or in a
    resource policy's ``principals``: the conditions go into the statement.

    Without ``source_arn``, one principal per stack and service is built and shared (a principal is a
    value: nothing changes it once built), as each is a round trip to Node."""
    if source_arn is not None:
        return iam.ServicePrincipal(service, conditions=source_conditions(scope, source_arn))
    shared = _ACCOUNT_PRINCIPALS.setdefault(stack_facts(scope), {})
    principal = shared.get(service)
    if principal is None:
        principal = shared[service] = iam.ServicePrincipal(service, conditions=source_conditions(scope))
    return principal


#: The principals ``service_principal`` built without a source ARN, by stack and service.
_ACCOUNT_PRINCIPALS: WeakKeyDictionary[StackFacts, dict[str, iam.ServicePrincipal]] = WeakKeyDictionary()


def service_role(
    scope: Construct,
    construct_id: str,
    *,
    service: str,
    description: str,
    source_arn: str | Sequence[str] | None = None,
) -> ManagedPolicyRole:
    """A ``ManagedPolicyRole`` that only ``service`` may assume, for this account (and
    ``source_arn`` when given)."""
    return ManagedPolicyRole(
        scope,
        construct_id,
        assumed_by=service_principal(scope, service, source_arn=source_arn),
        description=description,
    )


def service_statement(
    scope: IConstruct,
    *,
    sid: str | None,
    service: str,
    actions: Sequence[str],
    resources: Sequence[str],
    source_arn: str | Sequence[str] | None = None,
    conditions: Conditions | None = None,
) -> iam.PolicyStatement:
    """A resource-policy statement letting ``service`` call ``actions`` for this account (and
    ``source_arn``), with any further ``conditions`` merged in."""
    statement = iam.PolicyStatement(
        sid=sid,
        principals=[
            cast(iam.IPrincipal, service_principal(scope, service, source_arn=source_arn))
        ],  # jsii: a ServicePrincipal is an IPrincipal
        actions=list(actions),
        resources=list(resources),
    )
    for operator, values in (conditions or {}).items():
        statement.add_condition(operator, values)
    return statement


@jsii.implements(IValidation)
class _PinProviderRoles:
    """Adds ``aws:SourceAccount`` to the trust policy of aws-cdk-lib's own custom-resource provider
    roles (``Custom::S3AutoDeleteObjects``, ``Custom::VpcRestrictDefaultSG``, ...), which aws-cdk-lib
    creates with a bare ``lambda.amazonaws.com`` principal and no way to pass conditions.

    A validation, not an aspect: an aspect is called back from Node once for every construct under
    ``scope`` (about 2,000 round trips for the platform app), a validation once, at synth, after
    every provider exists and before any template is written. The providers are found among the
    constructs under ``scope`` by their class, so only their roles cost further calls.
    """

    def __init__(self, scope: IConstruct) -> None:
        self._scope = scope

    def validate(self) -> list[str]:
        for construct in self._scope.node.find_all():
            if isinstance(construct, CustomResourceProviderBase) and not getattr(construct, _PINNED, False):
                _pin_provider_role(construct)
        return []


#: The attribute marking a provider whose role is pinned (scopes nest: a stage and one of its stacks).
_PINNED = "_constructs_lib_pinned_trust"


def _pin_provider_role(provider: CustomResourceProviderBase) -> None:
    role = provider.node.try_find_child("Role")
    if isinstance(role, CfnResource) and role.cfn_resource_type == "AWS::IAM::Role":
        role.add_property_override(
            "AssumeRolePolicyDocument.Statement.0.Condition",
            {"StringEquals": {"aws:SourceAccount": stack_facts(role).account}},
        )
    setattr(provider, _PINNED, True)


def pin_provider_roles(scope: IConstruct) -> None:
    """Pin the trust of aws-cdk-lib's custom-resource provider roles under ``scope`` (a stack, a
    stage or an app) to their stack's account, at synth (providers created later are pinned too)."""
    scope.node.add_validation(_PinProviderRoles(scope))


@jsii.implements(IResolvable)
class _PinnedDocument:
    def __init__(self, scope: IConstruct, document: object, source_arn: str | Sequence[str] | None) -> None:
        self._scope, self._document, self._source_arn = scope, document, source_arn

    @property
    def creation_stack(self) -> list[str]:
        return []

    def to_string(self) -> str:
        return Token.as_string(self)

    def resolve(self, context: IResolveContext) -> object:
        document: dict[str, Any] = context.resolve(self._document)
        pin: Conditions = context.resolve(source_conditions(self._scope, self._source_arn))
        statements: list[dict[str, Any]] = []
        for statement in document.get("Statement", []):
            principal = statement.get("Principal")
            conditions: Conditions = statement.get("Condition", {})
            if (
                not isinstance(principal, dict)
                or "Service" not in principal
                or any(key in values for values in conditions.values() for key in SOURCE_KEYS)
            ):
                statements.append(statement)
                continue
            principal = cast("dict[str, Any]", principal)
            others = {kind: value for kind, value in principal.items() if kind != "Service"}
            if others:  # a composite principal: the others keep the statement as it was
                statements.append({**statement, "Principal": others})
            pinned: dict[str, Any] = {
                **statement,
                "Principal": {"Service": principal["Service"]},
                "Condition": {operator: dict(values) for operator, values in conditions.items()},
            }
            for operator, values in pin.items():
                pinned["Condition"].setdefault(operator, {}).update(values)
            statements.append(pinned)
        return {**document, "Statement": statements}


def pin_role_trust(role: iam.IRole) -> None:
    """Pin the service principals of a role that an aws-cdk-lib L2 created itself (CDK Pipelines'
    self-mutation and asset roles, which it takes from no one) to this account."""
    cfn = role.node.default_child
    if not isinstance(cfn, iam.CfnRole):
        raise ConstructValidationError(
            f"pin_role_trust: role '{role.node.path}' is not a role created in this app (no AWS::IAM::Role to pin)"
        )
    cfn.assume_role_policy_document = _PinnedDocument(cfn, cfn.assume_role_policy_document, None)


def pin_bucket_policy(bucket: s3.IBucket, *, source_arn: str | Sequence[str] | None = None) -> None:
    """Pin the service-principal statements that an aws-cdk-lib L2 wrote itself into ``bucket``'s
    policy (``cloudtrail.Trail`` on its bucket, with no way to pass conditions) to this account and
    ``source_arn``. Statements already pinned are left as they are."""
    policy = bucket.policy
    if policy is None:
        return
    cfn = policy.node.default_child
    assert isinstance(cfn, s3.CfnBucketPolicy)
    cfn.policy_document = _PinnedDocument(cfn, cfn.policy_document, source_arn)
