"""``MlflowTrackingServer``: a SageMaker managed MLflow tracking server for experiment tracking."""

from __future__ import annotations

import enum
import re

import jsii
from aws_cdk import IResource, Names, RemovalPolicy, Resource
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk.interfaces import aws_sagemaker as sagemaker_refs
from constructs import Construct
from typing_extensions import Protocol, runtime_checkable

from constructs_lib._core.arns import name_from_arn, sagemaker_arn
from constructs_lib._core.grants import KMS_ENCRYPT
from constructs_lib._core.jsii_types import as_role
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.roles import ManagedPolicyRole, permissions_policy
from constructs_lib._core.s3_access import list_prefix_statement, objects_arn, objects_statement, s3_uri
from constructs_lib._core.service_role import service_role
from constructs_lib._core.stack_facts import aws_partition, construct_path, read_once, stack_facts, stack_of
from constructs_lib._core.validation import Problems
from constructs_lib._core.wildcards import acknowledge_exact_wildcard, wildcard_resource_finding
from constructs_lib.foundation.secure_bucket import SecureBucket
from constructs_lib.inference.cost_summary import AlwaysOnCapacity

# The SageMaker API's patterns (CreateMlflowTrackingServer).
TRACKING_SERVER_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$")
MLFLOW_VERSION_PATTERN = re.compile(r"^\d+\.\d+(\.\d+)?$")
MAINTENANCE_WINDOW_PATTERN = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):([0-5]\d)$")
_PREFIX = re.compile(r"^[a-zA-Z0-9!_.*'()-]+(/[a-zA-Z0-9!_.*'()-]+)*$")

#: What ``grant_access`` allows on the server: every MLflow REST API action (experiments, runs,
#: metrics, artifacts, registered models, traces), and the pre-signed URL of the MLflow UI.
MLFLOW_ACCESS_ACTIONS: tuple[str, ...] = (
    "sagemaker-mlflow:*",
    "sagemaker:CreatePresignedMlflowTrackingServerUrl",
    "sagemaker:DescribeMlflowTrackingServer",
)

#: What ``grant_log_runs`` allows on the server: the MLflow REST calls a script makes to track runs
#: with the MLflow client (experiments, runs, params, metrics, tags, inputs and outputs, logged models,
#: artifact listing), as the Service Authorization Reference names them for ``sagemaker-mlflow``;
#: no deletes and no Model Registry writes.
MLFLOW_LOG_RUNS_ACTIONS: tuple[str, ...] = (
    "sagemaker-mlflow:CreateExperiment",
    "sagemaker-mlflow:CreateRun",
    "sagemaker-mlflow:FinalizeLoggedModel",
    "sagemaker-mlflow:GetExperiment",
    "sagemaker-mlflow:GetExperimentByName",
    "sagemaker-mlflow:GetLoggedModel",
    "sagemaker-mlflow:GetMetricHistory",
    "sagemaker-mlflow:GetRun",
    "sagemaker-mlflow:ListArtifacts",
    "sagemaker-mlflow:LogBatch",
    "sagemaker-mlflow:LogInputs",
    "sagemaker-mlflow:LogLoggedModelParams",
    "sagemaker-mlflow:LogMetric",
    "sagemaker-mlflow:LogModel",
    "sagemaker-mlflow:LogOutputs",
    "sagemaker-mlflow:LogParam",
    "sagemaker-mlflow:SearchExperiments",
    "sagemaker-mlflow:SearchLoggedModels",
    "sagemaker-mlflow:SearchRuns",
    "sagemaker-mlflow:SetExperimentTag",
    "sagemaker-mlflow:SetLoggedModelTags",
    "sagemaker-mlflow:SetTag",
    "sagemaker-mlflow:UpdateRun",
)

#: What automatic model registration needs: MLflow registers models in the SageMaker Model Registry.
_MODEL_REGISTRY_ACTIONS: tuple[str, ...] = (
    "sagemaker:AddTags",
    "sagemaker:CreateModelPackageGroup",
    "sagemaker:CreateModelPackage",
    "sagemaker:DescribeModelPackageGroup",
    "sagemaker:UpdateModelPackage",
)


class TrackingServerSize(enum.Enum):
    """Sizes of a tracking server; AWS recommends Small up to 25 users, Medium 50, Large 100."""

    SMALL = "Small"
    MEDIUM = "Medium"
    LARGE = "Large"


@runtime_checkable
class ITrackingServer(IResource, sagemaker_refs.IMlflowTrackingServerRef, Protocol):
    """A SageMaker managed MLflow tracking server: made here (``MlflowTrackingServer``) or imported
    (``MlflowTrackingServer.from_tracking_server_name`` / ``_arn``)."""

    @property
    def tracking_server_name(self) -> str: ...

    @property
    def tracking_server_arn(self) -> str:
        """What MLflow clients use as tracking URI with the sagemaker-mlflow plugin."""
        ...

    def grant_access(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def grant_log_runs(self, grantee: iam.IGrantable) -> iam.Grant:
        """Track runs on this server from a job: ``MLFLOW_LOG_RUNS_ACTIONS`` (and the artifact store,
        which the MLflow client writes directly, where the server knows it)."""
        ...


@jsii.implements(sagemaker_refs.IMlflowTrackingServerRef)
class TrackingServerBase(Resource):
    """What every tracking server offers, made here or imported: access for MLflow clients."""

    _name: str

    @property
    def tracking_server_name(self) -> str:
        return self._name

    @property
    def tracking_server_arn(self) -> str:
        raise NotImplementedError

    @property
    def mlflow_tracking_server_ref(self) -> sagemaker_refs.MlflowTrackingServerReference:
        return sagemaker_refs.MlflowTrackingServerReference(tracking_server_name=self.tracking_server_name)

    @property
    def _arn_for_policies(self) -> str:
        # Built from the name (not the GetAtt) so a grantee's policy needs no dependency on the server.
        # SageMaker writes resource names lower case in ARNs: a grant on the name as given (generated
        # names keep the construct path's capitals) would never match the server the UI calls.
        env = read_once(self, "env")
        return sagemaker_arn(
            self,
            "mlflow-tracking-server",
            self._name,
            region=env.region,
            account=env.account,
        )

    def grant_access(self, grantee: iam.IGrantable) -> iam.Grant:
        """Use the server: every MLflow API action on this server and its pre-signed UI URL, and list
        the servers (Studio's MLflow page does before opening one).

        The finding about the ``sagemaker-mlflow:*`` action is acknowledged on the grantee (when it
        is a construct): it is scoped to this one server's ARN.
        """
        grant = iam.Grant.add_to_principal(
            grantee=grantee, actions=list(MLFLOW_ACCESS_ACTIONS), resource_arns=[self._arn_for_policies]
        )
        # Studio's MLflow page lists the servers before opening one; the action has no resource type.
        listing = iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:ListMlflowTrackingServers"], resource_arns=["*"]
        )
        principal = grantee.grant_principal
        if isinstance(principal, Construct):
            acknowledge(
                principal,
                "All MLflow REST API actions (experiments, runs, models, traces: the list grows with MLflow "
                "releases), scoped to one tracking server's ARN.",
                "AwsSolutions-IAM5[Action::sagemaker-mlflow:*]",
            )
            acknowledge(
                principal,
                "sagemaker:ListMlflowTrackingServers has no resource type (AWS requires '*'); Studio's MLflow "
                "page lists the servers (names and status only) before opening one.",
                "AwsSolutions-IAM5[Resource::*]",
            )
        return grant.combine(listing)

    def grant_log_runs(self, grantee: iam.IGrantable) -> iam.Grant:
        """Track runs on this server with the MLflow client and the ``sagemaker-mlflow`` plugin (what a
        training or processing job's script does): ``MLFLOW_LOG_RUNS_ACTIONS`` on this server only. An
        imported server's artifact store is unknown here: grant the jobs write access to it yourself
        (the client uploads artifacts to S3 with the job's credentials)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(MLFLOW_LOG_RUNS_ACTIONS), resource_arns=[self._arn_for_policies]
        )


@jsii.implements(iam.IGrantable)
class MlflowTrackingServer(TrackingServerBase):
    """Defines a SageMaker managed MLflow tracking server (``AWS::SageMaker::MlflowTrackingServer``).

    Its artifacts go to a ``SecureBucket`` under ``artifact_prefix``; its role may only read and
    write that prefix (and, with automatic model registration, register models). ``grant_access``
    lets a role (such as Studio's execution role) use the server. The server keeps experiments,
    runs and metrics in its own store, so it is retained when the stack is deleted.

    It is an ``iam.IGrantable`` (the server's role). An existing server is imported with
    ``from_tracking_server_name`` or ``from_tracking_server_arn``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        artifact_bucket: s3.IBucket | None = None,
        artifact_prefix: str = "mlflow",
        tracking_server_name: str | None = None,
        size: TrackingServerSize | str = TrackingServerSize.SMALL,
        mlflow_version: str | None = None,
        weekly_maintenance_window_start: str = "Sun:03:00",
        automatic_model_registration: bool = False,
        role: iam.IRole | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param artifact_bucket: default, a new ``SecureBucket``; where runs store artifacts.
        :param artifact_prefix: default ``mlflow``; key prefix of the artifacts in the bucket.
        :param tracking_server_name: default, generated from the construct path (letters, digits, '-').
        :param size: default Small; ``TrackingServerSize`` or its value ('Small', 'Medium', 'Large').
        :param mlflow_version: default None: the version SageMaker offers by default at creation; a
            version such as ``"2.16.2"`` pins it.
        :param weekly_maintenance_window_start: default ``Sun:03:00``; day and UTC time weekly
            maintenance starts (``Mon``..``Sun``, ``HH:MM``).
        :param automatic_model_registration: default False; True registers MLflow models in the
            SageMaker Model Registry (the role may then create model packages).
        :param role: default, a new least-privilege role for the server; a given role must already
            allow the artifact bucket.
        :param removal_policy: default RETAIN; DESTROY deletes the server and its experiment data.
        """
        super().__init__(scope, construct_id, physical_name=tracking_server_name)
        problems = Problems(self, "MlflowTrackingServer")
        size_value = size.value if isinstance(size, TrackingServerSize) else size
        problems.check_one_of("size", size_value, [s.value for s in TrackingServerSize])
        if tracking_server_name is not None:
            problems.check_pattern(
                "tracking_server_name",
                tracking_server_name,
                TRACKING_SERVER_NAME_PATTERN,
                "must be 1-256 letters, digits or hyphens, start and end with a letter or digit",
            )
        if mlflow_version is not None:
            problems.check_pattern(
                "mlflow_version", mlflow_version, MLFLOW_VERSION_PATTERN, "must be an MLflow version such as '2.16.2'"
            )
        problems.check_pattern(
            "weekly_maintenance_window_start",
            weekly_maintenance_window_start,
            MAINTENANCE_WINDOW_PATTERN,
            "must be 'Ddd:HH:MM' in UTC with Ddd one of Mon, Tue, Wed, Thu, Fri, Sat, Sun (such as 'Sun:03:00')",
        )
        problems.check_pattern(
            "artifact_prefix",
            artifact_prefix,
            _PREFIX,
            "must be an S3 key prefix without leading or trailing '/' (such as 'mlflow')",
        )
        problems.raise_if_any()

        self._name = (
            tracking_server_name or Names.unique_resource_name(self, max_length=63, separator="-").strip("-").lower()
        )
        self.artifact_bucket = artifact_bucket or SecureBucket(self, "Artifacts")
        self.artifact_prefix = artifact_prefix
        self.size = TrackingServerSize(size_value)
        self.role: iam.IRole = role or as_role(self._new_role(automatic_model_registration))

        self._resource = sagemaker.CfnMlflowTrackingServer(
            self,
            "Resource",
            tracking_server_name=self._name,
            artifact_store_uri=s3_uri(self.artifact_bucket, artifact_prefix),
            role_arn=self.role.role_arn,
            tracking_server_size=self.size.value,
            mlflow_version=mlflow_version,
            weekly_maintenance_window_start=weekly_maintenance_window_start,
            automatic_model_registration=automatic_model_registration,
        )
        self._resource.apply_removal_policy(removal_policy)
        if isinstance(self.role, ManagedPolicyRole):
            # SageMaker checks the artifact store with the role when it creates the server.
            self._resource.node.add_dependency(permissions_policy(self.role))

    @property
    def tracking_server_arn(self) -> str:
        """The server's ARN (what MLflow clients use as tracking URI with the sagemaker-mlflow plugin)."""
        return self._resource.attr_tracking_server_arn

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The server's role: what it reads and writes the artifact store (and the registry) as."""
        return self.role

    @classmethod
    def from_tracking_server_name(
        cls, scope: Construct, construct_id: str, tracking_server_name: str
    ) -> ITrackingServer:
        """An existing tracking server of this stack's account and region, by name."""
        return _ImportedTrackingServer(
            scope,
            construct_id,
            name=tracking_server_name,
            arn=sagemaker_arn(scope, "mlflow-tracking-server", tracking_server_name),
        )

    @classmethod
    def from_tracking_server_arn(cls, scope: Construct, construct_id: str, tracking_server_arn: str) -> ITrackingServer:
        """An existing tracking server by ARN."""
        return _ImportedTrackingServer(
            scope, construct_id, name=name_from_arn(tracking_server_arn), arn=tracking_server_arn
        )

    def grant_log_runs(self, grantee: iam.IGrantable) -> iam.Grant:
        """Track runs on this server (``MLFLOW_LOG_RUNS_ACTIONS``) and write and read the run artifacts
        under the server's artifact prefix: the MLflow client uploads them to S3 itself, with the
        grantee's credentials (with the bucket's key through S3 only)."""
        grant = super().grant_log_runs(grantee)
        bucket, prefix = self.artifact_bucket, self.artifact_prefix
        objects = objects_arn(bucket, f"{prefix}/*")
        principal = grantee.grant_principal
        principal.add_to_principal_policy(
            objects_statement(bucket.bucket_arn, f"{prefix}/*", ["s3:GetObject", "s3:PutObject"])
        )
        principal.add_to_principal_policy(list_prefix_statement(bucket.bucket_arn, prefix, f"{prefix}/*"))
        key = bucket.encryption_key
        if key is not None:
            principal.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=list(KMS_ENCRYPT),
                    resources=[key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"s3.{stack_facts(bucket).region}.amazonaws.com"}},
                )
            )
        if isinstance(principal, Construct):
            acknowledge_exact_wildcard(
                principal,
                "MLflow writes each run's artifacts as new objects under the tracking server's artifact prefix; "
                "read and write there only, no deletes.",
                objects,
            )
        return grant

    def always_on_capacity(self) -> list[AlwaysOnCapacity]:
        """The server runs (and is billed per hour by size) from creation until it is stopped or deleted."""
        return [AlwaysOnCapacity(f"MLflow tracking server ({self.size.value})", f"mlflow.{self.size.value}", 1)]

    def _new_role(self, automatic_model_registration: bool) -> ManagedPolicyRole:
        stack = stack_of(self)
        facts = stack_facts(stack)
        role = service_role(
            self,
            "Role",
            service="sagemaker.amazonaws.com",
            description=f"MLflow tracking server {construct_path(self)}: artifact store access",
        )
        bucket, prefix = self.artifact_bucket, self.artifact_prefix
        objects = objects_arn(bucket, f"{prefix}/*")
        role.add_to_policy(
            objects_statement(
                bucket.bucket_arn,
                f"{prefix}/*",
                ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                sid="ReadWriteArtifacts",
            )
        )
        role.add_to_policy(list_prefix_statement(bucket.bucket_arn, prefix, f"{prefix}/*", sid="ListArtifacts"))
        role.add_to_policy(
            iam.PolicyStatement(sid="LocateBucket", actions=["s3:GetBucketLocation"], resources=[bucket.bucket_arn])
        )
        if bucket.encryption_key is not None:  # none for a bucket with S3-managed encryption
            bucket.encryption_key.grant(role, *KMS_ENCRYPT)
        if stack_of(bucket) is stack:  # a bucket of another stack: acknowledge where the stacks are composed
            acknowledge(
                role,
                "MLflow stores each run's artifacts as objects under the server's own prefix.",
                wildcard_resource_finding(role, objects),
            )
        if automatic_model_registration:
            registry = [
                f"arn:{aws_partition()}:sagemaker:{facts.region}:{facts.account}:model-package-group/*",
                f"arn:{aws_partition()}:sagemaker:{facts.region}:{facts.account}:model-package/*",
            ]
            role.add_to_policy(
                iam.PolicyStatement(sid="RegisterModels", actions=list(_MODEL_REGISTRY_ACTIONS), resources=registry)
            )
            acknowledge(
                role,
                "Automatic model registration creates a model package group per MLflow registered model, "
                "named by the data scientist at run time; the grant is limited to the registry of this account.",
                *(wildcard_resource_finding(role, arn) for arn in registry),
            )
        return role


class _ImportedTrackingServer(TrackingServerBase):
    def __init__(self, scope: Construct, construct_id: str, *, name: str, arn: str) -> None:
        super().__init__(scope, construct_id, environment_from_arn=arn)
        self._name = name
        self._arn = arn

    @property
    def tracking_server_arn(self) -> str:
        return self._arn
