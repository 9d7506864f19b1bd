"""Telling Node objects apart from Python without a round trip.

jsii hands out a new Python proxy each time it returns an object that Node created (a resource an
L2 made, a construct found with ``node.find_all()``), so neither ``is`` nor ``id()`` tells that two
proxies stand for one construct; asking Node (``node.path``) costs a round trip each. Every proxy
carries jsii's reference to its object, which is stable and unique.
"""

from __future__ import annotations


def object_ref(obj: object) -> str:
    """The id of ``obj``'s object in Node (e.g. ``aws-cdk-lib.CfnResource@10042``)."""
    return obj.__jsii_ref__.ref  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType] - jsii's reference, set on every proxy
