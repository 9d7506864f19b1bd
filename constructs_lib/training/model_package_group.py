"""``ModelPackageGroup``: a model registry entry (versions of one model), with approval events."""

from __future__ import annotations

import re
from collections.abc import Sequence

import jsii
from aws_cdk import IResource, RemovalPolicy, Resource
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk.interfaces import aws_sagemaker as sagemaker_refs
from constructs import Construct
from typing_extensions import Protocol, runtime_checkable

from constructs_lib._core.arns import name_from_arn, sagemaker_arn
from constructs_lib._core.grants import KMS_DECRYPT
from constructs_lib._core.jsii_types import as_principals
from constructs_lib._core.queues import require_dead_letter_and_retry
from constructs_lib._core.s3_access import objects_arn
from constructs_lib._core.stack_facts import read_once, stack_facts
from constructs_lib._core.validation import Problems, is_unresolved
from constructs_lib.inference.model import ModelPackageSources
from constructs_lib.training.pipeline.values import ModelApprovalStatus

_ACCOUNT = re.compile(r"^\d{12}$")
_STATE_CHANGE = "SageMaker Model Package State Change"


@runtime_checkable
class IModelPackageGroup(IResource, sagemaker_refs.IModelPackageGroupRef, Protocol):
    """A model package group in the model registry: made here (``ModelPackageGroup``) or imported
    (``ModelPackageGroup.from_model_package_group_name`` / ``_arn``)."""

    @property
    def model_package_group_name(self) -> str: ...

    @property
    def model_package_group_arn(self) -> str: ...

    @property
    def model_packages_arn(self) -> str:
        """ARN pattern of the group's versions (``...:model-package/<group name>/*``)."""
        ...

    @property
    def sources(self) -> ModelPackageSources | None:
        """Where the versions' artifacts and images are (None: not declared)."""
        ...

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def grant_register(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def grant_approve(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def on_state_change(
        self,
        construct_id: str,
        *,
        approval_statuses: Sequence[ModelApprovalStatus] | None = None,
        target: events.IRuleTarget | None = None,
        description: str | None = None,
        scope: Construct | None = None,
    ) -> events.Rule: ...

    def on_approved(
        self,
        construct_id: str,
        *,
        target: events.IRuleTarget | None = None,
        description: str | None = None,
        scope: Construct | None = None,
    ) -> events.Rule: ...

    def on_rejected(
        self,
        construct_id: str,
        *,
        target: events.IRuleTarget | None = None,
        description: str | None = None,
        scope: Construct | None = None,
    ) -> events.Rule: ...


@jsii.implements(sagemaker_refs.IModelPackageGroupRef)
class ModelPackageGroupBase(Resource):
    """What every model package group offers, made here or imported: grants and approval events."""

    @property
    def model_package_group_name(self) -> str:
        raise NotImplementedError

    @property
    def model_package_group_arn(self) -> str:
        raise NotImplementedError

    @property
    def sources(self) -> ModelPackageSources | None:
        return None

    @property
    def model_package_group_ref(self) -> sagemaker_refs.ModelPackageGroupReference:
        return sagemaker_refs.ModelPackageGroupReference(model_package_group_arn=self.model_package_group_arn)

    @property
    def model_packages_arn(self) -> str:
        """ARN pattern of the group's versions: ``...:model-package/<group name, lower case>/*``."""
        env = read_once(self, "env")
        return sagemaker_arn(
            self,
            "model-package",
            f"{self.model_package_group_name}/*",
            region=env.region,
            account=env.account,
        )

    # --- grants -------------------------------------------------------------------------------------

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Describe the group and its versions (``ListModelPackages`` has no resource-level
        permissions: grant it separately where listing is needed)."""
        group = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:DescribeModelPackageGroup"],
            resource_arns=[self.model_package_group_arn],
        )
        versions = iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:DescribeModelPackage"], resource_arns=[self.model_packages_arn]
        )
        return group.combine(versions)

    def grant_register(self, grantee: iam.IGrantable) -> iam.Grant:
        """Register new versions into the group (and tag and describe them)."""
        read = self.grant_read(grantee)
        register = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:AddTags", "sagemaker:CreateModelPackage"],
            resource_arns=[self.model_package_group_arn, self.model_packages_arn],
        )
        return read.combine(register)

    def grant_approve(self, grantee: iam.IGrantable) -> iam.Grant:
        """Approve or reject versions (``sagemaker:UpdateModelPackage``)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:UpdateModelPackage"], resource_arns=[self.model_packages_arn]
        )

    # --- events -------------------------------------------------------------------------------------

    def on_state_change(
        self,
        construct_id: str,
        *,
        approval_statuses: Sequence[ModelApprovalStatus] | None = None,
        target: events.IRuleTarget | None = None,
        description: str | None = None,
        scope: Construct | None = None,
    ) -> events.Rule:
        """An EventBridge rule on "SageMaker Model Package State Change" events of this group.

        :param approval_statuses: default any; ``ModelApprovalStatus`` values to match.
        :param target: default none (add targets to the returned rule). Every target needs a
            dead-letter queue and a retry policy (``dead_letter_queue=``, ``retry_attempts=``,
            ``max_event_age=``): synth fails otherwise, since an undeliverable approval would be lost.
        :param scope: default this group; give a construct of the consuming stack to keep the rule
            (and its targets' permissions) there.
        """
        statuses = list(approval_statuses) if approval_statuses is not None else None
        problems = Problems(self, "ModelPackageGroup")
        if statuses is not None:
            problems.check(bool(statuses), "approval_statuses", statuses, "must name at least one status")
            for status in statuses:
                problems.check_one_of("approval_statuses", status, ModelApprovalStatus)
        problems.raise_if_any()
        detail: dict[str, list[str]] = {"ModelPackageGroupName": [self.model_package_group_name]}
        if statuses is not None:
            detail["ModelApprovalStatus"] = [str(status) for status in statuses]
        rule = events.Rule(
            scope or self,
            construct_id,
            description=description or f"Model package state changes of {self.model_package_group_name}",
            event_pattern=events.EventPattern(source=["aws.sagemaker"], detail_type=[_STATE_CHANGE], detail=detail),
        )
        if target is not None:
            rule.add_target(target)
        require_dead_letter_and_retry(rule)  # also for targets added to the returned rule later
        return rule

    def on_approved(
        self,
        construct_id: str,
        *,
        target: events.IRuleTarget | None = None,
        description: str | None = None,
        scope: Construct | None = None,
    ) -> events.Rule:
        """An EventBridge rule matching versions of this group that become ``Approved``."""
        return self.on_state_change(
            construct_id,
            approval_statuses=[ModelApprovalStatus.APPROVED],
            target=target,
            description=description or f"Approved versions of {self.model_package_group_name}",
            scope=scope,
        )

    def on_rejected(
        self,
        construct_id: str,
        *,
        target: events.IRuleTarget | None = None,
        description: str | None = None,
        scope: Construct | None = None,
    ) -> events.Rule:
        """An EventBridge rule matching versions of this group that become ``Rejected``."""
        return self.on_state_change(
            construct_id,
            approval_statuses=[ModelApprovalStatus.REJECTED],
            target=target,
            description=description or f"Rejected versions of {self.model_package_group_name}",
            scope=scope,
        )


class ModelPackageGroup(ModelPackageGroupBase):
    """Defines a SageMaker model package group: the versions of one model in the model registry.

    Retained when its stack is deleted (the registry is the model's audit trail). Pipelines register
    versions into it (``grant_register``), deployers read it (``grant_read``), and approval decisions
    are EventBridge events exposed as rules (``on_approved``, ``on_rejected``, ``on_state_change``).
    Other accounts (a production account deploying approved models) can be given read access, and
    optionally approval rights, by the group's resource policy. An existing group is imported with
    ``from_model_package_group_name`` or ``from_model_package_group_arn``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_package_group_name: str,
        description: str | None = None,
        shared_with_accounts: Sequence[str] = (),
        allow_cross_account_approval: bool = False,
        sources: ModelPackageSources | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param model_package_group_name: the group's name (1-63 letters, digits, hyphens).
        :param description: default none; shown in the registry.
        :param shared_with_accounts: default none; account ids that may read the group and its
            versions (describe, list, create models from them) through its resource policy.
        :param allow_cross_account_approval: default False; True also lets those accounts update
            versions (``sagemaker:UpdateModelPackage``: approve or reject).
        :param sources: default none; where the versions' artifacts and images are
            (``ModelPackageSources``). With ``shared_with_accounts`` the accounts may also read the
            artifacts (the buckets' policies) and decrypt them through S3 (the keys' policies): a
            consumer account cannot create a model from a version otherwise. Required then, unless the
            run-time contract finding ``SharedRegistrySources`` is acknowledged.
        :param removal_policy: default RETAIN; DESTROY deletes the group (and needs it empty).
        """
        super().__init__(scope, construct_id, physical_name=model_package_group_name)
        problems = Problems(self, "ModelPackageGroup")
        problems.check_sagemaker_name("model_package_group_name", model_package_group_name)
        if description is not None:
            problems.check(len(description) <= 1024, "description", description, "must be at most 1024 characters")
        for account in shared_with_accounts:
            problems.check_pattern("shared_with_accounts", account, _ACCOUNT, "must be 12-digit AWS account ids")
        problems.check_unique("shared_with_accounts", shared_with_accounts)
        problems.check(
            not allow_cross_account_approval or bool(shared_with_accounts),
            "allow_cross_account_approval",
            allow_cross_account_approval,
            "needs shared_with_accounts",
        )
        problems.raise_if_any()

        self._name = model_package_group_name
        self.resource = sagemaker.CfnModelPackageGroup(
            self,
            "Resource",
            model_package_group_name=model_package_group_name,
            model_package_group_description=description,
        )
        self.resource.apply_removal_policy(removal_policy)
        self.shared_with_accounts: tuple[str, ...] = tuple(shared_with_accounts)
        self._sources = sources
        if sources is not None:
            sources.record(self.resource)
        if shared_with_accounts:
            self.resource.model_package_group_policy = self._resource_policy(
                shared_with_accounts, allow_cross_account_approval
            ).to_json()
            if sources is not None:
                self._share_artifacts(sources, shared_with_accounts)

    # --- attributes ---------------------------------------------------------------------------------

    @property
    def model_package_group_name(self) -> str:
        return self._name

    @property
    def model_package_group_arn(self) -> str:
        return read_once(self.resource, "attr_model_package_group_arn")

    @property
    def sources(self) -> ModelPackageSources | None:
        """Where the versions' artifacts and images are (None: not declared)."""
        return self._sources

    # --- imports ------------------------------------------------------------------------------------

    @classmethod
    def from_model_package_group_name(
        cls, scope: Construct, construct_id: str, model_package_group_name: str
    ) -> IModelPackageGroup:
        """An existing group of this stack's account and region, by name."""
        return _ImportedModelPackageGroup(
            scope,
            construct_id,
            name=model_package_group_name,
            arn=sagemaker_arn(scope, "model-package-group", model_package_group_name),
        )

    @classmethod
    def from_model_package_group_arn(
        cls, scope: Construct, construct_id: str, model_package_group_arn: str
    ) -> IModelPackageGroup:
        """An existing group by ARN (of any account and region: the grants name its ARNs; another
        account's group must also share itself with this account in its resource policy)."""
        return _ImportedModelPackageGroup(
            scope, construct_id, name=name_from_arn(model_package_group_arn), arn=model_package_group_arn
        )

    # --- internals ----------------------------------------------------------------------------------

    def _share_artifacts(self, sources: ModelPackageSources, accounts: Sequence[str]) -> None:
        """The consumer accounts read the versions' artifacts (bucket policy) and decrypt them through
        S3 (key policy); their own roles still need identity grants in their accounts."""
        principals = as_principals([iam.AccountPrincipal(account) for account in accounts])
        for i, data in enumerate(sources.model_data):
            pattern = f"{data.key}*" if data.is_prefix else data.key
            suffix = _sid(self._name) + (str(i + 1) if i else "")  # IAM rejects duplicate Sids in one policy
            data.bucket.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"ShareModelArtifacts{suffix}",
                    principals=principals,
                    actions=["s3:GetObject"],
                    resources=[objects_arn(data.bucket, pattern)],
                )
            )
            if data.encryption_key is not None:
                data.encryption_key.add_to_resource_policy(
                    iam.PolicyStatement(
                        sid=f"DecryptSharedModelArtifacts{suffix}",
                        principals=principals,
                        actions=list(KMS_DECRYPT),
                        resources=["*"],
                        conditions={
                            "StringEquals": {"kms:ViaService": f"s3.{stack_facts(data.bucket).region}.amazonaws.com"}
                        },
                    )
                )

    def _resource_policy(self, accounts: Sequence[str], allow_approval: bool) -> iam.PolicyDocument:
        principals = as_principals([iam.AccountPrincipal(account) for account in accounts])
        # The group's own ARN attribute would make the resource refer to itself; SageMaker ARNs are lower case.
        group_arn = sagemaker_arn(self, "model-package-group", self._name)
        version_actions = ["sagemaker:CreateModel", "sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"]
        if allow_approval:
            version_actions.append("sagemaker:UpdateModelPackage")
        return iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    sid="ShareModelPackageGroup",
                    principals=principals,
                    actions=["sagemaker:DescribeModelPackageGroup"],
                    resources=[group_arn],
                ),
                iam.PolicyStatement(
                    sid="ShareModelPackageVersions",
                    principals=principals,
                    actions=version_actions,
                    resources=[self.model_packages_arn],
                ),
            ]
        )


def _sid(name: str) -> str:
    if is_unresolved(name):
        return ""
    return "".join(c for c in name.title() if c.isalnum())[:60]


class _ImportedModelPackageGroup(ModelPackageGroupBase):
    def __init__(self, scope: Construct, construct_id: str, *, name: str, arn: str) -> None:
        super().__init__(scope, construct_id, environment_from_arn=arn)
        self._name = name
        self._arn = arn

    @property
    def model_package_group_name(self) -> str:
        return self._name

    @property
    def model_package_group_arn(self) -> str:
        return self._arn
