"""The compliance gate: cdk-nag's AwsSolutions, HIPAA Security and NIST 800-53 rev5 packs."""

from __future__ import annotations

from aws_cdk import Validations
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks
from constructs import IConstruct

from constructs_lib._internal.nag import acknowledge

__all__ = ["add_compliance_checks", "acknowledge", "COMPLIANCE_PACKS"]

#: The packs every stack of the platform must pass, by the name they report under.
COMPLIANCE_PACKS = ("AwsSolutions", "HIPAA.Security", "NIST.800.53.R5")


def add_compliance_checks(scope: IConstruct, *, verbose: bool = False) -> None:
    """Run the three packs on every resource under ``scope`` (usually the ``App``) at synth.

    An unacknowledged finding makes ``app.synth()`` (and ``cdk synth``) fail, and CDK writes the
    findings to ``validation-report.json`` in the cloud assembly.
    """
    Validations.of(scope).add_plugins(
        AwsSolutionsChecks(scope, verbose=verbose),
        HIPAASecurityChecks(scope, verbose=verbose),
        NIST80053R5Checks(scope, verbose=verbose),
    )
