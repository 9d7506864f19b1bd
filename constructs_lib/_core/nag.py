"""Acknowledging cdk-nag findings: one resource, one rule (or finding), one real reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

from constructs_lib._core.validation import ConstructValidationError

_MIN_REASON = 20


def acknowledge(construct: IConstruct, reason: str, *rule_ids: str) -> None:
    """Acknowledge ``rule_ids`` on ``construct`` only (and its children), for ``reason``.

    Finding-level ids (``AwsSolutions-IAM5[Resource::arn:...:*]``) acknowledge one exact wildcard.
    """
    if len(reason.strip()) < _MIN_REASON:
        raise ConstructValidationError(f"acknowledgment of {rule_ids} on {construct.node.path} needs a real reason")
    if not rule_ids:
        raise ConstructValidationError(f"acknowledgment on {construct.node.path} names no rule")
    validations = Validations.of(construct)
    for rule_id in rule_ids:
        validations.acknowledge(Acknowledgment(id=rule_id, reason=reason))
