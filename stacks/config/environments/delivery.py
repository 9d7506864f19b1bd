"""How this repository delivers staging and prod: the delivery pipeline's values.

The ids below are PLACEHOLDERS so that ``cdk synth`` shows the pipeline: replace the tooling account
(111111111111), the staging (222222222222) and prod (333333333333) accounts, the repository and the
connection ARN before ``cdk deploy ml-platform-delivery`` (README). Set ``DELIVERY = None`` for no
pipeline.
"""

from __future__ import annotations

from stacks.config.delivery import DeliveryConfig

DELIVERY: DeliveryConfig | None = DeliveryConfig(
    account="111111111111",
    region="eu-west-1",
    source="codestar",
    repository="my-org/ml-platform",
    branch="main",
    connection_arn="arn:aws:codeconnections:eu-west-1:111111111111:connection/00000000-0000-0000-0000-000000000000",
    accounts={"staging": "222222222222", "prod": "333333333333"},
)
