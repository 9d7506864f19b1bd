"""``Model``: a SageMaker model (``AWS::SageMaker::Model``) from images and artifacts or a model package."""

from __future__ import annotations

import gzip
import re
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, cast

import jsii
from aws_cdk import CfnResource, IResource, Resource
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from constructs_lib._core.endpoint_logs import (
    ENDPOINT_INSTANCE_METRICS_NAMESPACE as ENDPOINT_INSTANCE_METRICS_NAMESPACE,
)
from constructs_lib._core.endpoint_logs import grant_endpoint_logs_and_metrics
from constructs_lib._core.grants import KMS_DECRYPT, S3_READ
from constructs_lib._core.imported import sagemaker_name_and_arn
from constructs_lib._core.packaging import archive_members, staged_asset_file
from constructs_lib._core.roles import add_statements
from constructs_lib._core.s3_access import grant_objects
from constructs_lib._core.service_model import check_shape
from constructs_lib._core.service_role import service_role
from constructs_lib._core.stack_facts import construct_path, read_once, remember_place
from constructs_lib._core.validation import ConstructValidationError, Problems, is_unresolved
from constructs_lib._core.vpc_access import security_group_ids, subnet_ids, vpc_access_statements
from constructs_lib._core.wildcards import acknowledge_exact_wildcard
from constructs_lib.foundation._runtime_contracts import MODEL_PACKAGE_SOURCES_METADATA
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.foundation.network import FEATURE_STORE_RUNTIME_ENDPOINT, SAGEMAKER_JOB_ENDPOINTS, INetwork
from constructs_lib.platform.feature_group import IFeatureGroup

_ENV_KEY = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_MODEL_PACKAGE_ARN = re.compile(
    r"^arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:model-package/[a-zA-Z0-9]([a-zA-Z0-9-]){0,62}(?<!-)(/[0-9]{1,9})?$"
)
#: A container's members in botocore's model (their limits are checked from there).
_CONTAINER = "CreateModelInput.PrimaryContainer"
#: An endpoint name (botocore ``EndpointName``), or a prefix of one followed by ``*``.
_ENDPOINT_NAME = re.compile(r"^([a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}|[a-zA-Z0-9][a-zA-Z0-9-]{0,62}\*)$")


class ModelData:
    """Model artifacts in S3: one ``model.tar.gz``, or a prefix (ending in '/') for multi-model mode;
    or a local ``model.tar.gz`` or folder that ``cdk deploy`` uploads (``from_asset``)."""

    def __init__(
        self, bucket: s3.IBucket | None, key: str, encryption_key: kms.IKey | None, *, path: Path | None = None
    ) -> None:
        """Use ``from_bucket`` or ``from_asset``."""
        self._bucket = bucket
        self._key = key
        self.encryption_key = encryption_key
        self._path = path

    @staticmethod
    def from_bucket(bucket: s3.IBucket, key: str) -> ModelData:
        """``s3://<bucket>/<key>``; the model's role may read it (and decrypt with the bucket's key)."""
        return ModelData(bucket, key, read_once(bucket, "encryption_key"))

    @staticmethod
    def from_asset(path: str) -> ModelData:
        """A local ``model.tar.gz``, or a folder packaged as one (deterministically: the same files
        give the same archive and asset hash), uploaded by ``cdk deploy`` into the bootstrap bucket
        when a ``Model`` uses it; the model's role may read exactly that object.

        :param path: a gzip-compressed tar (``.tar.gz``) or a folder of model files, absolute or
            relative to the working directory of ``cdk synth``.
        """
        resolved = Path(path).expanduser().resolve()
        problems = Problems("ModelData.from_asset", "ModelData")
        if problems.check(resolved.exists(), "path", path, "must be an existing .tar.gz file or folder"):
            if resolved.is_dir():
                problems.check(bool(archive_members(resolved)), "path", path, "must hold at least one file")
            else:
                problems.check(
                    resolved.name.endswith(".tar.gz") and _is_gzip_tar(resolved),
                    "path",
                    path,
                    "must be a gzip-compressed tar archive (model.tar.gz) or a folder to package as one",
                )
        problems.raise_if_any()
        return ModelData(None, "model.tar.gz", None, path=resolved)

    @property
    def bucket(self) -> s3.IBucket:
        if self._bucket is None:
            raise self._unbound()
        return self._bucket

    @property
    def key(self) -> str:
        if self._path is not None and self._bucket is None:
            raise self._unbound()
        return self._key

    @property
    def is_asset(self) -> bool:
        """True for a local artifact (``from_asset``): one ``.tar.gz`` object named by its hash."""
        return self._path is not None

    def bind(self, scope: Construct) -> None:
        """Upload a local artifact as an asset of ``scope``'s stack (once per scope); ``Model`` calls it."""
        if self._path is None:
            return
        path, digest = staged_asset_file(self._path, "model.tar.gz")
        asset = scope.node.try_find_child(f"ModelData{digest}")
        if not isinstance(asset, s3_assets.Asset):
            asset = s3_assets.Asset(scope, f"ModelData{digest}", path=str(path))
        self._bucket, self._key = asset.bucket, asset.s3_object_key

    def _unbound(self) -> ConstructValidationError:
        return ConstructValidationError(
            f"ModelData.from_asset({str(self._path)!r}): is uploaded by the Model that serves it "
            "(Model(containers=[ContainerDefinition(model_data=...)])); use it there"
        )

    @property
    def is_prefix(self) -> bool:
        return self.key.endswith("/")

    @property
    def s3_url(self) -> str:
        return f"s3://{read_once(self.bucket, 'bucket_name')}/{self.key}"

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """``s3:GetObject`` on the artifact (or every object under the prefix) and ``kms:Decrypt``."""
        return grant_objects(
            grantee,
            self.bucket,
            f"{self.key}*" if self.is_prefix else self.key,
            S3_READ,
            key=self.encryption_key,
            kms_actions=KMS_DECRYPT,
            why="multi-model artifacts loaded by name on request",
        )


@dataclass(frozen=True)
class ModelPackageSources:
    """Where registered model packages keep what a model built from them loads.

    A model created from a model package version gets its artifacts and image from the registry at
    run time: only the registry knows them, so its role cannot be granted them from the package ARN.
    Declare where the versions' artifacts (an S3 prefix, ``ModelData.from_bucket(bucket, "models/")``)
    and images can be: the role may read exactly those, and the run-time contract check (see
    ``add_compliance_checks``) proves it at synth.

    :param model_data: the artifacts' prefixes (keys ending in '/') or objects, with their keys.
    :param images: the inference images the versions name.
    """

    model_data: Sequence[ModelData] = ()
    images: Sequence[ContainerImage] = ()

    def grant_read(self, grantee: iam.IGrantable) -> None:
        """Read the artifacts (and decrypt them with their buckets' keys) and pull the images."""
        for data in self.model_data:
            data.grant_read(grantee)
        for image in self.images:
            image.grant_pull(grantee)

    def record(self, resource: CfnResource, key: str | None = None) -> None:
        """Record the sources in ``resource``'s template metadata, where the run-time contract check
        reads them (``key``: a pipeline step's name)."""
        entry = {
            "ModelDataUrls": [d.s3_url for d in self.model_data],
            "Images": [i.bind(resource) for i in self.images],
        }
        existing: dict[str, Any] = resource.get_metadata(MODEL_PACKAGE_SOURCES_METADATA) or {}
        merged: dict[str, Any] = (
            {k: [*existing.get(k, []), *v] for k, v in entry.items()} if key is None else {**existing, key: entry}
        )
        resource.add_metadata(MODEL_PACKAGE_SOURCES_METADATA, merged)


@dataclass(frozen=True)
class ContainerDefinition:
    """One container of a model: an image (with optional artifacts) or a model package version.

    :param image: the inference image; required unless ``model_package_arn`` is given.
    :param model_data: default None; the artifacts (``ModelData.from_bucket``). A prefix ending in
        '/' for multi-model mode, a ``.tar.gz`` otherwise.
    :param model_package_arn: default None; a versioned model package from the registry
        (``arn:...:model-package/<group>/<version>``) instead of image and artifacts; give
        ``model_package_sources`` so the role can load them.
    :param model_package_sources: default None; with ``model_package_arn``: where the registry's
        versions keep their artifacts and images (``ModelPackageSources``); the role may read them.
        Without it synth fails (the run-time contract check) unless acknowledged.
    :param environment: default none; environment variables (no secrets: they are visible in the API).
    :param hostname: default, chosen by SageMaker; the container's name in an inference pipeline or
        for direct invocation (``TargetContainerHostname``).
    :param multi_model: default False; host many models from the ``model_data`` prefix (``Mode: MultiModel``).
    :param model_cache: default True; multi-model mode only: cache loaded models.
    """

    image: ContainerImage | None = None
    model_data: ModelData | None = None
    model_package_arn: str | None = None
    model_package_sources: ModelPackageSources | None = None
    environment: Mapping[str, str] = field(default_factory=dict[str, str])
    hostname: str | None = None
    multi_model: bool = False
    model_cache: bool = True


class InferenceExecutionMode(StrEnum):
    """How the containers of a multi-container model are invoked."""

    #: An inference pipeline: each request goes through every container in order.
    SERIAL = "Serial"
    #: Each request names one container (``TargetContainerHostname``).
    DIRECT = "Direct"


class IModel(IResource, iam.IGrantable, Protocol):
    """A SageMaker model: its own (``Model``) or an existing one (``Model.from_model_name``). As an
    ``iam.IGrantable`` its grant principal is its execution role: ``ModelData.grant_read(model)``."""

    @property
    def model_name(self) -> str: ...

    @property
    def model_arn(self) -> str: ...

    @property
    def role(self) -> iam.IRole | None:
        """The execution role; None for an import that was not given it."""
        ...


@jsii.implements(iam.IGrantable)
class _ModelBase(Resource):
    """The ``from_*`` imports shared by ``Model`` and imported models."""

    @classmethod
    def from_model_name(cls, scope: Construct, construct_id: str, model_name: str) -> IModel:
        """An existing model by name (no role: grants to it add nothing, with a warning)."""
        return cls.from_model_attributes(scope, construct_id, model_name=model_name)

    @classmethod
    def from_model_arn(cls, scope: Construct, construct_id: str, model_arn: str) -> IModel:
        """An existing model by ARN."""
        return cls.from_model_attributes(scope, construct_id, model_arn=model_arn)

    @classmethod
    def from_model_attributes(
        cls,
        scope: Construct,
        construct_id: str,
        *,
        model_name: str | None = None,
        model_arn: str | None = None,
        role: iam.IRole | None = None,
    ) -> IModel:
        """An existing model.

        :param model_name: required unless ``model_arn`` is given.
        :param model_arn: default, the ARN of ``model_name`` in the scope's account and region.
        :param role: default none; its execution role, which grants to the model then go to.
        """
        return _ImportedModel(scope, construct_id, model_name=model_name, model_arn=model_arn, role=role)


class _ImportedModel(_ModelBase):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_name: str | None,
        model_arn: str | None,
        role: iam.IRole | None,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems(self, "Model import")
        problems.check(
            model_name is not None or model_arn is not None, "model_name", None, "give model_name or model_arn"
        )
        if model_name is not None:
            check_shape(problems, "model_name", model_name, "CreateModelInput.ModelName")
        problems.raise_if_any()
        self._name, self._arn = sagemaker_name_and_arn(self, "model", model_name, model_arn)
        self._role = role

    @property
    def model_name(self) -> str:
        return self._name

    @property
    def model_arn(self) -> str:
        return self._arn

    @property
    def role(self) -> iam.IRole | None:
        return self._role

    @property
    def grant_principal(self) -> iam.IPrincipal:
        if self._role is not None:
            return read_once(self._role, "grant_principal")
        # pyright reads jsii's parameter names into the protocols: UnknownPrincipal is an IPrincipal.
        return cast(iam.IPrincipal, iam.UnknownPrincipal(resource=self))


@jsii.implements(iam.IGrantable, ec2.IConnectable)
class Model(_ModelBase):
    """Defines a SageMaker model: one or more containers, an execution role, a VPC and network isolation.

    Secure by default: containers run with network isolation (no calls in or out of the container),
    the model's ENIs sit in the given VPC's private subnets, and the new execution role may only
    pull its images, read its artifacts and write its endpoint logs.

    An ``iam.IGrantable`` (its role is the grant principal: ``bucket.grant_read(model)``) and, in a
    VPC, an ``ec2.IConnectable`` (its security groups: ``model.connections.allow_to(...)``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        containers: Sequence[ContainerDefinition],
        network: INetwork | None,
        network_isolation: bool = True,
        inference_execution_mode: InferenceExecutionMode | None = None,
        role: iam.IRole | None = None,
        model_name: str | None = None,
        endpoint_names: Sequence[str] | None = None,
        reads_features: Sequence[IFeatureGroup] = (),
    ) -> None:
        """
        :param containers: one container, or 2 to 15 for an inference pipeline or direct invocation.
        :param network: required; the network whose subnets and security groups (1 to 5) the model's
            interfaces go in (without an internet route it needs the S3 gateway). Pass ``None``
            explicitly to run outside a VPC, which serverless endpoints require.
        :param network_isolation: default True: containers can make no network calls. Serverless
            endpoints require False.
        :param inference_execution_mode: default ``SERIAL`` for several containers; only with 2 or more.
        :param role: default, a new least-privilege execution role. A given role must be a
            ``ManagedPolicyRole`` or an immutable import that already has the permissions.
        :param model_name: default, generated by CloudFormation (recommended: a change replaces the model).
        :param endpoint_names: default, any endpoint's (the role may write to every
            ``/aws/sagemaker/Endpoints/*`` log group); the names of the endpoints that serve this model,
            or a prefix ending in ``*`` (``ml-platform-dev-*``): SageMaker writes an endpoint's container
            logs to ``/aws/sagemaker/Endpoints/<endpoint name>`` with the model's role, which may then
            write only those. Environments sharing an account should pass their name prefix.
        :param reads_features: default none; feature groups whose online records the containers read at
            prediction time (``GetRecord``, ``BatchGetRecord`` and the online store key's ``kms:Decrypt``,
            each group's ``grant_read_records``). Reading features is a call out of the container,
            which network isolation forbids: such a model needs ``network_isolation=False``, given
            explicitly, and a network with the ``sagemaker.featurestore-runtime`` endpoint (or an internet route).
        """
        super().__init__(scope, construct_id)
        remember_place(self, scope, construct_id)
        # Each image's URI in this stack (an asset image is built here the first time it is used).
        self._image_uris: list[str | None] = [c.image.bind(self) if c.image is not None else None for c in containers]
        for c in containers:  # local artifacts become assets of this stack
            if isinstance(c.model_data, ModelData):
                c.model_data.bind(self)
        self._validate(containers, network, inference_execution_mode, model_name)
        self._validate_feature_reads(reads_features, network_isolation)
        if endpoint_names is not None:
            problems = Problems(self, "Model")
            problems.check(
                len(endpoint_names) > 0,
                "endpoint_names",
                list(endpoint_names),
                "must name at least one endpoint (or leave it out: any endpoint's log group)",
            )
            for name in endpoint_names:
                problems.check(
                    is_unresolved(name) or bool(_ENDPOINT_NAME.match(name)),
                    "endpoint_names",
                    name,
                    "must be an endpoint name (1-63 letters, digits or hyphens, starting with a letter "
                    "or digit), optionally ending in '*' for a prefix",
                )
            problems.raise_if_any()
        self.endpoint_names: tuple[str, ...] | None = tuple(endpoint_names) if endpoint_names is not None else None

        self.containers: tuple[ContainerDefinition, ...] = tuple(containers)
        self.network_isolation = network_isolation
        self.in_vpc = network is not None
        self.multi_model = any(c.multi_model for c in containers)
        self.inference_execution_mode = (
            (inference_execution_mode or InferenceExecutionMode.SERIAL) if len(containers) > 1 else None
        )
        # ``cast``: pyright reads jsii's parameter names into the protocols (a ManagedPolicyRole is an IRole).
        self._role: iam.IRole = role or cast(
            iam.IRole,
            service_role(
                self,
                "Role",
                service="sagemaker.amazonaws.com",
                description=f"Execution role of SageMaker model {construct_path(self)}",
            ),
        )
        self._grant_runtime_permissions()
        #: The feature groups whose online records the containers read.
        self.reads_features: tuple[IFeatureGroup, ...] = tuple(reads_features)
        for group in self.reads_features:
            group.grant_read_records(self.role)

        vpc_config = None
        self._connections: ec2.Connections | None = None
        if network is not None:
            network.require_endpoints(
                self, SAGEMAKER_JOB_ENDPOINTS, purpose="the model's containers download its artifacts from S3"
            )
            if self.reads_features:
                network.require_endpoints(
                    self,
                    (FEATURE_STORE_RUNTIME_ENDPOINT,),
                    purpose="the model's containers read online features (Feature Store GetRecord)",
                )
            subnets, groups = network.subnets, network.security_groups
            self._connections = ec2.Connections(security_groups=groups)
            vpc_config = sagemaker.CfnModel.VpcConfigProperty(
                subnets=subnet_ids(subnets), security_group_ids=security_group_ids(groups)
            )
            self._grant_network_interfaces(read_once(network.vpc, "vpc_id"), subnets, groups)

        definitions = [self._container_property(c, uri) for c, uri in zip(containers, self._image_uris, strict=True)]
        self.resource = sagemaker.CfnModel(
            self,
            "Resource",
            execution_role_arn=self.role.role_arn,
            primary_container=definitions[0] if len(definitions) == 1 else None,
            containers=definitions if len(definitions) > 1 else None,
            inference_execution_config=sagemaker.CfnModel.InferenceExecutionConfigProperty(
                mode=self.inference_execution_mode.value
            )
            if self.inference_execution_mode
            else None,
            vpc_config=vpc_config,
            enable_network_isolation=network_isolation,
            model_name=model_name,
        )
        # The role's policy must exist before SageMaker checks the artifacts and images.
        self.resource.node.add_dependency(self.role)
        for c in containers:
            if c.model_package_sources is not None:
                c.model_package_sources.record(self.resource)

    def serve_model_packages(self, sources: ModelPackageSources) -> None:
        """Let the model serve model package versions whose artifacts and images are in ``sources``
        (for a model whose ``ModelPackageName`` is set later, e.g. by a stack parameter): the role may
        read them, and the run-time contract check knows where they are."""
        sources.grant_read(self.role)
        sources.record(self.resource)

    @property
    def model_name(self) -> str:
        return self.resource.attr_model_name

    @property
    def model_arn(self) -> str:
        return self.resource.ref

    @property
    def role(self) -> iam.IRole:
        """The execution role (given, or the new least-privilege one)."""
        return self._role

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return read_once(self._role, "grant_principal")

    @property
    def connections(self) -> ec2.Connections:
        """The model's security groups (a model outside a VPC has none to manage)."""
        if self._connections is None:
            raise ConstructValidationError(
                f"Model '{construct_path(self)}': connections: the model runs outside a VPC (vpc=None); give it a vpc "
                "to manage its network access"
            )
        return self._connections

    @property
    def images(self) -> tuple[ContainerImage, ...]:
        return tuple(c.image for c in self.containers if c.image is not None)

    @property
    def uses_model_package(self) -> bool:
        return any(c.model_package_arn for c in self.containers)

    def _validate(
        self,
        containers: Sequence[ContainerDefinition],
        network: INetwork | None,
        mode: InferenceExecutionMode | None,
        model_name: str | None,
    ) -> None:
        problems = Problems(self, "Model")
        problems.check(len(containers) >= 1, "containers", len(containers), "must hold at least 1 container")
        check_shape(problems, "containers", list(containers), "CreateModelInput.Containers", shown=len(containers))
        for i, c in enumerate(containers):
            self._validate_container(problems, f"containers[{i}]", c, self._image_uris[i])
        multi = [i for i, c in enumerate(containers) if c.multi_model]
        problems.check(
            not multi or len(containers) == 1,
            "containers[].multi_model",
            multi,
            "multi-model mode needs a single container (not an inference pipeline)",
        )
        hostnames = [c.hostname for c in containers if c.hostname]
        problems.check_unique("containers[].hostname", hostnames)
        if mode is not None:
            problems.check(
                len(containers) > 1,
                "inference_execution_mode",
                mode.value,
                "applies to models with 2 or more containers only",
            )
        if network is not None:
            problems.check(
                1 <= len(network.security_groups) <= 5,
                "network.security_groups",
                len(network.security_groups),
                "must hold 1 to 5 security groups",
            )
        if model_name is not None:
            problems.check(bool(model_name), "model_name", model_name, "must not be empty")
            check_shape(problems, "model_name", model_name, "CreateModelInput.ModelName")
        problems.raise_if_any()

    def _validate_feature_reads(self, groups: Sequence[IFeatureGroup], network_isolation: bool) -> None:
        problems = Problems(self, "Model")
        for group in groups:
            problems.check(
                hasattr(group, "grant_read_records") and hasattr(group, "feature_group_name"),
                "reads_features",
                type(group).__name__,
                "must be IFeatureGroups (a FeatureGroup, or FeatureGroup.from_feature_group_name(...))",
            )
        problems.check_unique(
            "reads_features", [g.feature_group_name for g in groups if hasattr(g, "feature_group_name")]
        )
        problems.check(
            not groups or not network_isolation,
            "network_isolation",
            network_isolation,
            "a model that reads features (reads_features) calls the Feature Store runtime from its containers, "
            "which network isolation forbids: pass network_isolation=False explicitly (the containers may then "
            "make network calls, within the network's security groups and endpoints)",
        )
        problems.raise_if_any()

    @staticmethod
    def _validate_container(problems: Problems, where: str, c: ContainerDefinition, uri: str | None) -> None:
        if c.model_package_arn is not None:
            problems.check(
                c.image is None and c.model_data is None,
                f"{where}.model_package_arn",
                c.model_package_arn,
                "comes with its own image and artifacts: do not also give image or model_data",
            )
            problems.check_pattern(
                f"{where}.model_package_arn",
                c.model_package_arn,
                _MODEL_PACKAGE_ARN,
                "must be a model package ARN such as arn:aws:sagemaker:eu-west-1:123456789012:model-package/group/3",
            )
        else:
            problems.check(c.image is not None, f"{where}.image", None, "is required (or give model_package_arn)")
            problems.check(
                c.model_package_sources is None,
                f"{where}.model_package_sources",
                "ModelPackageSources",
                "applies with model_package_arn only",
            )
        if uri is not None and not is_unresolved(uri):
            check_shape(problems, f"{where}.image", uri, f"{_CONTAINER}.Image")
        if c.hostname is not None:
            problems.check_sagemaker_name(f"{where}.hostname", c.hostname)
        check_shape(
            problems, f"{where}.environment", dict(c.environment), f"{_CONTAINER}.Environment", shown=len(c.environment)
        )
        bad_keys = [k for k in c.environment if not _ENV_KEY.match(k) or len(k.encode()) > 1024]
        problems.check(
            not bad_keys,
            f"{where}.environment",
            bad_keys,
            "names must be letters, digits and '_' (not starting with a digit), at most 1024 bytes",
        )
        long_values = [k for k, v in c.environment.items() if not is_unresolved(v) and len(str(v).encode()) > 1024]
        problems.check(not long_values, f"{where}.environment", long_values, "values must be at most 1024 bytes")
        data = c.model_data
        if c.multi_model:
            problems.check(
                data is not None and data.is_prefix,
                f"{where}.model_data",
                data.key if data else None,
                "multi-model mode needs an S3 prefix ending in '/' that holds the models",
            )
        else:
            problems.check(c.model_cache, f"{where}.model_cache", c.model_cache, "applies to multi-model mode only")
            if data is not None and not data.is_asset and not is_unresolved(data.key):
                problems.check(
                    data.key.endswith(".tar.gz"),
                    f"{where}.model_data",
                    data.key,
                    "must be a gzip-compressed tar archive (key ending in '.tar.gz')",
                )
        if data is not None and not is_unresolved(data.key):
            problems.check(
                bool(data.key) and not data.key.startswith("/"),
                f"{where}.model_data",
                data.key,
                "must be an object key without a leading '/'",
            )

    def _container_property(
        self, c: ContainerDefinition, uri: str | None
    ) -> sagemaker.CfnModel.ContainerDefinitionProperty:
        return sagemaker.CfnModel.ContainerDefinitionProperty(
            image=uri,
            model_data_url=c.model_data.s3_url if c.model_data else None,
            model_package_name=c.model_package_arn,
            environment=dict(c.environment) or None,
            container_hostname=c.hostname,
            mode="MultiModel" if c.multi_model else None,
            multi_model_config=sagemaker.CfnModel.MultiModelConfigProperty(
                model_cache_setting="Enabled" if c.model_cache else "Disabled"
            )
            if c.multi_model
            else None,
        )

    def _grant_runtime_permissions(self) -> None:
        for c in self.containers:
            if c.image is not None:
                c.image.bind(self, self.role)
            if c.model_data is not None:
                c.model_data.grant_read(self.role)
            if c.model_package_sources is not None:
                c.model_package_sources.grant_read(self.role)
        grant_endpoint_logs_and_metrics(self.role, self.endpoint_names)

    def _grant_network_interfaces(
        self, vpc_id: str, subnets: list[ec2.ISubnet], groups: list[ec2.ISecurityGroup]
    ) -> None:
        """The ENI permissions SageMaker documents for models in a VPC (``_core/vpc_access``):
        creation in the model's subnets and groups only, interface management in this VPC only."""
        statements, interfaces = vpc_access_statements(
            self,
            vpc_id=vpc_id,
            subnet_ids=subnet_ids(subnets),
            security_group_ids=security_group_ids(groups),
            sid_prefix="ModelNetwork",
            principal=self.role,
        )
        add_statements(self.role, statements)
        if isinstance(self.role, iam.Role):
            acknowledge_exact_wildcard(
                self.role,
                "SageMaker creates and deletes the model's ENIs, whose ids are not known in advance; "
                "creation is limited to the model's subnets and security groups, management to this VPC.",
                interfaces,
            )


def _is_gzip_tar(path: Path) -> bool:
    """True when ``path`` is a gzip-compressed tar archive (what SageMaker unpacks into /opt/ml/model)."""
    try:
        with gzip.open(path) as stream, tarfile.open(fileobj=stream, mode="r:") as archive:
            archive.next()
    except (OSError, tarfile.TarError, EOFError):
        return False
    return True
