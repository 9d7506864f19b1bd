"""``StudioExecutionRole``: the least-privilege role Studio apps, and the jobs they start, run as."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib._core.grants import KMS_CREATE_GRANT, KMS_KEY_USE
from constructs_lib._core.jsii_types import as_principals
from constructs_lib._core.roles import ManagedPolicyRole, permissions_policy
from constructs_lib._core.s3_access import list_prefix_conditions, objects_arn
from constructs_lib._core.service_role import service_principal
from constructs_lib._core.stack_facts import aws_partition, construct_path, read_once, stack_facts
from constructs_lib._core.validation import METRIC_NAMESPACE_PATTERN, Problems
from constructs_lib._core.vpc_access import security_group_ids, subnet_ids, vpc_access_statements
from constructs_lib._core.wildcards import acknowledge_statement_resources
from constructs_lib.foundation.network import INetwork

#: Jobs a data scientist starts from Studio, and the IAM condition keys SageMaker sets for each
#: (Service Authorization Reference). A ``Null`` deny on a key an action does not support would
#: deny that action always, so each guardrail lists only the actions that support its key.
VPC_GUARDED_ACTIONS: tuple[str, ...] = (
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateModel",  # transform jobs run in the VPC of their model
)
VOLUME_KEY_GUARDED_ACTIONS: tuple[str, ...] = (
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateTransformJob",
)
NETWORK_ISOLATION_GUARDED_ACTIONS: tuple[str, ...] = VPC_GUARDED_ACTIONS
INTER_CONTAINER_ENCRYPTION_GUARDED_ACTIONS: tuple[str, ...] = (
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateHyperParameterTuningJob",
)

#: SageMaker's own log groups and metric namespaces of the jobs the role runs. One group per job
#: kind and account: each job writes the log streams ``<job name>/<host>``.
JOB_LOG_GROUPS: tuple[str, ...] = (
    "/aws/sagemaker/TrainingJobs",
    "/aws/sagemaker/ProcessingJobs",
    "/aws/sagemaker/TransformJobs",
)
JOB_METRIC_NAMESPACES: tuple[str, ...] = JOB_LOG_GROUPS
#: Log groups SageMaker names after each endpoint: ``/aws/sagemaker/Endpoints/<endpoint name>``.
ENDPOINT_LOG_GROUP_PREFIX = "/aws/sagemaker/Endpoints/"
#: Studio apps log to this group, in streams ``<domain id>/<profile or space>/...``.
STUDIO_LOG_GROUP = "/aws/sagemaker/studio"
#: A name prefix: lowercase (SageMaker ARNs hold names in lowercase, and IAM matches ARNs by case).
NAME_PREFIX_PATTERN = re.compile(r"^[a-z0-9](-*[a-z0-9]){0,39}$")
#: Namespaces no role of the platform may publish to: AWS's own (``AWS/...``, what autoscaling and
#: the endpoint alarms follow) and the endpoints' instance metrics.
_RESERVED_NAMESPACES = re.compile(r"^(AWS/|/aws/sagemaker/Endpoints)", re.IGNORECASE)

_JOB_RESOURCE_TYPES = ("training-job", "processing-job", "transform-job", "hyper-parameter-tuning-job", "model")
_JOB_ACTIONS = (
    "sagemaker:CreateTrainingJob",
    "sagemaker:DescribeTrainingJob",
    "sagemaker:StopTrainingJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:DescribeProcessingJob",
    "sagemaker:StopProcessingJob",
    "sagemaker:CreateTransformJob",
    "sagemaker:DescribeTransformJob",
    "sagemaker:StopTransformJob",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:DescribeHyperParameterTuningJob",
    "sagemaker:StopHyperParameterTuningJob",
    "sagemaker:CreateModel",
    "sagemaker:DescribeModel",
    "sagemaker:DeleteModel",
    "sagemaker:AddTags",
    "sagemaker:ListTags",
)
_LIST_ACTIONS = (
    "sagemaker:ListTrainingJobs",
    "sagemaker:ListProcessingJobs",
    "sagemaker:ListTransformJobs",
    "sagemaker:ListHyperParameterTuningJobs",
    "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
    "sagemaker:ListModels",
    "sagemaker:Search",
)
_READ_OBJECT_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
_WRITE_OBJECT_ACTIONS = ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts")
#: Log actions IAM authorizes on the log group (CreateLogStream too: on the group, per the Service
#: Authorization Reference), and those on one stream: writing and reading events.
_LOG_GROUP_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams")
_LOG_STREAM_ACTIONS = ("logs:PutLogEvents", "logs:GetLogEvents")

_WHY_JOBS = (
    "Job and model names are chosen by the data scientist (the SageMaker SDK adds a timestamp), so "
    "they cannot be listed in advance; the resource is limited to names with the environment's prefix "
    "in this account and region, and deny statements force every job into the platform VPC with an "
    "encrypted volume."
)
_WHY_LIST = "SageMaker List*, Search and ec2:Describe* actions support no resource-level permissions (resource '*')."
_WHY_ENI = (
    "SageMaker creates the job's network interfaces in the role's name; interface ids are only known "
    "at run time. Creation is also limited to the platform subnets and security groups, management to "
    "interfaces in the platform VPC (ec2:Vpc)."
)
_WHY_LOGS = (
    "Jobs write to the log groups SageMaker names /aws/sagemaker/<Kind>Jobs, one stream per job and host "
    "named after the job: streams are limited to the job names of the environment's prefix; endpoint "
    "log groups to endpoints of that prefix."
)
_WHY_METRICS = (
    "cloudwatch:PutMetricData has no resource-level permissions; a condition pins the jobs' own "
    "namespaces (never AWS/SageMaker or the endpoints' namespaces, which autoscaling and alarms follow)."
)
_WHY_ECR = (
    "Training and processing images are pulled from this account's repositories, which data scientists "
    "create per project; ecr:GetAuthorizationToken supports no resource-level permissions."
)
_WHY_OBJECTS = "Data scientists read and write objects of the platform buckets they were given; keys are data."
_WHY_STUDIO = (
    "Studio creates spaces and apps with names chosen in the UI; the resources are limited to this "
    "domain's spaces, apps and user profiles."
)
_WHY_STUDIO_LOGS = (
    "Studio apps write log streams named after the domain's id and the app; limited to this domain's streams."
)


@jsii.implements(iam.IGrantable)
class StudioExecutionRole(Construct):
    """Defines the execution role of a Studio domain, user profile or space.

    Least privilege: the SageMaker job and model actions a data scientist needs, the given platform
    buckets and keys only, logs and images of this account. Everything SageMaker the role may
    create, describe, stop or delete is named ``<name_prefix>-...``: in an account that several
    environments share, a role of one cannot touch the jobs, models and logs of another. Transform
    jobs (which run in their model's network, not in a VPC of their own) are denied on any model
    not named so (``sagemaker:ModelArn``), and the models the role may create must be in the
    platform VPC: no transform job runs a model with network access. Deny statements make every training,
    processing and tuning job and every model created with the role run in the given subnets and
    security groups (``sagemaker:VpcSubnets``, ``sagemaker:VpcSecurityGroupIds``), and every job use
    one of the given volume keys (``sagemaker:VolumeKmsKey``, as a key ARN); optionally with network
    isolation (``sagemaker:NetworkIsolation``) and inter-container traffic encryption
    (``sagemaker:InterContainerTrafficEncryption``). Instance types with only local NVMe storage,
    which take no volume key, are therefore refused.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        network: INetwork,
        volume_key: kms.IKey,
        name_prefix: str,
        buckets: Sequence[s3.IBucket] = (),
        read_only_buckets: Sequence[s3.IBucket] = (),
        encryption_keys: Sequence[kms.IKey] = (),
        require_network_isolation: bool = False,
        require_inter_container_encryption: bool = False,
        metric_namespaces: Sequence[str] = (),
        description: str | None = None,
    ) -> None:
        """
        :param network: the network every job and model must use: its subnets (1 to 16) and
            security groups (1 to 5).
        :param volume_key: the key jobs must encrypt their storage volumes with (``sagemaker:VolumeKmsKey``).
        :param name_prefix: the environment's name prefix, e.g. ``ml-platform-dev``: the jobs and
            models the role creates and manages must be named ``<name_prefix>-...`` (the SDK's
            ``base_job_name``), and it reads the logs of those jobs and of endpoints so named. 1-40
            lowercase letters, digits or '-'.
        :param buckets: default none; platform buckets the role may read and write (objects, and
            their bucket key).
        :param read_only_buckets: default none; platform buckets the role may only read.
        :param encryption_keys: default none; further keys the role may encrypt and decrypt with.
        :param require_network_isolation: default False; True denies jobs and models created
            without network isolation (containers then have no network at all).
        :param require_inter_container_encryption: default False; True denies training,
            processing and tuning jobs without inter-container traffic encryption.
        :param metric_namespaces: default none; CloudWatch namespaces the role's code may publish
            to besides the jobs' own (``/aws/sagemaker/<Kind>Jobs``), e.g. the environment's
            experiments namespace. Never ``AWS/...`` or ``/aws/sagemaker/Endpoints...``.
        :param description: default, a description naming the construct path.
        """
        super().__init__(scope, construct_id)
        problems = Problems(self, "StudioExecutionRole")
        subnets, security_groups = network.subnets, network.security_groups
        problems.check(
            1 <= len(subnets) <= 16, "network.subnets", len(subnets), "must list 1 to 16 subnets (SageMaker VpcConfig)"
        )
        problems.check(
            1 <= len(security_groups) <= 5,
            "network.security_groups",
            len(security_groups),
            "must list 1 to 5 security groups (SageMaker VpcConfig)",
        )
        problems.check_pattern(
            "name_prefix",
            name_prefix,
            NAME_PREFIX_PATTERN,
            "must be 1-40 lowercase letters, digits or '-', starting and ending with a letter "
            "or digit (SageMaker ARNs hold names in lowercase)",
        )
        for namespace in metric_namespaces:
            problems.check(
                bool(METRIC_NAMESPACE_PATTERN.match(namespace)) and not _RESERVED_NAMESPACES.match(namespace),
                "metric_namespaces",
                namespace,
                "must be CloudWatch namespaces (1-255 characters) other than AWS/... and "
                "/aws/sagemaker/Endpoints... (what autoscaling and alarms follow)",
            )
        problems.raise_if_any()

        stack = stack_facts(self)
        self._arn_prefix = f"arn:{aws_partition()}:sagemaker:{stack.region}:{stack.account}"
        self._logs_prefix = f"arn:{aws_partition()}:logs:{stack.region}:{stack.account}:log-group:"
        self.name_prefix = name_prefix
        self.role = ManagedPolicyRole(
            self,
            "Resource",
            assumed_by=service_principal(self, "sagemaker.amazonaws.com"),
            description=description or f"SageMaker Studio execution role ({construct_path(self)})",
        )
        # Studio sets the user profile name as the session's source identity (CloudTrail attribution).
        self.role.assume_role_policy.add_statements(  # pyright: ignore[reportOptionalMemberAccess] # a Role made with assumed_by always has a trust policy
            iam.PolicyStatement(
                actions=["sts:SetSourceIdentity"],
                principals=as_principals([service_principal(self, "sagemaker.amazonaws.com")]),
            )
        )
        self.subnet_ids = subnet_ids(subnets)
        self.security_group_ids = security_group_ids(security_groups)
        self.volume_key = volume_key

        self._granted_keys: set[str] = set()
        self._studio_domains: set[str] = set()
        self._allow_jobs(network)
        self._deny_jobs_outside_guardrails(require_network_isolation, require_inter_container_encryption)
        self._allow_logs_metrics_and_images(metric_namespaces)
        for key in [self.volume_key, *encryption_keys]:
            self.grant_key(key)
        for bucket in buckets:
            self.grant_bucket(bucket)
        for bucket in read_only_buckets:
            self.grant_bucket(bucket, read_only=True)

    @property
    def role_arn(self) -> str:
        return self.role.role_arn

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The execution role: pass this construct wherever a grantee goes (``bucket.grant_read(it)``)."""
        return self.role.grant_principal

    @property
    def policy(self) -> iam.ManagedPolicy:
        """The customer-managed policy holding the role's permissions and guardrails."""
        return self.role.managed_policy

    def grant_bucket(self, bucket: s3.IBucket, *, prefix: str = "", read_only: bool = False) -> None:
        """Let the role read (and unless ``read_only``, write) objects under ``prefix`` of ``bucket``,
        and list the keys under ``prefix`` (``s3:ListBucket`` with an ``s3:prefix`` condition; the
        whole bucket without a prefix)."""
        target = bucket
        bucket_arn = read_once(target, "bucket_arn")
        if prefix:
            self._allow(["s3:GetBucketLocation"], [bucket_arn])
            self._allow(["s3:ListBucket"], [bucket_arn], conditions=list_prefix_conditions(f"{prefix}*"))
        else:
            self._allow(["s3:ListBucket", "s3:GetBucketLocation"], [bucket_arn])
        actions = _READ_OBJECT_ACTIONS if read_only else _READ_OBJECT_ACTIONS + _WRITE_OBJECT_ACTIONS
        self._allow(actions, [objects_arn(target, f"{prefix}*")], why=_WHY_OBJECTS)
        key = read_once(target, "encryption_key")
        if key is not None:
            self.grant_key(key)

    def grant_key(self, key: kms.IKey) -> None:
        """Let the role encrypt and decrypt with ``key``, and let SageMaker create grants on it for
        the role's encrypted volumes."""
        key_arn = read_once(key, "key_arn")
        if key_arn in self._granted_keys:
            return
        self._granted_keys.add(key_arn)
        self._allow(KMS_KEY_USE, [key_arn])
        self._allow(KMS_CREATE_GRANT, [key_arn], conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}})

    def allow_studio_domain(self, domain_id: str) -> None:
        """Let Studio, running as this role, manage the spaces and apps of domain ``domain_id``."""
        if domain_id in self._studio_domains:
            return
        self._studio_domains.add(domain_id)
        self._allow(["sagemaker:DescribeDomain"], [f"{self._arn_prefix}:domain/{domain_id}"])
        self._allow(
            [
                "sagemaker:DescribeUserProfile",
                "sagemaker:DescribeSpace",
                "sagemaker:CreateSpace",
                "sagemaker:UpdateSpace",
                "sagemaker:DeleteSpace",
                "sagemaker:DescribeApp",
                "sagemaker:CreateApp",
                "sagemaker:DeleteApp",
                "sagemaker:AddTags",
                "sagemaker:ListTags",
            ],
            [f"{self._arn_prefix}:{kind}/{domain_id}/*" for kind in ("user-profile", "space", "app")],
            why=_WHY_STUDIO,
        )
        self._allow(["sagemaker:ListApps", "sagemaker:ListSpaces", "sagemaker:ListUserProfiles"], ["*"], why=_WHY_LIST)
        self.allow_log_streams(STUDIO_LOG_GROUP, f"{domain_id}/", why=_WHY_STUDIO_LOGS)

    def allow_log_streams(self, log_group: str, stream_prefix: str, *, why: str) -> None:
        """Let the role create ``log_group`` and write and read its streams named ``<stream_prefix>...``
        (a Studio domain's, a notebook instance's), acknowledging the stream wildcard with ``why``."""
        group = f"{self._logs_prefix}{log_group}"
        self._allow(_LOG_GROUP_ACTIONS, [group, f"{group}:*"], why=why)
        self._allow(_LOG_STREAM_ACTIONS, [f"{group}:log-stream:{stream_prefix}*"], why=why)

    @property
    def model_arn_pattern(self) -> str:
        """The ARN pattern of the models the role may create and run transform jobs on."""
        return f"{self._arn_prefix}:model/{self.name_prefix}-*"

    def _allow_jobs(self, network: INetwork) -> None:
        self._allow(
            _JOB_ACTIONS,
            [f"{self._arn_prefix}:{kind}/{self.name_prefix}-*" for kind in _JOB_RESOURCE_TYPES],
            why=_WHY_JOBS,
        )
        self._allow(_LIST_ACTIONS, ["*"], why=_WHY_LIST)
        self._allow(
            ["iam:PassRole"],
            [self.role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )
        # The jobs' and models' network interfaces: the one statement set of every role SageMaker
        # attaches to a VPC (creation in the network's subnets and groups, management in its VPC).
        statements, _ = vpc_access_statements(
            self,
            vpc_id=network.vpc.vpc_id,
            subnet_ids=self.subnet_ids,
            security_group_ids=self.security_group_ids,
            sid_prefix="JobNetwork",
            principal=self.role,
        )
        for statement, why in zip(statements, (_WHY_LIST, None, _WHY_ENI), strict=True):
            self.role.add_to_principal_policy(statement)
            if why is not None:
                acknowledge_statement_resources(permissions_policy(self.role), why, statement)

    def _deny_jobs_outside_guardrails(self, network_isolation: bool, inter_container_encryption: bool) -> None:
        deny = self._deny
        deny("DenyJobsWithoutVpcSubnets", VPC_GUARDED_ACTIONS, {"Null": {"sagemaker:VpcSubnets": "true"}})
        deny(
            "DenyJobsWithoutVpcSecurityGroups", VPC_GUARDED_ACTIONS, {"Null": {"sagemaker:VpcSecurityGroupIds": "true"}}
        )
        # ForAnyValue: deny as soon as one requested subnet or group is not the platform's.
        deny(
            "DenyJobsInOtherSubnets",
            VPC_GUARDED_ACTIONS,
            {"ForAnyValue:StringNotEquals": {"sagemaker:VpcSubnets": self.subnet_ids}},
        )
        deny(
            "DenyJobsInOtherSecurityGroups",
            VPC_GUARDED_ACTIONS,
            {"ForAnyValue:StringNotEquals": {"sagemaker:VpcSecurityGroupIds": self.security_group_ids}},
        )
        deny("DenyJobsWithoutVolumeKey", VOLUME_KEY_GUARDED_ACTIONS, {"Null": {"sagemaker:VolumeKmsKey": "true"}})
        deny(
            "DenyJobsWithOtherVolumeKeys",
            VOLUME_KEY_GUARDED_ACTIONS,
            {"StringNotEquals": {"sagemaker:VolumeKmsKey": [self.volume_key.key_arn]}},
        )
        # A transform job runs in its model's network, and carries no VPC keys of its own: only the
        # models this role creates (in the VPC, by the denies above) may be run.
        deny(
            "DenyTransformJobsOnOtherModels",
            ["sagemaker:CreateTransformJob"],
            {"ArnNotLike": {"sagemaker:ModelArn": self.model_arn_pattern}},
        )
        if network_isolation:
            deny(
                "DenyJobsWithoutNetworkIsolation",
                NETWORK_ISOLATION_GUARDED_ACTIONS,
                {"BoolIfExists": {"sagemaker:NetworkIsolation": "false"}},
            )
        if inter_container_encryption:
            deny(
                "DenyJobsWithoutInterContainerEncryption",
                INTER_CONTAINER_ENCRYPTION_GUARDED_ACTIONS,
                {"BoolIfExists": {"sagemaker:InterContainerTrafficEncryption": "false"}},
            )

    def _allow_logs_metrics_and_images(self, metric_namespaces: Sequence[str]) -> None:
        stack = stack_facts(self)
        groups = [f"{self._logs_prefix}{group}" for group in JOB_LOG_GROUPS]
        self._allow(_LOG_GROUP_ACTIONS, groups + [f"{g}:*" for g in groups], why=_WHY_LOGS)
        self._allow(_LOG_STREAM_ACTIONS, [f"{g}:log-stream:{self.name_prefix}-*" for g in groups], why=_WHY_LOGS)
        endpoints = f"{self._logs_prefix}{ENDPOINT_LOG_GROUP_PREFIX}{self.name_prefix}-*"
        self._allow(
            ["logs:DescribeLogStreams", "logs:GetLogEvents"], [endpoints, f"{endpoints}:log-stream:*"], why=_WHY_LOGS
        )
        namespaces = list(dict.fromkeys([*JOB_METRIC_NAMESPACES, *metric_namespaces]))
        self._allow(
            ["cloudwatch:PutMetricData"],
            ["*"],
            why=_WHY_METRICS,
            conditions={"StringEquals": {"cloudwatch:namespace": namespaces}},
        )
        self._allow(["ecr:GetAuthorizationToken"], ["*"], why=_WHY_ECR)
        self._allow(
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            [f"arn:{aws_partition()}:ecr:{stack.region}:{stack.account}:repository/*"],
            why=_WHY_ECR,
        )

    def _allow(
        self,
        actions: Sequence[str],
        resources: Sequence[str],
        *,
        why: str | None = None,
        conditions: Mapping[str, Any] | None = None,
    ) -> None:
        statement = iam.PolicyStatement(actions=list(actions), resources=list(resources), conditions=conditions)
        self.role.add_to_principal_policy(statement)
        if why is not None:
            acknowledge_statement_resources(permissions_policy(self.role), why, statement)

    def _deny(self, sid: str, actions: Sequence[str], conditions: Mapping[str, Any]) -> None:
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid=sid, effect=iam.Effect.DENY, actions=list(actions), resources=["*"], conditions=conditions
            )
        )
