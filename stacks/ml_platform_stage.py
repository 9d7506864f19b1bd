"""One environment of the ML platform as a CDK Stage: its stacks, wired by typed properties."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Annotations, Environment, Stage, Tags
from constructs import Construct

from constructs_lib import add_mutable_tags, pin_provider_roles
from stacks.config import EnvironmentConfig
from stacks.data_stack import DataStack
from stacks.governance_stack import GovernanceStack
from stacks.model_fleet_stack import ModelFleetStack, place
from stacks.monitoring_stack import MonitoringStack, deployment_target, monitoring_target
from stacks.network_stack import NetworkStack
from stacks.platform_stack import PlatformStack
from stacks.serving_stack import ServingStack
from stacks.studio_stack import StudioStack
from stacks.training_stack import TrainingStack

#: The source version recorded when the app's git commit is not known.
UNKNOWN_SOURCE_VERSION = "unknown"
#: Tags whose values never change for an environment (changing them is a new environment).
IDENTITY_TAG_KEYS = ("environment", "project")


class MlPlatformStage(Stage):
    """dev, staging or prod: stacks named ``<project>-<env>-<part>``, tagged for cost allocation."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        registry_shared_with_accounts: Sequence[str] = (),
        owns_api_gateway_account_settings: bool = True,
        source_version: str = UNKNOWN_SOURCE_VERSION,
    ) -> None:
        """
        :param config: the environment.
        :param source_version: default ``unknown``; the app's git commit (``app.py`` reads it), recorded
            as lineage by the training pipelines (job tags and registered model metadata).
        :param owns_api_gateway_account_settings: default True; whether this environment's inference
            API sets the region's API Gateway CloudWatch role (``stacks.config.api_gateway_account_owners``).
        :param registry_shared_with_accounts: default none; accounts that may read the model registry
            and deploy its approved versions (``stacks.config.registry_consumer_accounts``).
        """
        super().__init__(scope, construct_id, env=Environment(account=config.account, region=config.region))
        self.config = config
        prefix = f"{config.project}-{config.name}"
        if config.account:
            # The configured zones answer the VPC's zone check, so an environment with a concrete
            # account (a pipeline target) synthesizes offline, without a context lookup.
            self.node.set_context(
                f"availability-zones:account={config.account}:region={config.region}",
                list(config.network.availability_zones),
            )

        self.data = DataStack(
            self,
            "Data",
            config=config,
            stack_name=f"{prefix}-data",
            description=f"{config.project} {config.name}: keys and buckets (stateful)",
        )
        self.network = NetworkStack(
            self,
            "Network",
            config=config,
            logs_key=self.data.logs_key,
            stack_name=f"{prefix}-network",
            description=f"{config.project} {config.name}: VPC, endpoints, flow logs",
        )
        self.network.add_stack_dependency(self.data, "flow logs are encrypted with the logs key")
        self.platform = PlatformStack(
            self,
            "Platform",
            config=config,
            key=self.data.key,
            access_logs=self.data.access_logs,
            network=self.network.network,
            logs_key=self.data.logs_key,
            stack_name=f"{prefix}-platform",
            description=f"{config.project} {config.name}: alerts, budget, MLflow, Feature Store",
        )
        self.platform.add_stack_dependency(
            self.data, "buckets, tracking server and feature group use the platform key and access-log bucket"
        )
        self.platform.add_stack_dependency(self.network, "the feature ingestion consumer runs in the platform VPC")

        self.governance = GovernanceStack(
            self,
            "Governance",
            config=config,
            data_bucket=self.data.data_bucket,
            artifact_bucket=self.data.artifact_bucket,
            access_logs=self.data.access_logs,
            logs_key=self.data.logs_key,
            stack_name=f"{prefix}-governance",
            description=f"{config.project} {config.name}: audit trail, team access, labeling, model cards",
        )
        self.governance.add_stack_dependency(self.data, "audits and shares the data and artifact buckets")
        if config.platform.example_labeling_workflow and self.governance.labeling is not None:
            self.platform.add_labeling_workflow(
                workforce=self.governance.labeling, data_bucket=self.data.data_bucket, network=self.network.network
            )
            self.platform.add_stack_dependency(self.governance, "the labeling workflow's jobs use the workteam")
            self.platform.add_stack_dependency(self.network, "the labeling batcher runs in the platform VPC")
        self.serving = ServingStack(
            self,
            "Serving",
            config=config,
            artifact_bucket=self.data.artifact_bucket,
            data_bucket=self.data.data_bucket,
            key=self.data.key,
            logs_key=self.data.logs_key,
            network=self.network.network,
            stack_name=f"{prefix}-serving",
            owns_api_gateway_account_settings=owns_api_gateway_account_settings,
            description=f"{config.project} {config.name}: model, endpoints, autoscaling, inference API",
        )
        self.training = TrainingStack(
            self,
            "Training",
            config=config,
            key=self.data.key,
            data_bucket=self.data.data_bucket,
            artifact_bucket=self.data.artifact_bucket,
            network=self.network.network,
            registry_shared_with_accounts=registry_shared_with_accounts,
            source_version=source_version,
            tracking_server=self.platform.tracking_server,
            stack_name=f"{prefix}-training",
            description=f"{config.project} {config.name}: model registry, job roles, "
            "training and batch transform pipelines",
        )
        self.training.add_stack_dependency(
            self.platform, "the training job logs its runs to the MLflow tracking server"
        )
        self.studio = StudioStack(
            self,
            "Studio",
            config=config,
            network=self.network.network,
            key=self.data.key,
            logs_key=self.data.logs_key,
            data_bucket=self.data.data_bucket,
            artifact_bucket=self.data.artifact_bucket,
            stack_name=f"{prefix}-studio",
            description=f"{config.project} {config.name}: SageMaker Studio domain, profiles, spaces, notebooks",
        )

        # Experiment tracking from Studio: the domain's execution role may use the tracking server.
        self.platform.tracking_server.grant_access(self.studio.domain.execution_role)
        self.studio.add_stack_dependency(self.platform, "Studio's execution role may use the MLflow tracking server")

        # Models beyond the reference one: fixed-size, append-only stacks (stacks/model_fleet_stack.py).
        self.model_fleet: list[ModelFleetStack] = []
        for number, models in enumerate(place(config.fleet), start=1):
            fleet_stack = ModelFleetStack(
                self,
                f"Models{number}",
                config=config,
                models=models,
                artifact_bucket=self.data.artifact_bucket,
                data_bucket=self.data.data_bucket,
                key=self.data.key,
                network=self.network.network,
                stack_name=f"{prefix}-models-{number}",
                description=f"{config.project} {config.name}: served models, part {number}",
            )
            fleet_stack.add_stack_dependency(self.network, "models run in the platform VPC")
            self.model_fleet.append(fleet_stack)
        self.monitoring = MonitoringStack(
            self,
            "Monitoring",
            config=config,
            serving=self.serving,
            training=self.training,
            network=self.network.network,
            data_bucket=self.data.data_bucket,
            artifact_bucket=self.data.artifact_bucket,
            logs_key=self.data.logs_key,
            stack_name=f"{prefix}-monitoring",
            description=f"{config.project} {config.name}: model monitors, alarms, retraining triggers, "
            "deployment on approval",
        )
        self.monitoring.add_stack_dependency(self.serving, "monitors and alarms watch the served endpoint")
        self.monitoring.add_stack_dependency(self.training, "triggers start the reference training pipeline")

        # Identity tags never change for an environment: on every resource. The others (owner) may
        # change, so they skip the types whose Tags are create-only, which a new value would replace
        # (README "Which changes replace what").
        identity = {key: value for key, value in config.tags.items() if key in IDENTITY_TAG_KEYS}
        for key, value in identity.items():
            Tags.of(self).add(key, value)
        add_mutable_tags(self, {key: value for key, value in config.tags.items() if key not in identity})

        # aws-cdk-lib's own custom-resource providers (bucket auto-delete, default security group) trust Lambda.
        pin_provider_roles(self)

    @property
    def stacks(self) -> list:
        return [
            self.data,
            self.network,
            self.platform,
            self.governance,
            self.studio,
            self.training,
            self.serving,
            self.monitoring,
            *self.model_fleet,
        ]


def connect_deployments(stages: Mapping[str, MlPlatformStage]) -> None:
    """Give each environment whose ``monitoring.deploy_to`` names serving stacks its ``DeployOnApproval``.

    Call once all stages exist (a registry may feed an environment built after it). A target must be
    in the app and in the host's account and region (both env-agnostic, or the same concrete account):
    other targets are skipped with a warning (cross-account rollouts are not supported).
    """
    for host in stages.values():
        targets = []
        for name in host.config.monitoring.deploy_to:
            target = stages.get(name)
            if target is None:
                Annotations.of(host.monitoring).add_warning_v2(
                    "ml-platform:deploy-target-missing",
                    f"monitoring.deploy_to names {name!r}, which is not in this app: approved packages will not "
                    "roll out there (synthesize every environment to keep the target).",
                )
                continue
            if (target.config.account, target.config.region) != (host.config.account, host.config.region):
                Annotations.of(host.monitoring).add_warning_v2(
                    "ml-platform:deploy-target-elsewhere",
                    f"monitoring.deploy_to names {name!r}, in account {target.config.account} / region "
                    f"{target.config.region}, not this environment's: skipped (cross-account rollouts are not "
                    "supported; deploy it from its own registry).",
                )
                continue
            if target is not host:
                target.serving.allow_model_packages_from(host.config)
                target.monitoring.read_baselines_from(host.config)
            targets.append(deployment_target(target.config, target.serving, target.monitoring))
            # Then its monitors take the package's baselines (DriftCheckBaselines).
            monitors = monitoring_target(target.config, target.serving, target.monitoring)
            if monitors is not None:
                targets.append(monitors)
        if targets:
            host.monitoring.add_deployment(targets)
