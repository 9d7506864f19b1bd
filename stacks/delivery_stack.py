"""Multi-account delivery: a self-mutating CDK pipeline that tests, then deploys staging and prod.

    source (CodeStar connection or CodeCommit)
      -> Build: make test, make synth            (a failing test stops everything)
      -> UpdatePipeline: the pipeline updates itself from the new cloud assembly
      -> Assets: file assets published to each target account's bootstrap bucket
      -> staging (its own account and region)
      -> manual approval
      -> prod (its own account and region)

The pipeline runs in a tooling account. Target accounts are bootstrapped once with
``cdk bootstrap --trust <tooling account> --cloudformation-execution-policies <policy ARN>``; the
pipeline assumes their CDK roles and reads its artifacts with the artifact key, whose policy the
pipeline extends to those accounts ("cross-account keys").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import ArnFormat, Duration, Environment, RemovalPolicy, Stack, Stage, Tags, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_codepipeline_actions as codepipeline_actions
from aws_cdk import aws_events_targets as event_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_lib import (
    EncryptionKey,
    ManagedPolicyRole,
    SecureBucket,
    acknowledge,
    acknowledge_wildcard_resources,
    dead_letter_queue,
    pin_role_trust,
    service_principal,
)
from stacks.config import DeliveryConfig, EnvironmentConfig, api_gateway_account_owners, registry_consumer_accounts
from stacks.ml_platform_stage import UNKNOWN_SOURCE_VERSION, MlPlatformStage, connect_deployments

ROOT = Path(__file__).resolve().parents[1]
#: The CodeBuild image of every step: Ubuntu 22.04 with Python 3.11, what ``make`` needs.
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0
SYNTH_COMMANDS = ("make synth",)


def pinned_cli_version() -> str:
    """The CDK CLI version package.json pins (make synth and make deploy use the same)."""
    package = json.loads((ROOT / "package.json").read_text())
    return package["devDependencies"]["aws-cdk"]


class DeliveryStack(Stack):
    """The delivery pipeline of the app, in the tooling account of ``config``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeliveryConfig,
        environments: dict[str, EnvironmentConfig],
        source_version: str = UNKNOWN_SOURCE_VERSION,
        **kwargs: Any,
    ) -> None:
        """
        :param config: the source, tooling account and region, order and approvals.
        :param environments: every environment's configuration; ``config.environments`` picks the
            delivered ones (each needs a concrete account, see ``DeliveryConfig.targets``).
        :param source_version: default ``unknown``; the app's git commit, recorded by the stages'
            pipelines (``MlPlatformStage``).
        """
        targets = config.targets(environments)  # fails before any construct on a missing or conflicting account
        project = targets[0].project
        kwargs.setdefault("stack_name", f"{project}-delivery")
        kwargs.setdefault("description", f"{project}: delivery pipeline ({' -> '.join(config.environments)})")
        super().__init__(scope, construct_id, env=Environment(account=config.account, region=config.region), **kwargs)
        self.config = config

        self.artifact_key = EncryptionKey(
            self,
            "ArtifactKey",
            description=f"{project} delivery pipeline artifacts (shared with target accounts)",
            alias=f"alias/{project}/delivery",
            service_principals=(),
        )
        self.artifact_bucket = SecureBucket(
            self, "Artifacts", encryption_key=self.artifact_key, noncurrent_version_expiration=Duration.days(30)
        )
        self.build_logs = logs.LogGroup(
            self,
            "BuildLogs",
            encryption_key=self.artifact_key,
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=RemovalPolicy.RETAIN,
        )

        # Roles we can give keep their permissions in customer-managed policies (HIPAA, NIST).
        pipeline_role = ManagedPolicyRole(
            self,
            "PipelineRole",
            assumed_by=service_principal(self, "codepipeline.amazonaws.com"),
            description=f"{project} delivery pipeline (and its actions)",
        )
        synth_role = ManagedPolicyRole(
            self,
            "SynthRole",
            assumed_by=service_principal(self, "codebuild.amazonaws.com"),
            description=f"{project} delivery: tests and cdk synth",
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=f"{project}-delivery",
            role=pipeline_role,
            use_pipeline_role_for_actions=True,
            synth=pipelines.CodeBuildStep(
                "Synth",
                input=self._source(config),
                role=synth_role,
                partial_build_spec=codebuild.BuildSpec.from_object(
                    {"phases": {"install": {"runtime-versions": {"python": "3.11"}}}}
                ),
                commands=[*config.test_commands, *SYNTH_COMMANDS],
                primary_output_directory="cdk.out",
            ),
            artifact_bucket=self.artifact_bucket,
            cross_account_keys=True,  # cross-region support buckets (if any) get KMS keys too
            enable_key_rotation=True,
            self_mutation=True,
            cli_version=config.cli_version or pinned_cli_version(),
            publish_assets_in_parallel=False,
            docker_enabled_for_synth=False,
            docker_enabled_for_self_mutation=False,
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(
                    build_image=BUILD_IMAGE, compute_type=codebuild.ComputeType.SMALL, privileged=False
                ),
                logging=codebuild.LoggingOptions(
                    cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.build_logs)
                ),
                timeout=Duration.minutes(60),
            ),
        )

        #: The stages the pipeline deploys, in order: one ``MlPlatformStage`` per target environment.
        api_owners = api_gateway_account_owners(targets)
        self.stages: dict[str, MlPlatformStage] = {
            env.name: MlPlatformStage(
                self,
                env.name,
                config=env,
                registry_shared_with_accounts=registry_consumer_accounts(environments[env.name], environments, config),
                owns_api_gateway_account_settings=env.name in api_owners,
                source_version=source_version,
            )
            for env in targets
        }
        connect_deployments(self.stages)  # before add_stage, which synthesizes the stage
        for env in targets:
            stage = self.stages[env.name]
            approval = (
                [
                    pipelines.ManualApprovalStep(
                        f"Approve-{env.name}", comment=f"Promote to {env.name} ({env.account}, {env.region})?"
                    )
                ]
                if env.name in config.approval_before
                else []
            )
            self.pipeline.add_stage(stage, pre=approval)
        self.pipeline.build_pipeline()
        if config.source == "codecommit":
            self._start_on_commits(config, project)
        self._harden()
        self._acknowledge_generated_permissions(pipeline_role, synth_role)
        # The pipeline's own resources; the stages keep their environment's tags.
        for child in self.node.children:
            if not isinstance(child, Stage):
                for key, value in {"environment": "delivery", "project": project, "owner": targets[0].owner}.items():
                    Tags.of(child).add(key, value)

    def _source(self, config: DeliveryConfig) -> pipelines.CodePipelineSource:
        if config.source == "codecommit":
            # The commit rule is ours (``_start_on_commits``): CDK's has no dead-letter queue or retry policy.
            self._repository = codecommit.Repository.from_repository_name(self, "Repository", config.repository)
            return pipelines.CodePipelineSource.code_commit(
                self._repository, config.branch, trigger=codepipeline_actions.CodeCommitTrigger.NONE
            )
        assert config.connection_arn is not None  # DeliveryConfig checked it
        return pipelines.CodePipelineSource.connection(
            config.repository, config.branch, connection_arn=config.connection_arn, trigger_on_push=True
        )

    def _start_on_commits(self, config: DeliveryConfig, project: str) -> None:
        """A commit to the branch starts the pipeline; events EventBridge cannot deliver (after 24 hours
        of retries) land in an encrypted dead-letter queue instead of being lost."""
        key = EncryptionKey(self, "SourceEventsKey", description=f"{project} delivery: undelivered commit events")
        self.source_dead_letter_queue = dead_letter_queue(
            self,
            "SourceEventsDeadLetterQueue",
            encryption_key=key,
            used_by=f"the {project} delivery pipeline's commit rule",
        )
        rule_role = ManagedPolicyRole(
            self,
            "SourceEventsRole",
            description=f"{project} delivery: starts the pipeline on commits",
            assumed_by=iam.ServicePrincipal(
                "events.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": self.account}}
            ),
        )
        self.source_rule = self._repository.on_commit(
            "OnCommit",
            branches=[config.branch],
            description=f"A commit to {config.branch} starts the {project} delivery pipeline",
            target=event_targets.CodePipeline(
                self.pipeline.pipeline,
                event_role=rule_role,
                dead_letter_queue=self.source_dead_letter_queue,
                retry_attempts=185,
                max_event_age=Duration.hours(24),
            ),
        )

    def _harden(self) -> None:
        """What CDK Pipelines does not expose: CodeBuild artifacts encrypted with the artifact key."""
        for project in self._projects():
            project.encryption_key = self.artifact_key.key_arn
            acknowledge(
                project,
                "Source type CODEPIPELINE: the project reads its input from the pipeline's encrypted artifact "
                "store; it has no repository URL or credentials (the connection fetches the source).",
                "HIPAA.Security-CodeBuildProjectSourceRepoUrl",
            )

        # CloudFormation deploy actions name the target account's CDK roles with Fn::Join, which
        # cfn-lint's role-ARN format check (E3703) rejects; Fn::Sub is the same ARN.
        cfn_pipeline = self.pipeline.pipeline.node.default_child
        for i, stage in enumerate(self.resolve(cfn_pipeline.stages)):
            for j, action in enumerate(stage["actions"]):  # resolved L1 properties: camelCase keys
                sub = _join_as_sub((action.get("configuration") or {}).get("RoleArn"))
                if sub is not None:
                    cfn_pipeline.add_property_override(f"Stages.{i}.Actions.{j}.Configuration.RoleArn", sub)

    def _projects(self) -> list[codebuild.CfnProject]:
        return [c for c in self.node.find_all() if isinstance(c, codebuild.CfnProject)]

    def _acknowledge_generated_permissions(self, pipeline_role: iam.IRole, synth_role: iam.IRole) -> None:
        """The findings of the permissions CodePipeline and CDK Pipelines generate, one by one.

        They come from CDK's grants on this pipeline's own artifact bucket and key, CodeBuild's
        default log and report-group permissions, and the CDK bootstrap roles the pipeline assumes.
        """
        stack = Stack.of(self)
        read = [f"AwsSolutions-IAM5[Action::{a}]" for a in ("s3:GetBucket*", "s3:GetObject*", "s3:List*")]
        write = [*read, "AwsSolutions-IAM5[Action::s3:Abort*]", "AwsSolutions-IAM5[Action::s3:DeleteObject*]"]
        key = ["AwsSolutions-IAM5[Action::kms:GenerateDataKey*]", "AwsSolutions-IAM5[Action::kms:ReEncrypt*]"]
        artifacts = (
            "CodePipeline's grant on this pipeline's own artifact bucket and key (CDK's read/write action "
            "groups); artifacts are objects with execution-specific keys."
        )
        self_mutation = self.pipeline.node.find_child("UpdatePipeline").node.find_child("SelfMutation")
        assets_role = self.pipeline.node.find_child("Assets").node.find_child("FileRole")
        for role, findings in (
            (pipeline_role, write + key),
            (synth_role, write + key),
            (self_mutation.role, read + key),
            (assets_role, read),
        ):
            acknowledge(role, artifacts, *findings)
            acknowledge_wildcard_resources(role, artifacts, self.artifact_bucket.arn_for_objects("*"))
        for role in (self_mutation.role, assets_role):  # CDK Pipelines' own roles: trust pinned to this account
            pin_role_trust(role)

        for project, role in ((self.pipeline.synth_project, synth_role), (self_mutation, self_mutation.role)):
            acknowledge_wildcard_resources(
                role,
                "CodeBuild's default permissions for the project's own log streams and test report groups "
                "(names derived from the project name).",
                stack.format_arn(
                    service="codebuild", resource="report-group", resource_name=f"{project.project_name}-*"
                ),
                stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=f"/aws/codebuild/{project.project_name}:*",
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                ),
            )
        shared = (
            "CDK Pipelines shares this role among the asset-publishing projects it creates: CodeBuild log groups "
            "and report groups of those projects, and starting their builds."
        )
        acknowledge_wildcard_resources(
            assets_role,
            shared,
            stack.format_arn(service="codebuild", resource="report-group", resource_name="*"),
            stack.format_arn(
                service="logs",
                resource="log-group",
                resource_name="/aws/codebuild/*",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            ),
        )
        acknowledge(assets_role, shared, "AwsSolutions-IAM5[Resource::*]")
        acknowledge(
            self_mutation.role,
            "Self-mutation assumes the CDK bootstrap roles (condition on the aws-cdk:bootstrap-role tag) to deploy "
            "the pipeline stack, and reads stack states (cloudformation:DescribeStacks takes no resource).",
            f"AwsSolutions-IAM5[Resource::arn:*:iam::{stack.account}:role/*]",
            "AwsSolutions-IAM5[Resource::*]",
        )
        for role in (self_mutation.role, assets_role):
            acknowledge(
                role,
                "CDK Pipelines creates the self-mutation and asset-publishing roles with an inline default policy "
                "and has no option to give them roles; the policy only covers this pipeline's resources.",
                "HIPAA.Security-IAMNoInlinePolicy",
                "NIST.800.53.R5-IAMNoInlinePolicy",
            )


def _join_as_sub(value: Any) -> dict | None:
    """``{"Fn::Join": ["", [strings and pseudo-parameter Refs]]}`` as the equivalent ``Fn::Sub``."""
    if not isinstance(value, dict) or list(value) != ["Fn::Join"]:
        return None
    delimiter, parts = value["Fn::Join"]
    if delimiter != "":
        return None
    text = []
    for part in parts:
        if isinstance(part, str) and "${" not in part:
            text.append(part)
        elif isinstance(part, dict) and list(part) == ["Ref"] and str(part["Ref"]).startswith("AWS::"):
            text.append("${" + part["Ref"] + "}")
        else:
            return None
    return {"Fn::Sub": "".join(text)}
