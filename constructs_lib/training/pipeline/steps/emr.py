"""``EmrStep``: a Hadoop JAR step (Spark, Hive...) on an Amazon EMR cluster, run by the pipeline.

SageMaker Pipelines adds the step to a running cluster (``cluster_id``, EMR ``AddJobFlowSteps``) or
creates a cluster for it that ends with the step (``cluster_config``, EMR ``RunJobFlow``), and follows
the step through an EventBridge rule it manages in the account. Everything runs as the pipeline's
role; ``MlPipeline`` gives it exactly those calls (see ``EmrStep.requirements``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import aws_iam as iam

from constructs_lib._core.validation import given, is_unresolved
from constructs_lib.training.pipeline import _service_model
from constructs_lib.training.pipeline.expressions import STRING, Expression, Property
from constructs_lib.training.pipeline.serializer import as_api_string
from constructs_lib.training.pipeline.step import Step, StepPermission, StepRequirements, StepValidator

#: Public: the step and its two configurations.
__all__ = ["EmrClusterConfig", "EmrInstanceGroup", "EmrStep", "EmrStepConfig"]

#: The EventBridge rules SageMaker Pipelines creates (once per account and region) to follow EMR
#: steps and the clusters it creates (AWS managed policy ``AmazonSageMakerPipelinesIntegrations``).
STEP_STATUS_RULE = "SageMakerPipelineExecutionEMRStepStatusUpdateRule"
CLUSTER_STATUS_RULE = "SageMakerPipelineExecutionEMRClusterStatusUpdateRule"
_RULE_ACTIONS = ("events:DescribeRule", "events:PutRule", "events:PutTargets")
#: Calls on a cluster to run and follow one step (AWS managed policy ``AmazonSageMakerPipelinesIntegrations``).
_STEP_ACTIONS = (
    "elasticmapreduce:AddJobFlowSteps",
    "elasticmapreduce:CancelSteps",
    "elasticmapreduce:DescribeStep",
    "elasticmapreduce:ListSteps",
)
_CLUSTER_ACTIONS = ("elasticmapreduce:DescribeCluster", "elasticmapreduce:TerminateJobFlows")
_CLUSTER_ID = re.compile(r"^j-[0-9A-Z]{1,255}$")
#: What SageMaker Pipelines sets itself in a cluster it creates (the SDK's EMRStep refuses them too).
_RESERVED_RUN_JOB_FLOW = ("Name", "Steps", "AutoTerminationPolicy", "Instances", "JobFlowRole", "ServiceRole")


@dataclass(frozen=True)
class EmrStepConfig:
    """The JAR the step runs (EMR ``HadoopJarStepConfig``; the step's name is set by SageMaker).

    :param jar: the JAR: ``command-runner.jar`` (then ``args`` are the command, e.g.
        ``["spark-submit", "s3://code/job.py"]``), or an ``s3://`` URI; a String expression too.
    :param args: default none; the arguments of the JAR's main function (literals, numbers or
        String expressions such as another step's output URI).
    :param main_class: default none (the JAR manifest's ``Main-Class``).
    :param properties: default none; Java properties set when the step runs.
    """

    jar: str | Expression
    args: Sequence[str | int | float | Expression] = ()
    main_class: str | Expression | None = None
    properties: Mapping[str, str | Expression] = field(default_factory=dict[str, "str | Expression"])

    def request(self) -> dict[str, Any]:
        return {
            "HadoopJarStep": {
                "Jar": self.jar,
                "Args": [as_api_string(arg) for arg in self.args] or None,
                "MainClass": self.main_class,
                "Properties": [{"Key": key, "Value": value} for key, value in self.properties.items()] or None,
            }
        }


@dataclass(frozen=True)
class EmrInstanceGroup:
    """One instance group of a cluster the step creates (EMR ``InstanceGroupConfig``).

    :param role: ``MASTER``, ``CORE`` or ``TASK`` (botocore ``InstanceRoleType``).
    :param instance_type: an EC2 instance type, e.g. ``m5.xlarge``.
    :param instance_count: default 1.
    :param market: default ``ON_DEMAND``; or ``SPOT``.
    :param name: default none.
    """

    role: str
    instance_type: str
    instance_count: int = 1
    market: str = "ON_DEMAND"
    name: str | None = None

    def request(self) -> dict[str, Any]:
        return {
            "Name": self.name,
            "InstanceRole": self.role,
            "InstanceType": self.instance_type,
            "InstanceCount": self.instance_count,
            "Market": self.market,
        }


@dataclass(frozen=True)
class EmrClusterConfig:
    """A cluster SageMaker Pipelines creates for the step and terminates after it (EMR ``RunJobFlow``).

    :param release_label: e.g. ``emr-7.5.0``.
    :param instance_groups: the master group and, usually, core (and task) groups.
    :param service_role: the EMR service role (trusted by ``elasticmapreduce.amazonaws.com``); the
        pipeline's role may pass it to EMR only.
    :param instance_profile: the cluster's EC2 instance profile; the pipeline's role may pass its
        role to EC2 only, so it must carry its role (``iam.InstanceProfile(role=...)`` or
        ``from_instance_profile_attributes(role=...)``).
    :param subnet_id: default none (EMR's default VPC placement); the cluster's subnet.
    :param applications: default ``("Spark",)``; the applications to install.
    :param log_uri: default none; where EMR writes the cluster's logs (``s3://``).
    :param security_configuration: default none; an EMR security configuration's name (encryption
        at rest and in transit).
    :param extra: default none; other ``RunJobFlow`` members (``Configurations``, ``Tags``,
        ``BootstrapActions``...), checked against botocore's ``RunJobFlowInput``; the members this
        class or SageMaker sets (``Name``, ``Steps``, ``AutoTerminationPolicy``, ``Instances``, roles)
        are refused.
    """

    release_label: str
    instance_groups: Sequence[EmrInstanceGroup]
    service_role: iam.IRole
    instance_profile: iam.IInstanceProfile
    subnet_id: str | None = None
    applications: Sequence[str] = ("Spark",)
    log_uri: str | None = None
    security_configuration: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict[str, Any])

    @property
    def instance_role(self) -> iam.IRole | None:
        return self.instance_profile.role

    def request(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "ReleaseLabel": self.release_label,
            "Applications": [{"Name": name} for name in self.applications] or None,
            "Instances": {
                "InstanceGroups": [group.request() for group in self.instance_groups],
                "Ec2SubnetId": self.subnet_id,
            },
            "ServiceRole": self.service_role.role_arn,
            "JobFlowRole": self.instance_profile.instance_profile_name,
            "LogUri": self.log_uri,
            "SecurityConfiguration": self.security_configuration,
        }
        config.update(self.extra)
        return config


class EmrStep(Step):
    """Runs a JAR step on an EMR cluster: an existing one (``cluster_id``) or one created for the
    step (``cluster_config``); give exactly one.

    Later steps read the EMR step's description (botocore EMR ``Step``): ``step.properties.Status.State``,
    ``step.properties.Config.Args[0]``. The step supports caching, not retry policies.
    """

    step_type = "EMR"
    properties_shape = "emr:Step"
    supports_cache = True

    def __init__(
        self,
        name: str,
        *,
        step_config: EmrStepConfig,
        cluster_id: str | None = None,
        cluster_config: EmrClusterConfig | None = None,
        execution_role: iam.IRole | None = None,
        **step_options: Any,
    ) -> None:
        """
        :param step_config: the JAR and its arguments.
        :param cluster_id: default none; a running cluster's ID (``j-...``, or a token such as an
            ``emr.CfnCluster``'s ``ref``). The pipeline's role may add, describe and cancel steps on
            that cluster only.
        :param cluster_config: default none; a cluster created for the step instead.
        :param execution_role: default none (the cluster's instance role runs the step); an EMR
            runtime role for the step (``ExecutionRoleArn``), with ``cluster_id`` only; the pipeline's
            role may pass it to EMR.
        :param step_options: ``display_name``, ``description``, ``depends_on``, ``cache``.
        """
        super().__init__(name, **step_options)
        self.step_config = step_config
        self.cluster_id = cluster_id
        self.cluster_config = cluster_config
        self.execution_role = execution_role

    @property
    def step_state(self) -> Property:
        """The EMR step's final state (``Status.State``: ``COMPLETED``, ``FAILED``...)."""
        return self.properties.Status.State

    def arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {"StepConfig": self.step_config.request()}
        if self.cluster_id is not None:
            arguments["ClusterId"] = self.cluster_id
            if self.execution_role is not None:
                arguments["ExecutionRoleArn"] = self.execution_role.role_arn
        elif self.cluster_config is not None:
            arguments["ClusterConfig"] = self.cluster_config.request()
        return arguments

    def requirements(self) -> StepRequirements:
        need = StepRequirements()
        if self.cluster_id is not None:
            cluster = f"cluster/{self.cluster_id}"
            need.permissions.append(StepPermission(_STEP_ACTIONS, "elasticmapreduce", (cluster,)))
            need.permissions.append(StepPermission(_RULE_ACTIONS, "events", (f"rule/{STEP_STATUS_RULE}",)))
            if self.execution_role is not None:
                need.pass_roles_to.append((self.execution_role, ("elasticmapreduce.amazonaws.com",)))
        elif self.cluster_config is not None:
            need.permissions.append(
                StepPermission(
                    ("elasticmapreduce:RunJobFlow",),
                    "elasticmapreduce",
                    ("*",),
                    reason="elasticmapreduce:RunJobFlow has no resource type (AWS requires '*'); the cluster "
                    "it creates is the EMR step's own, with the service role and instance profile the step names.",
                )
            )
            need.permissions.append(
                StepPermission(
                    (*_STEP_ACTIONS, *_CLUSTER_ACTIONS),
                    "elasticmapreduce",
                    ("cluster/*",),
                    reason="The EMR step's cluster is created at run time with an ID EMR assigns; the pipeline "
                    "follows its step and terminates it.",
                )
            )
            need.permissions.append(
                StepPermission(
                    _RULE_ACTIONS,
                    "events",
                    (f"rule/{STEP_STATUS_RULE}", f"rule/{CLUSTER_STATUS_RULE}"),
                )
            )
            need.pass_roles_to.append((self.cluster_config.service_role, ("elasticmapreduce.amazonaws.com",)))
            role = self.cluster_config.instance_role
            if role is not None:
                need.pass_roles_to.append((role, ("ec2.amazonaws.com",)))
        return need

    # --- validation ---------------------------------------------------------------------------------

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        v.check(
            (self.cluster_id is None) != (self.cluster_config is None),
            "cluster_id/cluster_config",
            [self.cluster_id, self.cluster_config],
            "give exactly one: a running cluster's ID or the configuration of a cluster for this step",
        )
        if self.cluster_id is not None and not is_unresolved(self.cluster_id):
            v.check(
                isinstance(given(self.cluster_id), str) and bool(_CLUSTER_ID.match(self.cluster_id)),
                "cluster_id",
                self.cluster_id,
                "must be an EMR cluster ID such as 'j-2AXXXXXXGAPLF'",
            )
        if self.execution_role is not None:
            v.check(
                self.cluster_id is not None,
                "execution_role",
                self.execution_role,
                "applies to a step on a running cluster (cluster_id) only",
            )
            v.check(
                hasattr(self.execution_role, "role_arn"), "execution_role", self.execution_role, "must be an IAM role"
            )
        self._validate_step_config(v)
        if self.cluster_config is not None:
            self._validate_cluster_config(v, self.cluster_config)

    def _validate_step_config(self, v: StepValidator) -> None:
        config = self.step_config
        if not v.check(isinstance(given(config), EmrStepConfig), "step_config", config, "must be an EmrStepConfig"):
            return
        v.kind("step_config.jar", config.jar, STRING, required=True)
        for index, arg in enumerate(config.args):
            v.check(
                not isinstance(arg, (dict, list)),
                f"step_config.args[{index}]",
                arg,
                "must be a string, number or expression",
            )
            if isinstance(arg, Expression):
                v.kind(f"step_config.args[{index}]", arg, STRING)
        if config.main_class is not None:
            v.kind("step_config.main_class", config.main_class, STRING)
        for key, value in config.properties.items():
            v.check(isinstance(given(key), str) and bool(key), "step_config.properties (key)", key, "must be a name")
            v.kind(f"step_config.properties[{key!r}]", value, STRING, required=True)

    def _validate_cluster_config(self, v: StepValidator, config: EmrClusterConfig) -> None:
        if not v.check(
            isinstance(given(config), EmrClusterConfig), "cluster_config", config, "must be an EmrClusterConfig"
        ):
            return
        v.check(
            isinstance(given(config.release_label), str) and config.release_label.startswith("emr-"),
            "cluster_config.release_label",
            config.release_label,
            "must be an EMR release label such as 'emr-7.5.0'",
        )
        roles = [group.role for group in config.instance_groups]
        v.check(
            roles.count("MASTER") == 1,
            "cluster_config.instance_groups",
            roles,
            "must have exactly one MASTER group",
        )
        for index, group in enumerate(config.instance_groups):
            arg = f"cluster_config.instance_groups[{index}]"
            v.one_of(f"{arg}.role", group.role, _service_model.service_enum("emr:InstanceRoleType"))
            v.one_of(f"{arg}.market", group.market, _service_model.service_enum("emr:MarketType"))
            v.range(f"{arg}.instance_count", group.instance_count, minimum=1)
            if group.role == "MASTER":
                v.check(
                    group.instance_count in (1, 3),
                    f"{arg}.instance_count",
                    group.instance_count,
                    "a MASTER group has 1 instance (or 3 for high availability)",
                )
        v.check(
            config.instance_role is not None,
            "cluster_config.instance_profile",
            config.instance_profile,
            "must carry its role (iam.InstanceProfile(role=...) or from_instance_profile_attributes(role=...)): "
            "the pipeline's role passes that role to EC2 and may pass no other",
        )
        if config.log_uri is not None:
            v.s3_uri("cluster_config.log_uri", config.log_uri)
        members = _service_model.shape("emr:RunJobFlowInput")["members"]
        for key in config.extra:
            if key in _RESERVED_RUN_JOB_FLOW or key in (
                "ReleaseLabel",
                "Applications",
                "LogUri",
                "SecurityConfiguration",
            ):
                v.add(
                    f"cluster_config.extra[{key!r}]",
                    key,
                    "is set by EmrClusterConfig's own options or by SageMaker Pipelines (Name, Steps, "
                    "AutoTerminationPolicy: the cluster ends with the step)",
                )
            elif key not in members:
                v.add(
                    f"cluster_config.extra[{key!r}]",
                    key,
                    f"is not a member of EMR RunJobFlow (botocore RunJobFlowInput): {', '.join(members)}",
                )
