"""``StudioDomain``: a SageMaker Studio domain that data scientists can use and nothing can leak from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import jsii
from aws_cdk import Duration, IResource, Names, RemovalPolicy, Resource
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk.interfaces import aws_sagemaker as sagemaker_refs
from constructs import Construct
from typing_extensions import Protocol, TypedDict, runtime_checkable

from constructs_lib._core import durations
from constructs_lib._core.arns import sagemaker_arn
from constructs_lib._core.durations import in_minutes
from constructs_lib._core.jsii_types import as_key, as_role
from constructs_lib._core.service_model import check_shape
from constructs_lib._core.stack_facts import construct_path
from constructs_lib._core.validation import Problems, is_unresolved, whole
from constructs_lib._core.vpc_access import security_group_ids, subnet_ids
from constructs_lib.foundation.encryption_key import EncryptionKey
from constructs_lib.foundation.instance_type import InstanceType
from constructs_lib.foundation.network import NOTEBOOK_ENDPOINTS, INetwork
from constructs_lib.studio.app_type import StudioAppType
from constructs_lib.studio.studio_execution_role import StudioExecutionRole
from constructs_lib.studio.studio_lifecycle_config import StudioLifecycleConfig
from constructs_lib.studio.studio_space import IDLE_TIMEOUT_SHAPE, StudioSpace
from constructs_lib.studio.studio_teardown import StudioTeardown
from constructs_lib.studio.studio_user_profile import AuthMode, StudioUserProfile


class AppNetworkAccessType(StrEnum):
    """How a Studio domain's apps reach the network (botocore ``AppNetworkAccessType``)."""

    #: All Studio traffic stays in the domain's VPC (the default).
    VPC_ONLY = "VpcOnly"
    #: Apps reach the internet through SageMaker (needs ``allow_public_internet=True``).
    PUBLIC_INTERNET_ONLY = "PublicInternetOnly"


@dataclass(frozen=True)
class IdleShutdown:
    """Idle shutdown of JupyterLab and Code Editor apps (SageMaker's ``AppLifecycleManagement``).

    Users may set their own timeout between ``min_timeout`` and ``max_timeout``. Every value is
    a whole number of minutes from 60 minutes to 365 days (525600 minutes).
    """

    #: Apps idle this long are shut down.
    timeout: Duration = durations.minutes(60)
    #: Lowest timeout a user may choose.
    min_timeout: Duration = durations.minutes(60)
    #: Highest timeout a user may choose.
    max_timeout: Duration = durations.minutes(240)
    #: False leaves apps running until users stop them (not recommended).
    enabled: bool = True


@dataclass(frozen=True)
class NotebookSharing:
    """Where Studio puts notebooks users share, encrypted with a KMS key."""

    bucket: s3.IBucket
    #: Key prefix of the shared notebooks in the bucket.
    prefix: str = "studio-sharing/"
    #: Default, the bucket's key.
    encryption_key: kms.IKey | None = None
    #: Share cell outputs too (they may hold data): default False.
    include_output: bool = False


class _LifecycleSettings(TypedDict, total=False):
    """The lifecycle configuration fields shared by the JupyterLab and Code Editor app settings."""

    lifecycle_config_arns: list[str]
    default_resource_spec: sagemaker.CfnDomain.ResourceSpecProperty | None


@runtime_checkable
class IStudioDomain(IResource, sagemaker_refs.IDomainRef, ec2.IConnectable, Protocol):
    """A SageMaker Studio domain: made here (``StudioDomain``) or imported
    (``StudioDomain.from_domain_attributes``). Its ``connections`` are its apps' security groups."""

    @property
    def domain_id(self) -> str: ...

    @property
    def domain_arn(self) -> str: ...

    @property
    def home_efs_file_system_id(self) -> str | None:
        """The domain's home EFS volume (None when an imported domain was given none)."""
        ...

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def grant_sign_in(self, grantee: iam.IGrantable, user_profile_name: str) -> iam.Grant: ...


@jsii.implements(sagemaker_refs.IDomainRef, ec2.IConnectable)
class StudioDomainBase(Resource):
    """What every Studio domain offers, made here or imported: its network and grants."""

    _connections: ec2.Connections

    @property
    def domain_id(self) -> str:
        raise NotImplementedError

    @property
    def domain_arn(self) -> str:
        raise NotImplementedError

    @property
    def home_efs_file_system_id(self) -> str | None:
        raise NotImplementedError

    @property
    def domain_ref(self) -> sagemaker_refs.DomainReference:
        return sagemaker_refs.DomainReference(domain_arn=self.domain_arn, domain_id=self.domain_id)

    @property
    def connections(self) -> ec2.Connections:
        """The security groups of the domain's apps: allow them to reach a database, or a service to them."""
        return self._connections

    def _member_arn(self, resource_type: str, name: str) -> str:
        return sagemaker_arn(
            self, resource_type, f"{self.domain_id}/{name}", region=self.env.region, account=self.env.account
        )

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Describe the domain and its user profiles, spaces and apps (the listing calls have no
        resource-level permissions: grant them separately where listing is needed)."""
        domain = iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:DescribeDomain"], resource_arns=[self.domain_arn]
        )
        members = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:DescribeApp", "sagemaker:DescribeSpace", "sagemaker:DescribeUserProfile"],
            resource_arns=[
                self._member_arn("app", "*"),
                self._member_arn("space", "*"),
                self._member_arn("user-profile", "*"),
            ],
        )
        return domain.combine(members)

    def grant_sign_in(self, grantee: iam.IGrantable, user_profile_name: str) -> iam.Grant:
        """Let ``grantee`` (a person's IAM role) open Studio as the profile ``user_profile_name`` of this
        domain (``sagemaker:CreatePresignedDomainUrl``, which the console also uses; IAM domains)."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:CreatePresignedDomainUrl"],
            resource_arns=[self._member_arn("user-profile", user_profile_name)],
        )


@jsii.implements(iam.IGrantable)
class StudioDomain(StudioDomainBase):
    """Defines a SageMaker Studio domain, closed to the internet, with idle shutdown and safe teardown.

    Secure by default: VPC-only networking in the given private subnets and security group, IAM
    authentication (IAM Identity Center as an option), the home EFS and space volumes encrypted with
    a customer-managed key, a least-privilege execution role that forces the jobs users start into
    the VPC with encrypted volumes, Docker off, notebook sharing off unless a bucket is given, the
    user's profile name as the source identity of every session, the domain's tags propagated to the
    spaces and apps users create, and JupyterLab and Code Editor apps shut down after 60 idle minutes.

    Deleting the stack works even while users have apps running: a custom resource deletes the
    domain's apps and the profiles created in Studio first, and only when the domain is really
    deleted with the stack. Spaces users created keep their volumes unless ``delete_user_spaces``
    (the deletion stops and lists them). SageMaker keeps the home EFS volume of a deleted domain;
    ``home_efs_removal=RemovalPolicy.DESTROY`` deletes it too (an explicit opt-in).

    It is an ``iam.IGrantable`` (its default execution role, what users' notebooks and jobs run as)
    and an ``ec2.IConnectable`` (its apps' security group). An existing domain is imported with
    ``from_domain_attributes``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        network: INetwork,
        domain_name: str | None = None,
        name_prefix: str | None = None,
        encryption_key: kms.IKey | None = None,
        log_key: kms.IKey | None = None,
        auth_mode: AuthMode = AuthMode.IAM,
        app_network_access_type: AppNetworkAccessType = AppNetworkAccessType.VPC_ONLY,
        allow_public_internet: bool = False,
        execution_role: iam.IRole | StudioExecutionRole | None = None,
        buckets: Sequence[s3.IBucket] = (),
        read_only_buckets: Sequence[s3.IBucket] = (),
        require_network_isolation: bool = False,
        require_inter_container_encryption: bool = False,
        idle_shutdown: IdleShutdown = IdleShutdown(),
        lifecycle_configs: Sequence[StudioLifecycleConfig] = (),
        sharing: NotebookSharing | None = None,
        docker_access: bool = False,
        safe_teardown: bool = True,
        home_efs_removal: RemovalPolicy = RemovalPolicy.RETAIN,
        delete_user_spaces: bool = False,
        teardown_replaced_domain: bool = False,
        log_retention_days: int = 365,
    ) -> None:
        """
        :param network: where Studio's apps run: its VPC, subnets (1 to 16) and security groups (1 to
            5). In ``VpcOnly`` mode without an internet route it needs the S3 gateway and the
            ``sagemaker.api`` and ``sagemaker.runtime`` endpoints (with ``safe_teardown`` also
            ``cloudformation``).
        :param domain_name: default, a unique name from the construct path; 1-63 letters, digits, '-'.
        :param name_prefix: default, the domain name in lowercase (a unique name from the construct
            path without one); the jobs and models users create with the default execution role
            must be named ``<name_prefix>-...`` (``StudioExecutionRole``).
        :param encryption_key: default, a new ``EncryptionKey``; encrypts the home EFS volume, the
            spaces' EBS volumes and the volumes of jobs started from Studio. Changing it replaces the domain.
        :param log_key: default ``encryption_key``; encrypts the teardown function's log group.
        :param auth_mode: default ``AuthMode.IAM``; ``AuthMode.SSO`` for IAM Identity Center (every user profile then
            needs ``sso_user_name``; Identity Center must be enabled in the region).
        :param app_network_access_type: default ``VPC_ONLY``; ``PUBLIC_INTERNET_ONLY`` gives apps
            internet access through SageMaker and needs ``allow_public_internet=True``.
        :param allow_public_internet: default False; the explicit opt-in for ``PublicInternetOnly``.
        :param execution_role: default, a new ``StudioExecutionRole`` for ``buckets`` and the key.
        :param buckets: default none; buckets the default execution role may read and write.
        :param read_only_buckets: default none; buckets the default execution role may only read.
        :param require_network_isolation: default False; the default role denies jobs and models
            created without network isolation.
        :param require_inter_container_encryption: default False; the default role denies jobs
            without inter-container traffic encryption.
        :param idle_shutdown: default, apps stop after 60 idle minutes (users may choose 60 to 240).
        :param lifecycle_configs: default none; scripts users can run when JupyterLab or Code
            Editor apps start (``run_by_default`` ones always run).
        :param sharing: default, notebook sharing off; a bucket and prefix for shared notebooks.
        :param docker_access: default False; True lets apps build and run Docker containers.
        :param safe_teardown: default True; when the domain is deleted with its stack, a custom
            resource first deletes its apps and the profiles created in Studio. Removing it, renaming
            it or a rolled-back update touches nothing. Its handlers need the ``sagemaker.api`` and
            ``cloudformation`` interface endpoints in isolated subnets.
        :param home_efs_removal: default RETAIN (SageMaker keeps the home EFS volume when the
            domain is deleted); DESTROY deletes it with the domain (needs ``safe_teardown``).
        :param delete_user_spaces: default False: spaces users created in Studio keep their EBS
            volumes (users' work) and stop the teardown, which fails the stack deletion listing
            them; True deletes them with their volumes (needs ``safe_teardown``).
        :param teardown_replaced_domain: default False: when an update replaces the domain (a new
            key, new subnets...), the old domain is left alone and CloudFormation's deletion of it
            fails while it holds apps or spaces; True tears the old domain down too (warn its users
            first; needs ``safe_teardown``).
        :param log_retention_days: default 365; retention of the teardown function's logs.
        """
        super().__init__(scope, construct_id, physical_name=domain_name)
        problems = Problems(self, "StudioDomain")
        if domain_name is not None:
            problems.check_sagemaker_name("domain_name", domain_name)
        check_shape(problems, "auth_mode", auth_mode, "CreateDomainRequest.AuthMode")
        if check_shape(
            problems, "app_network_access_type", app_network_access_type, "CreateDomainRequest.AppNetworkAccessType"
        ):
            problems.check(
                app_network_access_type == AppNetworkAccessType.VPC_ONLY or allow_public_internet,
                "app_network_access_type",
                app_network_access_type,
                "PublicInternetOnly gives Studio apps internet access: set allow_public_internet=True to opt in",
            )
        subnets, security_groups = network.subnets, network.security_groups
        problems.check(1 <= len(subnets) <= 16, "network.subnets", len(subnets), "must list 1 to 16 subnets")
        problems.check(
            1 <= len(security_groups) <= 5, "network.security_groups", len(security_groups), "must list 1 to 5"
        )
        self._check_idle_shutdown(problems, idle_shutdown)
        defaults = [c.app_type for c in lifecycle_configs if c.run_by_default]
        problems.check(
            len(defaults) == len(set(defaults)),
            "lifecycle_configs",
            defaults,
            "at most one run_by_default configuration per app type",
        )
        problems.check(
            home_efs_removal != RemovalPolicy.DESTROY or safe_teardown,
            "home_efs_removal",
            home_efs_removal,
            "DESTROY needs safe_teardown=True (the teardown deletes the home EFS volume)",
        )
        for prop, value in (
            ("delete_user_spaces", delete_user_spaces),
            ("teardown_replaced_domain", teardown_replaced_domain),
        ):
            problems.check(not value or safe_teardown, prop, value, "needs safe_teardown=True (the teardown does it)")
        problems.check(
            home_efs_removal in (RemovalPolicy.RETAIN, RemovalPolicy.DESTROY),
            "home_efs_removal",
            home_efs_removal,
            "must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY",
        )
        problems.check_log_retention_days("log_retention_days", log_retention_days)
        if sharing is not None:
            problems.check(
                not sharing.prefix.startswith("/") and len(sharing.prefix) <= 900,
                "sharing.prefix",
                sharing.prefix,
                "must be a key prefix such as 'studio-sharing/' (no leading '/')",
            )
        problems.raise_if_any()

        if app_network_access_type == "VpcOnly":
            network.require_endpoints(
                self, NOTEBOOK_ENDPOINTS, purpose="Studio apps in VpcOnly mode use S3 and SageMaker"
            )
        self.network = network
        self._connections = ec2.Connections(security_groups=list(network.security_groups))
        self.auth_mode = auth_mode
        self.idle_shutdown = idle_shutdown
        self._require_network_isolation = require_network_isolation
        self._require_inter_container_encryption = require_inter_container_encryption
        self.name_prefix = (
            name_prefix
            or (
                domain_name
                or Names.unique_resource_name(self, max_length=32, separator="-", allowed_special_characters="-")
            ).lower()
        )
        self._profiles: dict[str, StudioUserProfile] = {}
        self._spaces: dict[str, StudioSpace] = {}

        if encryption_key is None:
            encryption_key = as_key(EncryptionKey(self, "Key", description=f"{construct_path(self)} Studio volumes"))
        self.encryption_key: kms.IKey = encryption_key
        if execution_role is None:
            execution_role = self.new_execution_role(
                "ExecutionRole", buckets=buckets, read_only_buckets=read_only_buckets
            )
        self.default_execution_role = execution_role if isinstance(execution_role, StudioExecutionRole) else None
        self.execution_role: iam.IRole = (
            as_role(execution_role.role) if isinstance(execution_role, StudioExecutionRole) else execution_role
        )

        sharing_settings = sagemaker.CfnDomain.SharingSettingsProperty(notebook_output_option="Disabled")
        if sharing is not None:
            sharing_settings = self._sharing_settings(sharing)
        app_lifecycle = self._app_lifecycle(idle_shutdown)
        jupyter_lab = sagemaker.CfnDomain.JupyterLabAppSettingsProperty(
            app_lifecycle_management=app_lifecycle,
            **self._lifecycle_settings(lifecycle_configs, StudioAppType.JUPYTER_LAB),
        )
        code_editor = sagemaker.CfnDomain.CodeEditorAppSettingsProperty(
            app_lifecycle_management=app_lifecycle,
            **self._lifecycle_settings(lifecycle_configs, StudioAppType.CODE_EDITOR),
        )

        self.resource = sagemaker.CfnDomain(
            self,
            "Resource",
            domain_name=domain_name
            or Names.unique_resource_name(self, max_length=63, separator="-", allowed_special_characters="-"),
            auth_mode=str(auth_mode),
            app_network_access_type=str(app_network_access_type),
            vpc_id=network.vpc.vpc_id,
            subnet_ids=subnet_ids(subnets),
            kms_key_id=self.encryption_key.key_arn,
            # Spaces and apps users create carry the domain's tags (cost allocation).
            tag_propagation="ENABLED",
            default_user_settings=sagemaker.CfnDomain.UserSettingsProperty(
                execution_role=self.execution_role.role_arn,
                security_groups=security_group_ids(security_groups),
                sharing_settings=sharing_settings,
                jupyter_lab_app_settings=jupyter_lab,
                code_editor_app_settings=code_editor,
                studio_web_portal="ENABLED",
                default_landing_uri="studio::",
            ),
            default_space_settings=sagemaker.CfnDomain.DefaultSpaceSettingsProperty(
                execution_role=self.execution_role.role_arn,
                security_groups=security_group_ids(security_groups),
                jupyter_lab_app_settings=jupyter_lab,
            ),
            domain_settings=sagemaker.CfnDomain.DomainSettingsProperty(
                docker_settings=sagemaker.CfnDomain.DockerSettingsProperty(
                    enable_docker_access="ENABLED" if docker_access else "DISABLED"
                ),
                execution_role_identity_config="USER_PROFILE_NAME",
            ),
        )
        if isinstance(execution_role, StudioExecutionRole):
            execution_role.allow_studio_domain(self.domain_id)

        self.teardown: StudioTeardown | None = None
        if safe_teardown:
            self.teardown = StudioTeardown(
                self,
                "Teardown",
                domain=self.resource,
                network=network,
                encryption_key=self.encryption_key,
                log_key=log_key if log_key is not None else None,
                delete_home_efs=home_efs_removal == RemovalPolicy.DESTROY,
                delete_user_spaces=delete_user_spaces,
                teardown_replaced_domain=teardown_replaced_domain,
                log_retention_days=log_retention_days,
            )

    # -- attributes -------------------------------------------------------------------------------

    @property
    def domain_id(self) -> str:
        return self.resource.attr_domain_id

    @property
    def domain_arn(self) -> str:
        return self.resource.attr_domain_arn

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The domain's default execution role (profiles with a role of their own are granted apart)."""
        return self.execution_role

    @property
    def url(self) -> str:
        """The domain's Studio URL (users sign in through the console or a presigned URL)."""
        return self.resource.attr_url

    @property
    def home_efs_file_system_id(self) -> str:
        return self.resource.attr_home_efs_file_system_id

    # -- imports ----------------------------------------------------------------------------------

    @classmethod
    def from_domain_attributes(
        cls,
        scope: Construct,
        construct_id: str,
        *,
        domain_id: str,
        domain_arn: str | None = None,
        home_efs_file_system_id: str | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] = (),
    ) -> IStudioDomain:
        """An existing domain.

        :param domain_id: the domain's id (``d-...``).
        :param domain_arn: default, the ARN of ``domain_id`` in this stack's account and region.
        :param home_efs_file_system_id: default none; its home EFS volume, for consumers that mount it.
        :param security_groups: default none; its apps' security groups (``connections``).
        """
        return _ImportedStudioDomain(
            scope,
            construct_id,
            domain_id=domain_id,
            domain_arn=domain_arn or sagemaker_arn(scope, "domain", domain_id),
            home_efs_file_system_id=home_efs_file_system_id,
            security_groups=security_groups,
        )

    @property
    def user_profiles(self) -> dict[str, StudioUserProfile]:
        return dict(self._profiles)

    @property
    def spaces(self) -> dict[str, StudioSpace]:
        return dict(self._spaces)

    # -- members ----------------------------------------------------------------------------------

    def add_user_profile(
        self,
        user_profile_name: str,
        *,
        sso_user_name: str | None = None,
        execution_role: iam.IRole | StudioExecutionRole | None = None,
    ) -> StudioUserProfile:
        """Add a user profile; it uses the domain's execution role unless given its own (see
        ``new_execution_role``). In an SSO domain, ``sso_user_name`` is the user's Identity Center name."""
        problems = Problems(self, "StudioDomain")
        problems.check(
            user_profile_name not in self._profiles,
            "add_user_profile(user_profile_name)",
            user_profile_name,
            "is already a user profile of this domain: names must be unique",
        )
        problems.raise_if_any()
        if isinstance(execution_role, StudioExecutionRole):
            execution_role.allow_studio_domain(self.domain_id)
        role = as_role(execution_role.role) if isinstance(execution_role, StudioExecutionRole) else execution_role
        profile = StudioUserProfile(
            self,
            f"UserProfile-{user_profile_name}",
            domain_id=self.domain_id,
            user_profile_name=user_profile_name,
            auth_mode=self.auth_mode,
            sso_user_name=sso_user_name,
            execution_role=role,
            security_groups=self.network.security_groups if role is not None else (),
        )
        self._profiles[user_profile_name] = profile
        if self.teardown is not None:
            self.teardown.protect(profile.resource, user_profile_name=user_profile_name)
        return profile

    def add_space(
        self,
        space_name: str,
        *,
        owner: StudioUserProfile | str,
        app_type: StudioAppType = StudioAppType.JUPYTER_LAB,
        display_name: str | None = None,
        ebs_volume_size_gb: int | None = None,
        idle_timeout: Duration | None = None,
        instance_type: InstanceType | str | None = None,
    ) -> StudioSpace:
        """Add a space shared by the domain's users, owned by ``owner`` (a profile of this domain)."""
        problems = Problems(self, "StudioDomain")
        problems.check(
            space_name not in self._spaces,
            "add_space(space_name)",
            space_name,
            "is already a space of this domain: names must be unique",
        )
        owner_name = owner if isinstance(owner, str) else owner.user_profile_name
        problems.check(
            self._profiles.get(owner_name) is not None
            and (isinstance(owner, str) or self._profiles[owner_name] is owner),
            "add_space(owner)",
            owner_name,
            f"must be a user profile of this domain: {sorted(self._profiles)}",
        )
        problems.raise_if_any()
        space = StudioSpace(
            self,
            f"Space-{space_name}",
            domain_id=self.domain_id,
            space_name=space_name,
            owner=self._profiles[owner_name],
            app_type=app_type,
            display_name=display_name,
            ebs_volume_size_gb=ebs_volume_size_gb,
            idle_timeout=idle_timeout,
            instance_type=instance_type,
        )
        self._spaces[space_name] = space
        if self.teardown is not None:
            self.teardown.protect(space.resource, space_name=space_name)
        return space

    def new_execution_role(
        self,
        construct_id: str,
        *,
        buckets: Sequence[s3.IBucket] = (),
        read_only_buckets: Sequence[s3.IBucket] = (),
        keys: Sequence[kms.IKey] = (),
    ) -> StudioExecutionRole:
        """A ``StudioExecutionRole`` with this domain's network and job guardrails, for a profile
        that needs other buckets than the domain's default role (``add_user_profile(execution_role=...)``)."""
        return StudioExecutionRole(
            self,
            construct_id,
            network=self.network,
            volume_key=self.encryption_key,
            name_prefix=self.name_prefix,
            buckets=buckets,
            read_only_buckets=read_only_buckets,
            encryption_keys=keys,
            require_network_isolation=self._require_network_isolation,
            require_inter_container_encryption=self._require_inter_container_encryption,
        )

    # -- helpers ----------------------------------------------------------------------------------

    @staticmethod
    def _check_idle_shutdown(problems: Problems, idle: IdleShutdown) -> None:
        minutes: dict[str, float] = {}
        for prop in ("timeout", "min_timeout", "max_timeout"):
            value: float = getattr(idle, prop).to_minutes(integral=False)
            if check_shape(problems, f"idle_shutdown.{prop} (minutes)", value, IDLE_TIMEOUT_SHAPE):
                minutes[prop] = value
        if len(minutes) == 3 and not is_unresolved(list(minutes.values())):
            problems.check(
                minutes["min_timeout"] <= minutes["timeout"] <= minutes["max_timeout"],
                "idle_shutdown (minutes)",
                (minutes["min_timeout"], minutes["timeout"], minutes["max_timeout"]),
                "must satisfy min_timeout <= timeout <= max_timeout",
            )

    @staticmethod
    def _app_lifecycle(idle: IdleShutdown) -> sagemaker.CfnDomain.AppLifecycleManagementProperty:
        if not idle.enabled:
            settings = sagemaker.CfnDomain.IdleSettingsProperty(lifecycle_management="DISABLED")
        else:
            settings = sagemaker.CfnDomain.IdleSettingsProperty(
                lifecycle_management="ENABLED",
                idle_timeout_in_minutes=whole(in_minutes(idle.timeout)),
                min_idle_timeout_in_minutes=whole(in_minutes(idle.min_timeout)),
                max_idle_timeout_in_minutes=whole(in_minutes(idle.max_timeout)),
            )
        return sagemaker.CfnDomain.AppLifecycleManagementProperty(idle_settings=settings)

    def _lifecycle_settings(
        self, configs: Sequence[StudioLifecycleConfig], app_type: StudioAppType
    ) -> _LifecycleSettings:
        mine = [c for c in configs if c.app_type == app_type]
        if not mine:
            return {}
        default = next((c for c in mine if c.run_by_default), None)
        return {
            "lifecycle_config_arns": [c.lifecycle_config_arn for c in mine],
            "default_resource_spec": sagemaker.CfnDomain.ResourceSpecProperty(
                lifecycle_config_arn=default.lifecycle_config_arn
            )
            if default
            else None,
        }

    def _sharing_settings(self, sharing: NotebookSharing) -> sagemaker.CfnDomain.SharingSettingsProperty:
        bucket = sharing.bucket
        key = sharing.encryption_key or bucket.encryption_key or self.encryption_key
        if self.default_execution_role is not None:
            self.default_execution_role.grant_bucket(bucket, prefix=sharing.prefix)
            self.default_execution_role.grant_key(key)
        return sagemaker.CfnDomain.SharingSettingsProperty(
            notebook_output_option="Allowed" if sharing.include_output else "Disabled",
            s3_output_path=bucket.s3_url_for_object(sharing.prefix),
            s3_kms_key_id=key.key_arn,
        )


class _ImportedStudioDomain(StudioDomainBase):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_id: str,
        domain_arn: str,
        home_efs_file_system_id: str | None,
        security_groups: Sequence[ec2.ISecurityGroup],
    ) -> None:
        super().__init__(scope, construct_id, environment_from_arn=domain_arn)
        self._id = domain_id
        self._arn = domain_arn
        self._home_efs = home_efs_file_system_id
        self._connections = ec2.Connections(security_groups=list(security_groups))

    @property
    def domain_id(self) -> str:
        return self._id

    @property
    def domain_arn(self) -> str:
        return self._arn

    @property
    def home_efs_file_system_id(self) -> str | None:
        return self._home_efs
