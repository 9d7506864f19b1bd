"""Acknowledging cdk-nag findings: one resource, one rule (or finding), one real reason."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

from constructs_lib._core.validation import invalid

_MIN_REASON = 20


def acknowledge(construct: IConstruct, reason: str, *rule_ids: str) -> None:
    """Acknowledge ``rule_ids`` on ``construct`` only (and its children), for ``reason``.

    Finding-level ids (``AwsSolutions-IAM5[Resource::arn:...:*]``) acknowledge one exact wildcard.
    """
    if len(reason.strip()) < _MIN_REASON:
        raise invalid(
            construct, "acknowledge", "reason", reason, f"needs a real reason (at least {_MIN_REASON} characters)"
        )
    if not rule_ids:
        raise invalid(construct, "acknowledge", "rule_ids", rule_ids, "name at least one rule or finding")
    record_acknowledgments(construct, [(rule_id, reason) for rule_id in rule_ids])


def record_acknowledgments(construct: IConstruct, findings: Sequence[tuple[str, str]]) -> None:
    """Acknowledge each ``(rule or finding id, reason)`` of ``findings`` on ``construct``, in one call
    to aws-cdk-lib (which records them one by one, in this order)."""
    for _, reason in findings:
        if len(reason.strip()) < _MIN_REASON:
            raise invalid(
                construct, "acknowledge", "reason", reason, f"needs a real reason (at least {_MIN_REASON} characters)"
            )
    if findings:
        acknowledgments = [Acknowledgment(id=rule_id, reason=reason) for rule_id, reason in findings]
        Validations.of(construct).acknowledge(*acknowledgments)
