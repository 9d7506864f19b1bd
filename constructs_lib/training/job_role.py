"""``JobRole``: the least-privilege execution role of SageMaker training, processing, transform and
tuning jobs."""

from __future__ import annotations

import re
from collections.abc import Sequence

import jsii
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from constructs_lib._core.grants import KMS_CREATE_GRANT, KMS_DECRYPT, KMS_ENCRYPT, KMS_JOB_KEY_USE, S3_READ, S3_WRITE
from constructs_lib._core.jsii_types import as_role
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.roles import ManagedPolicyRole, add_statements, permissions_policy
from constructs_lib._core.s3_access import list_prefix_statement, objects_arn, objects_statement
from constructs_lib._core.service_role import service_principal
from constructs_lib._core.stack_facts import aws_partition, read_once, stack_facts, stack_of
from constructs_lib._core.validation import Problems, is_unresolved
from constructs_lib._core.vpc_access import security_group_ids, subnet_ids, vpc_access_statements
from constructs_lib._core.wildcards import acknowledge_exact_wildcard
from constructs_lib.foundation.network import SAGEMAKER_JOB_ENDPOINTS, INetwork
from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.platform.mlflow_tracking_server import ITrackingServer
from constructs_lib.training.container_images import (
    DEEP_LEARNING_CONTAINERS_REGISTRIES,
    SAGEMAKER_ALGORITHM_REGISTRIES,
)

#: The kinds of SageMaker job a role can run, with the CloudWatch log group and metric namespace
#: SageMaker writes for each (tuning jobs launch training jobs, which log as training jobs).
JOB_KINDS: dict[str, str] = {
    "training": "/aws/sagemaker/TrainingJobs",
    "processing": "/aws/sagemaker/ProcessingJobs",
    "transform": "/aws/sagemaker/TransformJobs",
    "tuning": "/aws/sagemaker/TrainingJobs",
    "automl": "/aws/sagemaker/ProcessingJobs",
}
#: Kinds whose jobs start jobs of other kinds as this role, which log there too: an Autopilot job's
#: candidates are processing, training and transform jobs.
_CHILD_LOG_GROUPS: dict[str, tuple[str, ...]] = {
    "automl": ("/aws/sagemaker/TrainingJobs", "/aws/sagemaker/TransformJobs"),
}
#: What an Autopilot job calls as its role for its candidates (the data split and feature engineering
#: processing jobs, the training and tuning jobs, the transform and explainability jobs), by resource
#: type; SageMaker names them after the AutoML job at run time.
_AUTOML_CHILD_JOBS: dict[str, tuple[str, ...]] = {
    "processing-job": ("CreateProcessingJob", "DescribeProcessingJob", "StopProcessingJob"),
    "training-job": ("CreateTrainingJob", "DescribeTrainingJob", "StopTrainingJob"),
    "hyper-parameter-tuning-job": (
        "CreateHyperParameterTuningJob",
        "DescribeHyperParameterTuningJob",
        "ListTrainingJobsForHyperParameterTuningJob",
        "StopHyperParameterTuningJob",
    ),
    "transform-job": ("CreateTransformJob", "DescribeTransformJob", "StopTransformJob"),
    "model": ("CreateModel", "DescribeModel", "DeleteModel"),
}

_ECR_PULL = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
#: What the SSM agent in a remote-debugging training container needs (developer guide, "Access a
#: training container through AWS Systems Manager (SSM) for remote debugging", IAM role).
SSM_SESSION_CHANNEL_ACTIONS = (
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)
_REPOSITORY_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")


@jsii.implements(iam.IGrantable)
class JobRole(Construct):
    """Defines the IAM role SageMaker jobs run as, with only what the jobs need.

    - S3: read only the ``inputs`` prefixes (``s3:GetObject`` on their objects, ``s3:ListBucket``
      conditioned on ``s3:prefix``), write only the ``outputs`` prefixes (``s3:PutObject``), and use
      the buckets' KMS keys only through S3 (``kms:ViaService``).
    - KMS: ``encryption_keys`` for volumes and job outputs (``kms:CreateGrant`` only for AWS resources).
    - ECR: pull only ``ecr_repositories`` and the named repositories of SageMaker's first-party
      registry (``aws_image_repositories``), plus AWS Deep Learning Containers when asked.
    - CloudWatch: its own log groups (``/aws/sagemaker/<Kind>Jobs``) and metrics (``PutMetricData``
      conditioned on ``cloudwatch:namespace``).
    - VPC: the network-interface permissions SageMaker needs to attach jobs to ``network``'s
      private subnets and workload security group (creation limited to those subnets, groups and VPC).

    The trust policy admits ``sagemaker.amazonaws.com`` from this account only (``aws:SourceAccount``).
    Wildcards that AWS requires (``ecr:GetAuthorizationToken``, EC2 ``Describe*``,
    ``PutMetricData``, log streams, objects under a prefix) are acknowledged one finding at a time.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        job_kinds: Sequence[str] = ("training", "processing", "transform", "tuning"),
        inputs: Sequence[S3Location] = (),
        outputs: Sequence[S3Location] = (),
        encryption_keys: Sequence[kms.IKey] = (),
        ecr_repositories: Sequence[ecr.IRepository] = (),
        aws_image_repositories: Sequence[str] = (),
        allow_deep_learning_containers: bool = False,
        network: INetwork | None = None,
        metric_namespaces: Sequence[str] = (),
        tracking_server: ITrackingServer | None = None,
        description: str | None = None,
    ) -> None:
        """
        :param job_kinds: default training, processing, transform and tuning; which job kinds run as
            this role (decides the log groups and metric namespaces it may write). ``automl`` (Autopilot)
            also lets the role create, describe and stop its candidates' processing, training, tuning and
            transform jobs and models, and pass itself to SageMaker for them; Autopilot's ensembling
            images are AWS Deep Learning Containers (AutoGluon): give ``allow_deep_learning_containers``.
        :param inputs: default none; locations the jobs read (training data, code, model artifacts).
        :param outputs: default none; locations the jobs write (model artifacts, processing outputs,
            checkpoints: give a checkpoint prefix as input and output, jobs resume from it).
        :param encryption_keys: default none; KMS keys of job volumes and outputs (``VolumeKmsKeyId``,
            ``OutputDataConfig.KmsKeyId``).
        :param ecr_repositories: default none; your ECR repositories with job images.
        :param aws_image_repositories: default none; repositories of SageMaker's first-party registry
            in the stack's region (``container_images.SKLEARN_REPOSITORY``, ``XGBOOST_REPOSITORY``).
        :param allow_deep_learning_containers: default False; True allows pulling every AWS Deep
            Learning Containers image of the region (PyTorch, TensorFlow, Hugging Face).
        :param network: default None (jobs outside a VPC); the network whose subnets and security
            groups the jobs attach to (without an internet route it needs the S3 gateway).
        :param metric_namespaces: default none; CloudWatch namespaces the job code publishes to, besides
            SageMaker's own ``/aws/sagemaker/<Kind>Jobs``.
        :param tracking_server: default none; an MLflow tracking server the jobs log runs to: the role
            may track runs there (``grant_log_runs``: the MLflow calls and the run artifacts), and every
            pipeline step running as this role outside network isolation gets its ARN as
            ``MLFLOW_TRACKING_URI`` and ``MLFLOW_TRACKING_ARN``, so a script with the ``mlflow`` and
            ``sagemaker-mlflow`` packages logs with no configuration. With ``network``, that network
            must reach the ``sagemaker.experiments`` endpoint.
        :param description: default, a description listing the job kinds.
        """
        super().__init__(scope, construct_id)
        stack = stack_of(self)
        facts = stack_facts(stack)
        problems = Problems(self, "JobRole")
        problems.check(bool(job_kinds), "job_kinds", list(job_kinds), f"must name at least one of {list(JOB_KINDS)}")
        unknown = [kind for kind in job_kinds if kind not in JOB_KINDS]
        problems.check(not unknown, "job_kinds", unknown, f"must be among {list(JOB_KINDS)}")
        for location in [*inputs, *outputs]:
            problems.check(
                not location.prefix.startswith("/"),
                "inputs/outputs prefix",
                location.prefix,
                "must not start with '/' (S3 keys have no leading slash)",
            )
        problems.check(
            "automl" not in job_kinds or allow_deep_learning_containers,
            "allow_deep_learning_containers",
            allow_deep_learning_containers,
            "must be True with the 'automl' job kind: Autopilot's ensembling candidates run AWS Deep Learning "
            "Containers images (AutoGluon), which the role pulls",
        )
        needs_region = aws_image_repositories or allow_deep_learning_containers
        if needs_region:
            if is_unresolved(facts.region):
                problems.add(
                    "stack region",
                    "(unresolved token)",
                    "must be concrete to pull AWS images (the registry account depends on the region)",
                )
            if not is_unresolved(facts.region):
                if aws_image_repositories:
                    problems.check(
                        facts.region in SAGEMAKER_ALGORITHM_REGISTRIES,
                        "aws_image_repositories",
                        facts.region,
                        "has no SageMaker algorithm registry known for this region",
                    )
                if allow_deep_learning_containers:
                    problems.check(
                        facts.region in DEEP_LEARNING_CONTAINERS_REGISTRIES,
                        "allow_deep_learning_containers",
                        facts.region,
                        "has no Deep Learning Containers registry known for this region",
                    )
        for name in aws_image_repositories:
            problems.check_pattern(
                "aws_image_repositories",
                name,
                _REPOSITORY_NAME,
                "must be ECR repository names such as 'sagemaker-xgboost'",
            )
        problems.raise_if_any()

        self.job_kinds: tuple[str, ...] = tuple(dict.fromkeys(job_kinds))
        self.role = ManagedPolicyRole(
            self,
            "Resource",
            assumed_by=service_principal(self, "sagemaker.amazonaws.com"),
            description=description or f"SageMaker {', '.join(self.job_kinds)} jobs (constructs_lib JobRole)",
        )
        self._star_uses: list[str] = []
        self._remote_debug: iam.ManagedPolicy | None = None
        self._networks: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
        self._network = network
        self._shadow_endpoints: list[tuple[str, str | None]] = []
        self._add_logs_and_metrics(metric_namespaces)
        for location in inputs:
            self.add_input(location)
        for location in outputs:
            self.add_output(location)
        for key in encryption_keys:
            self.add_encryption_key(key)
        repositories = [repo.repository_arn for repo in ecr_repositories]
        if aws_image_repositories:
            account = SAGEMAKER_ALGORITHM_REGISTRIES[facts.region]
            repositories += [
                f"arn:{aws_partition()}:ecr:{facts.region}:{account}:repository/{name}"
                for name in aws_image_repositories
            ]
        if allow_deep_learning_containers:
            account = DEEP_LEARNING_CONTAINERS_REGISTRIES[facts.region]
            dlc = f"arn:{aws_partition()}:ecr:{facts.region}:{account}:repository/*"
            repositories.append(dlc)
            acknowledge_exact_wildcard(
                permissions_policy(self.role),
                "AWS Deep Learning Containers are many repositories of one AWS-owned registry account; "
                "pull-only access to that account's repositories in this region was asked for explicitly.",
                dlc,
            )
        if repositories:
            self._add_image_pull(repositories)
        if network is not None:
            self._add_vpc_access(network)
        if "automl" in self.job_kinds:
            self._add_automl_children()
        self.tracking_server = tracking_server
        if tracking_server is not None:
            tracking_server.grant_log_runs(self)
            if network is not None:
                network.require_endpoints(
                    self, ["sagemaker.experiments"], purpose="the jobs log runs to the MLflow tracking server"
                )
        acknowledge(
            permissions_policy(self.role),
            "Resource '*' only for actions that support no resource-level permissions: "
            + "; ".join(self._star_uses)
            + ".",
            "AwsSolutions-IAM5[Resource::*]",
        )

    # --- attributes ---------------------------------------------------------------------------------

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return read_once(self.role, "grant_principal")

    @property
    def role_arn(self) -> str:
        return read_once(self.role, "role_arn")

    @property
    def role_name(self) -> str:
        return self.role.role_name

    @property
    def policy(self) -> iam.ManagedPolicy:
        """The customer-managed policy holding this role's permissions."""
        return self.role.managed_policy

    # --- permissions ------------------------------------------------------------------------------

    def grant_pass_role(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` pass this role to SageMaker only (``iam:PassedToService``)."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["iam:PassRole"],
            resource_arns=[read_once(self.role, "role_arn")],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )

    def add_input(self, location: S3Location) -> None:
        """Let the jobs read the objects under ``location`` (and list that prefix only)."""
        bucket = location.bucket
        bucket_arn = read_once(bucket, "bucket_arn")
        objects = objects_arn(bucket, location.objects_pattern)
        prefixes = (location.prefix, location.objects_pattern) if location.prefix else ()
        add_statements(
            self.role,
            [
                objects_statement(bucket_arn, location.objects_pattern, S3_READ),
                list_prefix_statement(bucket_arn, *prefixes),
            ],
        )
        self._acknowledge_objects(objects, "read", location)
        if location.encryption_key is not None:
            self._add_key_via_s3(location.encryption_key, KMS_DECRYPT)

    def add_output(self, location: S3Location) -> None:
        """Let the jobs write objects under ``location`` (no reads, no deletes)."""
        objects = objects_arn(location.bucket, location.objects_pattern)
        self.role.add_to_policy(
            objects_statement(read_once(location.bucket, "bucket_arn"), location.objects_pattern, S3_WRITE)
        )
        self._acknowledge_objects(objects, "write", location)
        if location.encryption_key is not None:
            self._add_key_via_s3(location.encryption_key, KMS_ENCRYPT)

    def grant_remote_debug(self) -> iam.ManagedPolicy:
        """Let the SSM agent SageMaker starts in remote-debugging training containers
        (``TrainingJob(remote_debug=True)``) open its session channels: the four ``ssmmessages``
        actions, in a policy of their own (``RemoteDebug``) so that it is visible and removable.
        ``ssmmessages`` has no resource-level permissions (Resource ``*``, acknowledged on that
        policy only). ``MlPipeline`` calls this for its remote-debugging steps; granting again adds
        nothing. Who may start sessions is granted to people, not here (README "Remote debugging")."""
        if self._remote_debug is None:
            self._remote_debug = iam.ManagedPolicy(
                self,
                "RemoteDebug",
                description="SSM session channels of remote-debugging training containers",
                statements=[iam.PolicyStatement(actions=list(SSM_SESSION_CHANNEL_ACTIONS), resources=["*"])],
                roles=[as_role(self.role)],
            )
            acknowledge(
                self._remote_debug,
                "ssmmessages channel actions support no resource-level permissions (Service Authorization "
                "Reference); granted only because a training step opted in to remote debugging.",
                "AwsSolutions-IAM5[Resource::*]",
            )
        return self._remote_debug

    def grant_clarify_shadow_endpoints(self, *, endpoint_name_prefix: str, model_name: str | None) -> None:
        """Let SageMaker Clarify, running a model bias or explainability check as this role, serve
        ``model_name`` on a temporary (shadow) endpoint, ask it for predictions and delete it:
        ``CreateEndpointConfig``, ``CreateEndpoint``, ``DescribeEndpoint(Config)``, ``InvokeEndpoint``,
        ``DeleteEndpoint(Config)`` (and ``AddTags`` at creation) on the endpoints and configurations
        named ``<endpoint_name_prefix>...`` in this account and region only. The configuration may
        name this model only (``sagemaker:ModelArn``); ``model_name`` None (a name known at run time,
        e.g. a model the pipeline creates) allows the models of this account and region. With a
        ``network``, it must reach the SageMaker API and runtime. ``MlPipeline`` calls this for its
        Clarify model checks; granting the same again adds nothing."""
        grant = (endpoint_name_prefix, model_name)
        if grant in self._shadow_endpoints:
            return
        self._shadow_endpoints.append(grant)
        facts = stack_facts(self)
        base = f"arn:{aws_partition()}:sagemaker:{facts.region}:{facts.account}"
        prefix = endpoint_name_prefix if is_unresolved(endpoint_name_prefix) else endpoint_name_prefix.lower()
        endpoints, configs = f"{base}:endpoint/{prefix}*", f"{base}:endpoint-config/{prefix}*"
        model_part = "*" if model_name is None else model_name if is_unresolved(model_name) else model_name.lower()
        model = f"{base}:model/{model_part}"
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["sagemaker:CreateEndpointConfig"],
                resources=[configs],
                # IfExists: the key is the model of the configuration's variant; a request without
                # it (no variant) names no model to guard.
                conditions={"ArnLikeIfExists": {"sagemaker:ModelArn": model}},
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["sagemaker:DeleteEndpointConfig", "sagemaker:DescribeEndpointConfig"], resources=[configs]
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "sagemaker:CreateEndpoint",
                    "sagemaker:DeleteEndpoint",
                    "sagemaker:DescribeEndpoint",
                    "sagemaker:InvokeEndpoint",
                ],
                resources=[endpoints],
            )
        )
        # CreateEndpoint names the configuration it deploys; tags given at creation are AddTags.
        self.role.add_to_policy(iam.PolicyStatement(actions=["sagemaker:CreateEndpoint"], resources=[configs]))
        self.role.add_to_policy(iam.PolicyStatement(actions=["sagemaker:AddTags"], resources=[endpoints, configs]))
        for arn in (endpoints, configs):
            acknowledge_exact_wildcard(
                permissions_policy(self.role),
                "SageMaker Clarify names each model check's shadow endpoint and its configuration at run time, "
                f"after the check's endpoint_name_prefix {endpoint_name_prefix!r}; create, call, describe and "
                "delete only those, in this account and region.",
                arn,
            )
        if self._network is not None:
            self._network.require_endpoints(
                self,
                ["sagemaker.api", "sagemaker.runtime"],
                purpose="Clarify model checks start a shadow endpoint and ask it for predictions",
            )

    def add_image_repositories(self, repository_arns: Sequence[str]) -> None:
        """Let the jobs pull images of these ECR repositories (by ARN), e.g. the Debugger rule
        evaluator's, which rule jobs pull with the training job's role (``MlPipeline`` adds it)."""
        if repository_arns:
            self._add_image_pull(list(repository_arns))

    def add_encryption_key(self, key: kms.IKey) -> None:
        """Let the jobs encrypt volumes and outputs with ``key`` (grants only for AWS resources)."""
        key_arn = read_once(key, "key_arn")
        add_statements(
            self.role,
            [
                iam.PolicyStatement(actions=list(KMS_JOB_KEY_USE), resources=[key_arn]),
                iam.PolicyStatement(
                    actions=list(KMS_CREATE_GRANT),
                    resources=[key_arn],
                    conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
                ),
            ],
        )

    def _add_key_via_s3(self, key: kms.IKey, actions: Sequence[str]) -> None:
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=list(actions),
                resources=[read_once(key, "key_arn")],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{stack_facts(self).region}.amazonaws.com"}},
            )
        )

    def _acknowledge_objects(self, objects: str, verb: str, location: S3Location) -> None:
        acknowledge_exact_wildcard(
            permissions_policy(self.role),
            f"Jobs {verb} the objects under the prefix {location.prefix or '(whole bucket)'!r} they were given; "
            "object keys are created by each job run and cannot be listed in advance.",
            objects,
        )

    def _add_logs_and_metrics(self, extra_namespaces: Sequence[str]) -> None:
        stack = stack_facts(self)
        groups = list(
            dict.fromkeys(
                group for kind in self.job_kinds for group in (JOB_KINDS[kind], *_CHILD_LOG_GROUPS.get(kind, ()))
            )
        )
        base = f"arn:{aws_partition()}:logs:{stack.region}:{stack.account}:log-group:"
        group_arns = [f"{base}{group}:*" for group in groups]
        stream_arns = [f"{base}{group}:log-stream:*" for group in groups]
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup", "logs:DescribeLogStreams"],
                resources=[f"{base}{group}" for group in groups] + group_arns,
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=stream_arns)
        )
        for arn in group_arns:
            acknowledge_exact_wildcard(
                permissions_policy(self.role),
                "SageMaker's own job log group: the ':*' suffix is how IAM names a log group for "
                "CreateLogGroup and DescribeLogStreams.",
                arn,
            )
        for arn in stream_arns:
            acknowledge_exact_wildcard(
                permissions_policy(self.role),
                "Each job writes its own log streams (named after the job and host) in SageMaker's job "
                "log group; stream names are only known at run time.",
                arn,
            )
        namespaces = list(dict.fromkeys([*groups, *extra_namespaces]))
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": namespaces}},
            )
        )
        self._star_uses.append("cloudwatch:PutMetricData, limited to the jobs' namespaces (cloudwatch:namespace)")

    def _add_automl_children(self) -> None:
        """Autopilot creates its candidates' jobs as this role, passing the role on to them."""
        stack = stack_facts(self)
        base = f"arn:{aws_partition()}:sagemaker:{stack.region}:{stack.account}"
        for resource_type, actions in _AUTOML_CHILD_JOBS.items():
            resource = f"{base}:{resource_type}/*"
            self.role.add_to_policy(
                iam.PolicyStatement(
                    actions=["sagemaker:AddTags", *(f"sagemaker:{action}" for action in actions)],
                    resources=[resource],
                )
            )
            acknowledge_exact_wildcard(
                permissions_policy(self.role),
                f"Autopilot creates its candidates' {resource_type}s as the AutoML job's role, named after the "
                "AutoML job at run time; create, describe and stop only (models: also delete its own).",
                resource,
            )
        self.grant_pass_role(self.role)

    def _add_image_pull(self, repositories: list[str]) -> None:
        self.role.add_to_policy(iam.PolicyStatement(actions=_ECR_PULL, resources=repositories))
        self.role.add_to_policy(iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]))
        self._star_uses.append("ecr:GetAuthorizationToken (the registry login; pulls are limited per repository)")

    def _add_vpc_access(self, network: INetwork) -> None:
        self._star_uses.append("the EC2 Describe* calls SageMaker makes before attaching jobs to the VPC")
        self.grant_network_access(network)

    def grant_network_access(self, network: INetwork) -> None:
        """Let SageMaker attach this role's jobs to ``network``'s subnets and security groups
        (interfaces created there, managed only in its VPC), and say at synth what the jobs cannot
        reach there (S3). Granting the same network again adds nothing; ``MlPipeline`` calls this for
        the steps that run in a VPC as this role."""
        vpc_id = read_once(network.vpc, "vpc_id")
        subnets, groups = subnet_ids(network.subnets), security_group_ids(network.security_groups)
        key = (vpc_id, tuple(subnets), tuple(groups))
        if key in self._networks:
            return
        self._networks.append(key)
        network.require_endpoints(
            self, SAGEMAKER_JOB_ENDPOINTS, purpose="the jobs read their data and write their outputs in S3"
        )
        suffix = "" if len(self._networks) == 1 else str(len(self._networks))
        statements, interfaces = vpc_access_statements(
            self,
            vpc_id=vpc_id,
            subnet_ids=list(subnets),
            security_group_ids=list(groups),
            sid_prefix=f"JobNetwork{suffix}",
            principal=self.role,
        )
        add_statements(self.role, statements)
        if len(self._networks) == 1:  # the same wildcard ARN for every network (one finding)
            acknowledge_exact_wildcard(
                permissions_policy(self.role),
                "SageMaker creates and deletes a network interface per job instance; their ids are only known "
                "at run time, so the statement is limited to interfaces in the jobs' VPC (ec2:Vpc condition); "
                "the EC2 Describe* calls it makes first accept only '*'.",
                interfaces,
            )
