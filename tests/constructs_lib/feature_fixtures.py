"""Builders shared by the online-feature tests (feature groups, networks with endpoints)."""

from __future__ import annotations

import aws_cdk as cdk

from constructs_lib import FeatureDefinition, FeatureGroup, PrivateNetwork

FEATURES = [
    FeatureDefinition.string("customer_id"),
    FeatureDefinition.fractional("event_time"),
    FeatureDefinition.integral("orders_30d"),
]


def online_group(stack: cdk.Stack, construct_id: str = "Customers", name: str = "customers") -> FeatureGroup:
    """An online-only feature group of ``FEATURES`` keyed by ``customer_id``."""
    return FeatureGroup(
        stack,
        construct_id,
        feature_group_name=name,
        features=FEATURES,
        record_identifier="customer_id",
        event_time="event_time",
        offline_store=False,
    )


def network_with(stack: cdk.Stack, *endpoints: str) -> PrivateNetwork:
    """An isolated network with only the given interface endpoints (and the S3 gateway)."""
    return PrivateNetwork(
        stack, "Net", availability_zones=["eu-west-1a", "eu-west-1b"], interface_endpoints=list(endpoints)
    )
