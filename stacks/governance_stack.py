"""Governance of an environment: audit trail, team access, labeling workforce, model card."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy, Stack
from constructs import Construct

from constructs_lib import (
    AccessLogBucket,
    AuditTrail,
    EncryptionKey,
    IntendedUses,
    LabelingWorkforce,
    ModelCard,
    ModelOverview,
    RiskRating,
    SecureBucket,
    TeamAccess,
)
from stacks.config import EnvironmentConfig


class GovernanceStack(Stack):
    """Who did what to which model and data. Stateful (audit logs, the workers' user pool): retained
    unless the environment opts in to destroy.

    * ``audit_trail``: CloudTrail over the account with data events of the data and artifact
      buckets and alarms on sensitive ML actions (None when the configuration turns it off);
    * ``reference_team``: the reference pipeline's team, with its own prefix of the data bucket;
    * ``labeling``: a Ground Truth private workteam (None unless configured, dev only by default);
    * ``reference_model_card``: a draft model card for the reference model's registry group.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        data_bucket: SecureBucket,
        artifact_bucket: SecureBucket,
        access_logs: AccessLogBucket,
        logs_key: EncryptionKey,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        gov = config.governance
        removal = RemovalPolicy.DESTROY if config.storage.destroy_on_delete else RemovalPolicy.RETAIN

        # One key per purpose. ``key`` (logical id GovernanceKey and alias kept: it encrypts the audit
        # log files and the model cards, whose key cannot change) serves the trail, its bucket and the
        # model cards: CloudTrail (AuditTrail adds its statements) and roles only. The audit log group
        # is on the environment's logs key; the alarm and labeling topics on ``alerts_key``.
        self.key = EncryptionKey(
            self,
            "GovernanceKey",
            description=f"{config.project} {config.name}: audit log files, model cards",
            alias=f"alias/{config.project}/{config.name}/governance",
            allow_cloudwatch_logs=False,
            service_principals=(),
            removal_policy=removal,
        )
        # The audit log group's events written before the logs key stay encrypted with this key.
        self.key.allow_cloudwatch_logs_to_decrypt()
        #: The audit alarm and labeling notification topics' key; their constructs add the publishers
        #: (this account's CloudWatch alarms, SageMaker Ground Truth).
        self.alerts_key = EncryptionKey(
            self,
            "AlertsKey",
            description=f"{config.project} {config.name}: audit alarm and labeling notification topics",
            alias=f"alias/{config.project}/{config.name}/governance/alerts",
            allow_cloudwatch_logs=False,
            service_principals=(),
            removal_policy=removal,
        )
        self.audit_trail: AuditTrail | None = None
        if gov.audit_trail_enabled:
            self.audit_trail = AuditTrail(
                self,
                "AuditTrail",
                data_buckets=[data_bucket, artifact_bucket],
                encryption_key=self.key,
                log_key=logs_key,
                alert_key=self.alerts_key,
                server_access_logs_bucket=access_logs,
                log_retention_days=config.log_retention_days,
                metric_namespace=f"{config.project}/{config.name}/audit",
                removal_policy=removal,
            )

        self.reference_team = TeamAccess(
            self,
            "ReferenceTeam",
            team_name=gov.reference_team_name,
            bucket=data_bucket,
            user_profile_names=gov.reference_team_user_profiles,
        )

        self.labeling: LabelingWorkforce | None = None
        if gov.labeling_workforce_enabled:
            self.labeling = LabelingWorkforce(
                self,
                "Labeling",
                workteam_name=f"{config.project}-{config.name}-labelers",
                cognito_domain_prefix=gov.labeling_domain_prefix,
                encryption_key=self.alerts_key,
                removal_policy=removal,
            )

        self.reference_model_card: ModelCard | None = None
        if gov.reference_model_card_enabled:
            group = gov.reference_model_package_group_name
            self.reference_model_card = ModelCard(
                self,
                "ReferenceModelCard",
                model_card_name=f"{config.project}-{config.name}-{group}-card",
                model_package_group=group,
                model_overview=ModelOverview(
                    model_description=f"Reference model of the {config.project} platform, registered in the "
                    f"model package group {group}.",
                    model_owner=gov.reference_team_name,
                    problem_type="Binary classification",
                ),
                intended_uses=IntendedUses(
                    risk_rating=RiskRating.UNKNOWN,
                    purpose_of_model="Reference model that exercises the platform's pipelines end to end.",
                    intended_uses="Platform testing; not for business decisions until the card is approved.",
                ),
                encryption_key=self.key,
                removal_policy=removal,
            )
