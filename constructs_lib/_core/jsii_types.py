"""Views of aws-cdk-lib classes as the interfaces they implement, for the type checker.

aws-cdk-lib's generated Python classes sometimes name a method's parameters differently from the
interface they implement (``iam.Role.grant_assume_role(identity)`` against
``iam.IRole.grant_assume_role(grantee)``, the same in ``kms.Key``, ``sns.Topic``, event targets and
alarm actions), so a strict type checker refuses a ``Role`` where an ``IRole`` is expected, although
jsii and CloudFormation accept it. Each function here is that one cast, named, instead of a cast or
an ignore at every call site. They return their argument unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

# Only the type checker reads these modules here (the casts name their types as strings): importing
# them at run time made every user of one view pay for all six, ``aws_lambda`` alone ~0.15 s.
if TYPE_CHECKING:
    from aws_cdk import aws_cloudwatch as cloudwatch
    from aws_cdk import aws_events as events
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_sns as sns

T = TypeVar("T")


def as_role(role: object) -> iam.IRole:
    return cast("iam.IRole", role)


def as_key(key: object) -> kms.IKey:
    return cast("kms.IKey", key)


def as_principal(principal: object) -> iam.IPrincipal:
    return cast("iam.IPrincipal", principal)


def as_principals(principals: object) -> list[iam.IPrincipal]:
    return cast("list[iam.IPrincipal]", principals)


def as_topic(topic: object) -> sns.ITopic:
    return cast("sns.ITopic", topic)


def as_function(function: object) -> lambda_.IFunction:
    return cast("lambda_.IFunction", function)


def as_rule_target(target: object) -> events.IRuleTarget:
    return cast("events.IRuleTarget", target)


def as_alarm_action(action: object) -> cloudwatch.IAlarmAction:
    return cast("cloudwatch.IAlarmAction", action)


def as_interface(interface: type[T], value: object) -> T:
    """Any other such view: ``as_interface(sns.ITopicSubscription, subscription)``."""
    return cast(T, value)
