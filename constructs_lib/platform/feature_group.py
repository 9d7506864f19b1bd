"""``FeatureGroup``: a SageMaker Feature Store feature group with encrypted online and offline stores."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Duration, IResource, Names, RemovalPolicy, Resource
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk.interfaces import aws_sagemaker as sagemaker_refs
from constructs import Construct
from typing_extensions import Protocol, runtime_checkable

from constructs_lib._core.durations import in_seconds
from constructs_lib._core.grants import KMS_DECRYPT, KMS_ENCRYPT, S3_READ
from constructs_lib._core.jsii_types import as_key, as_role
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.roles import ManagedPolicyRole, permissions_policy
from constructs_lib._core.s3_access import grant_objects, objects_arn, objects_statement, s3_uri
from constructs_lib._core.service_model import check_shape
from constructs_lib._core.service_role import service_role
from constructs_lib._core.stack_facts import aws_partition, construct_path, stack_facts, stack_of
from constructs_lib._core.validation import Problems, given, is_unresolved
from constructs_lib._core.wildcards import acknowledge_exact_wildcard, wildcard_resource_finding
from constructs_lib.foundation.encryption_key import EncryptionKey
from constructs_lib.foundation.secure_bucket import SecureBucket

# The SageMaker API's patterns and limits (CreateFeatureGroup).
#: The request whose members' limits (names, feature count, description, TTL) the checks read from botocore.
_REQUEST = "CreateFeatureGroupRequest"
#: Names Feature Store adds to every offline record; features may not use them.
RESERVED_FEATURE_NAMES = frozenset({"is_deleted", "write_time", "api_invocation_time"})
_PREFIX = re.compile(r"^[a-zA-Z0-9!_.*'()-]+(/[a-zA-Z0-9!_.*'()-]+)*$")
_GLUE_NAME = re.compile(r"^[a-z0-9_]{1,255}$")

#: The Glue database Feature Store creates offline-store tables in when no catalog is given.
DEFAULT_GLUE_DATABASE = "sagemaker_featurestore"


class FeatureType(enum.Enum):
    """The type of a feature's values (``FeatureType``)."""

    STRING = "String"
    INTEGRAL = "Integral"
    FRACTIONAL = "Fractional"


class TableFormat(enum.Enum):
    """The offline store's table format."""

    GLUE = "Glue"
    ICEBERG = "Iceberg"


@dataclass(frozen=True)
class FeatureDefinition:
    """One feature: its name (letters, digits, '-' or '_', up to 64) and type."""

    name: str
    type: FeatureType

    @classmethod
    def string(cls, name: str) -> FeatureDefinition:
        return cls(name, FeatureType.STRING)

    @classmethod
    def integral(cls, name: str) -> FeatureDefinition:
        return cls(name, FeatureType.INTEGRAL)

    @classmethod
    def fractional(cls, name: str) -> FeatureDefinition:
        return cls(name, FeatureType.FRACTIONAL)


@dataclass(frozen=True)
class DataCatalogOptions:
    """An existing Glue database (and the table name) for the offline store.

    :param database: the Glue database; it must exist.
    :param table_name: the table Feature Store creates there.
    :param catalog: default ``AwsDataCatalog``.
    """

    database: str
    table_name: str
    catalog: str = "AwsDataCatalog"


@runtime_checkable
class IFeatureGroup(IResource, sagemaker_refs.IFeatureGroupRef, Protocol):
    """A Feature Store feature group: made here (``FeatureGroup``) or imported
    (``FeatureGroup.from_feature_group_name``)."""

    @property
    def feature_group_name(self) -> str: ...

    @property
    def feature_group_arn(self) -> str: ...

    @property
    def online_store_key(self) -> kms.IKey | None:
        """The online store's key (None: not known, or no online store)."""
        ...

    def grant_read_records(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def grant_write_records(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def grant_put_records(self, grantee: iam.IGrantable) -> iam.Grant: ...


@jsii.implements(sagemaker_refs.IFeatureGroupRef)
class FeatureGroupBase(Resource):
    """What every feature group offers, made here or imported: its online records' grants."""

    _name: str
    _online_key: kms.IKey | None = None

    @property
    def feature_group_name(self) -> str:
        return self._name

    @property
    def feature_group_arn(self) -> str:
        return _feature_group_arn(self, self._name)

    @property
    def online_store_key(self) -> kms.IKey | None:
        return self._online_key

    @property
    def feature_group_ref(self) -> sagemaker_refs.FeatureGroupReference:
        return sagemaker_refs.FeatureGroupReference(feature_group_name=self.feature_group_name)

    def grant_read_records(self, grantee: iam.IGrantable) -> iam.Grant:
        """Read online records (``GetRecord``, ``BatchGetRecord``) and decrypt them with the online
        store's key (Feature Store's data plane calls need ``kms:Decrypt`` on it)."""
        return self._grant(grantee, "sagemaker:BatchGetRecord", "sagemaker:GetRecord")

    def grant_write_records(self, grantee: iam.IGrantable) -> iam.Grant:
        """Put and delete records (``PutRecord``, ``DeleteRecord``), with ``kms:Decrypt`` on the online
        store's key (what the data plane calls need)."""
        return self._grant(grantee, "sagemaker:DeleteRecord", "sagemaker:PutRecord")

    def grant_put_records(self, grantee: iam.IGrantable) -> iam.Grant:
        """Put records only (``PutRecord``: an upsert by record identifier and event time), with
        ``kms:Decrypt`` on the online store's key: an ingestion consumer's grant, which deletes nothing."""
        return self._grant(grantee, "sagemaker:PutRecord")

    def _grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        grant = iam.Grant.add_to_principal(grantee=grantee, actions=list(actions), resource_arns=self._arns())
        if self._online_key is not None:
            self._online_key.grant_decrypt(grantee)
        return grant

    def _arns(self) -> list[str]:
        # SageMaker ARNs carry the name as given in some APIs and lower-cased in others: grant both.
        name = self._name
        arns = [_feature_group_arn(self, name)]
        if not is_unresolved(name) and name.lower() != name:
            arns.append(_feature_group_arn(self, name.lower()))
        return arns


class FeatureGroup(FeatureGroupBase):
    """Defines a SageMaker Feature Store feature group (``AWS::SageMaker::FeatureGroup``).

    By default it has an online store encrypted with a customer-managed key (optionally expiring
    records after ``online_ttl``) and an offline store in a ``SecureBucket`` under ``offline_prefix``,
    encrypted with the bucket's key, whose Glue table Feature Store creates in the
    ``sagemaker_featurestore`` database. Feature definitions are checked at synth against the
    SageMaker API's rules. The feature group (and its records) is retained when the stack is deleted.

    Its ``Tags`` are create-only: a changed tag replaces it, and a named feature group cannot be
    replaced (the update fails). Tag it only with values that never change, and tags that may change
    with ``add_mutable_tags``, which leaves it out.

    Online records are granted with ``grant_read_records`` / ``grant_write_records``, the offline
    store with ``grant_read_offline``. An existing feature group is imported with
    ``from_feature_group_name``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        features: Sequence[FeatureDefinition],
        record_identifier: str,
        event_time: str,
        feature_group_name: str | None = None,
        description: str | None = None,
        online_store: bool = True,
        online_ttl: Duration | None = None,
        offline_store: bool = True,
        offline_bucket: s3.IBucket | None = None,
        offline_prefix: str = "feature-store",
        table_format: TableFormat = TableFormat.GLUE,
        data_catalog: DataCatalogOptions | None = None,
        encryption_key: kms.IKey | None = None,
        role: iam.IRole | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param features: the feature definitions (1 to 2,500, unique names), including the record
            identifier and event time features.
        :param record_identifier: the feature that identifies a record; String or Integral.
        :param event_time: the feature holding each record's event time; String (ISO-8601) or
            Fractional (Unix seconds).
        :param feature_group_name: default, generated from the construct path (up to 64 characters).
        :param description: default none; up to 128 characters.
        :param online_store: default True; a low-latency store of each record's latest version.
        :param online_ttl: default None (records kept); online records are hard-deleted this long
            after their event time (whole seconds, minutes, hours, days or weeks).
        :param offline_store: default True; an append-only history in S3 with a Glue table.
        :param offline_bucket: default, a new ``SecureBucket``; where the offline store writes.
        :param offline_prefix: default ``feature-store``; key prefix of the offline store.
        :param table_format: default Glue; or Iceberg.
        :param data_catalog: default None: Feature Store creates the table in its
            ``sagemaker_featurestore`` database; otherwise a table name in an existing database.
        :param encryption_key: default, a new ``EncryptionKey``; encrypts the online store (and the
            offline objects when the bucket is not a ``SecureBucket``).
        :param role: default, a new least-privilege role that writes the offline store; a given
            role must already allow it.
        :param removal_policy: default RETAIN; DESTROY deletes the feature group and its online records.
        """
        super().__init__(scope, construct_id, physical_name=feature_group_name)
        self._validate(
            features,
            record_identifier,
            event_time,
            feature_group_name,
            description,
            online_store,
            online_ttl,
            offline_store,
            offline_prefix,
            data_catalog,
        )

        self._name = (
            feature_group_name or Names.unique_resource_name(self, max_length=64, separator="-").strip("-_").lower()
        )
        self.features: tuple[FeatureDefinition, ...] = tuple(features)
        self.record_identifier = record_identifier
        self.event_time = event_time
        self.encryption_key: kms.IKey = encryption_key or as_key(
            EncryptionKey(self, "Key", description=f"{construct_path(self)} feature group key")
        )

        self.offline_bucket: s3.IBucket | None = None
        self.role: iam.IRole | None = role
        self._offline_key: kms.IKey | None = None
        offline_config: dict[str, Any] | None = None
        if offline_store:
            self.offline_bucket = offline_bucket or SecureBucket(
                self, "OfflineStore", encryption_key=self.encryption_key
            )
            # A bucket without a KMS key of its own: the offline objects are encrypted with ours.
            offline_key = self._offline_key = self.offline_bucket.encryption_key or self.encryption_key
            if self.role is None:
                self.role = as_role(self._offline_store_role(offline_key, offline_prefix, data_catalog))
            # OfflineStoreConfig and OnlineStoreConfig are untyped JSON in the L1: CloudFormation's
            # PascalCase names, not the jsii property classes (which would render in camelCase).
            offline_config = {
                "S3StorageConfig": {
                    "S3Uri": s3_uri(self.offline_bucket, offline_prefix),
                    "KmsKeyId": offline_key.key_arn,
                },
                "TableFormat": table_format.value,
            }
            if data_catalog is not None:
                offline_config["DataCatalogConfig"] = {
                    "Catalog": data_catalog.catalog,
                    "Database": data_catalog.database,
                    "TableName": data_catalog.table_name,
                }
        online_config: dict[str, Any] | None = None
        if online_store:
            online_config = {"EnableOnlineStore": True, "SecurityConfig": {"KmsKeyId": self.encryption_key.key_arn}}
            if online_ttl is not None:
                online_config["TtlDuration"] = _ttl(online_ttl)

        self._resource = sagemaker.CfnFeatureGroup(
            self,
            "Resource",
            feature_group_name=self.feature_group_name,
            description=description,
            record_identifier_feature_name=record_identifier,
            event_time_feature_name=event_time,
            feature_definitions=[
                sagemaker.CfnFeatureGroup.FeatureDefinitionProperty(feature_name=f.name, feature_type=f.type.value)
                for f in self.features
            ],
            online_store_config=online_config,
            offline_store_config=offline_config,
            role_arn=self.role.role_arn if offline_store and self.role else None,
        )
        self._resource.apply_removal_policy(removal_policy)
        if isinstance(self.role, ManagedPolicyRole):
            # SageMaker checks the role's permissions when it creates the offline store.
            self._resource.node.add_dependency(permissions_policy(self.role))
        self.online_store_enabled = online_store
        self.offline_store_enabled = offline_store
        self._online_key = self.encryption_key if online_store else None
        self._offline_prefix = offline_prefix
        self._data_catalog = data_catalog

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)

    @classmethod
    def from_feature_group_name(
        cls, scope: Construct, construct_id: str, feature_group_name: str, *, online_store_key: kms.IKey | None = None
    ) -> IFeatureGroup:
        """An existing feature group of this stack's account and region, by name.

        :param online_store_key: default none; the online store's customer-managed key, which the
            record grants then let the grantee decrypt with (required for them to work when the
            online store has one).
        """
        return _ImportedFeatureGroup(scope, construct_id, name=feature_group_name, online_store_key=online_store_key)

    def grant_read_offline(self, grantee: iam.IGrantable) -> iam.Grant:
        """Read the offline store as Athena or Spark do for training data: describe the feature group
        (its table and S3 location), read its Glue table and partitions, list and read its objects
        under the offline prefix and decrypt them through S3. Running Athena queries also needs an
        Athena workgroup and a query result location, granted apart."""
        problems = Problems(self, "FeatureGroup")
        problems.check(
            self.offline_bucket is not None,
            "grant_read_offline",
            self.feature_group_name,
            "needs an offline store (offline_store=True)",
        )
        problems.raise_if_any()
        bucket = self.offline_bucket
        assert bucket is not None  # checked above
        describe = iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:DescribeFeatureGroup"], resource_arns=self._arns()
        )
        objects = grant_objects(
            grantee,
            bucket,
            f"{self._offline_prefix}/*",
            S3_READ,
            key=self._offline_key,
            kms_actions=KMS_DECRYPT,
            why="the feature group's offline store writes one object per record batch",
        )
        listing = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["s3:ListBucket"],
            resource_arns=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [self._offline_prefix, f"{self._offline_prefix}/*"]}},
        )
        stack = stack_facts(self)
        glue_arn = f"arn:{aws_partition()}:glue:{stack.region}:{stack.account}"
        database = self._data_catalog.database if self._data_catalog else DEFAULT_GLUE_DATABASE
        table = self._data_catalog.table_name if self._data_catalog else "*"
        table_arn = f"{glue_arn}:table/{database}/{table}"
        catalog = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["glue:GetDatabase", "glue:GetPartitions", "glue:GetTable"],
            resource_arns=[f"{glue_arn}:catalog", f"{glue_arn}:database/{database}", table_arn],
        )
        principal = grantee.grant_principal
        if self._data_catalog is None and isinstance(principal, iam.Role):
            acknowledge_exact_wildcard(
                principal,
                "Feature Store names the offline store's Glue table itself (feature group name and a creation "
                "timestamp); the read is limited to its sagemaker_featurestore database.",
                table_arn,
            )
        return describe.combine(objects).combine(listing).combine(catalog)

    def _offline_store_role(
        self, offline_key: kms.IKey, prefix: str, data_catalog: DataCatalogOptions | None
    ) -> ManagedPolicyRole:
        """The least privilege Feature Store needs to write the offline store (see the AWS managed
        policy AmazonSageMakerFeatureStoreAccess, narrowed to this bucket, prefix and table)."""
        stack = stack_of(self)
        facts = stack_facts(stack)
        role = service_role(
            self,
            "Role",
            service="sagemaker.amazonaws.com",
            description=f"Feature Store offline store of {construct_path(self)}",
        )
        bucket = self.offline_bucket
        assert bucket is not None
        objects = objects_arn(bucket, f"{prefix}/*")
        role.add_to_policy(
            objects_statement(
                bucket.bucket_arn,
                f"{prefix}/*",
                ["s3:PutObject", "s3:PutObjectAcl", "s3:GetObject"],
                sid="WriteOfflineStore",
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(sid="CheckBucket", actions=["s3:GetBucketAcl"], resources=[bucket.bucket_arn])
        )
        offline_key.grant(role, *KMS_ENCRYPT)
        database = data_catalog.database if data_catalog else DEFAULT_GLUE_DATABASE
        table = data_catalog.table_name if data_catalog else "*"
        glue_arn = f"arn:{aws_partition()}:glue:{facts.region}:{facts.account}"
        role.add_to_policy(
            iam.PolicyStatement(
                sid="UpdateOfflineStoreTable",
                actions=["glue:GetTable", "glue:UpdateTable"],
                resources=[
                    f"{glue_arn}:catalog",
                    f"{glue_arn}:database/{database}",
                    f"{glue_arn}:table/{database}/{table}",
                ],
            )
        )
        if data_catalog is None:
            acknowledge(
                role,
                "Feature Store names the offline store's Glue table itself (feature group name and a "
                "creation timestamp); the grant is limited to its sagemaker_featurestore database.",
                wildcard_resource_finding(role, f"{glue_arn}:table/{database}/*"),
            )
        if stack_of(bucket) is stack:  # a bucket of another stack: acknowledge where the stacks are composed
            acknowledge(
                role,
                "The offline store writes one object per record batch under its own prefix of the bucket.",
                wildcard_resource_finding(role, objects),
            )
        return role

    def _validate(
        self,
        features: Sequence[FeatureDefinition],
        record_identifier: str,
        event_time: str,
        feature_group_name: str | None,
        description: str | None,
        online_store: bool,
        online_ttl: Duration | None,
        offline_store: bool,
        offline_prefix: str,
        data_catalog: DataCatalogOptions | None,
    ) -> None:
        problems = Problems(self, "FeatureGroup")
        check_shape(problems, "features", list(features), f"{_REQUEST}.FeatureDefinitions", shown=len(features))
        for feature in features:
            if not isinstance(given(feature), FeatureDefinition):
                problems.add(
                    "features", feature, "must be FeatureDefinition(name, FeatureType.STRING/INTEGRAL/FRACTIONAL)"
                )
                continue
            check_shape(problems, "features", feature.name, f"{_REQUEST}.FeatureDefinitions.member.FeatureName")
            problems.check(
                feature.name.lower() not in RESERVED_FEATURE_NAMES,
                "features",
                feature.name,
                f"is reserved by Feature Store ({', '.join(sorted(RESERVED_FEATURE_NAMES))})",
            )
            if not isinstance(given(feature.type), FeatureType):
                problems.add(
                    f"features[{feature.name}].type",
                    feature.type,
                    "must be FeatureType.STRING, FeatureType.INTEGRAL or FeatureType.FRACTIONAL",
                )
        valid = [f for f in features if isinstance(given(f), FeatureDefinition)]
        # Feature Store compares names case-insensitively (the offline Glue table lower-cases them).
        problems.check_unique("features (case-insensitive)", [f.name.lower() for f in valid])
        by_name = {f.name: f.type for f in valid}
        for prop, name, allowed in (
            ("record_identifier", record_identifier, (FeatureType.STRING, FeatureType.INTEGRAL)),
            ("event_time", event_time, (FeatureType.STRING, FeatureType.FRACTIONAL)),
        ):
            if problems.check(
                name in by_name,
                prop,
                name,
                f"must be one of the defined features ({', '.join(by_name) or 'none defined'})",
            ):
                kind = by_name.get(name)
                problems.check(
                    kind in allowed,
                    prop,
                    f"{name} ({getattr(kind, 'name', kind)})",
                    f"must be a {' or '.join(t.name for t in allowed)} feature",
                )
        problems.check(
            record_identifier != event_time, "event_time", event_time, "must be another feature than record_identifier"
        )
        if feature_group_name is not None:
            check_shape(problems, "feature_group_name", feature_group_name, f"{_REQUEST}.FeatureGroupName")
        check_shape(problems, "description", description, f"{_REQUEST}.Description")
        problems.check(
            online_store or offline_store,
            "online_store",
            online_store,
            "a feature group needs an online store, an offline store or both",
        )
        if online_ttl is not None:
            problems.check(online_store, "online_ttl", online_ttl.to_human_string(), "needs online_store=True")
            seconds = in_seconds(online_ttl, integral=False)
            check_shape(problems, "online_ttl (seconds)", seconds, f"{_REQUEST}.OnlineStoreConfig.TtlDuration.Value")
        problems.check_pattern(
            "offline_prefix",
            offline_prefix,
            _PREFIX,
            "must be an S3 key prefix without leading or trailing '/' (such as 'feature-store')",
        )
        if data_catalog is not None:
            if not offline_store:
                problems.add("data_catalog", data_catalog, "needs offline_store=True")
            for prop in ("database", "table_name"):
                problems.check_pattern(
                    f"data_catalog.{prop}",
                    getattr(data_catalog, prop),
                    _GLUE_NAME,
                    "must be 1-255 lowercase letters, digits or '_' (Athena-compatible)",
                )
        problems.raise_if_any()


def _ttl(duration: Duration) -> dict[str, str | int | float]:
    """Feature Store's ``TtlDuration`` in the largest whole unit of ``duration``."""
    seconds = in_seconds(duration)
    if is_unresolved(seconds):  # a token: in seconds, as given
        return {"Unit": "Seconds", "Value": seconds}
    seconds = int(seconds)
    for unit, size in (("Weeks", 604800), ("Days", 86400), ("Hours", 3600), ("Minutes", 60)):
        if seconds % size == 0:
            return {"Unit": unit, "Value": seconds // size}
    return {"Unit": "Seconds", "Value": seconds}


def _feature_group_arn(scope: Construct, name: str) -> str:
    stack = stack_facts(scope)
    return f"arn:{aws_partition()}:sagemaker:{stack.region}:{stack.account}:feature-group/{name}"


class _ImportedFeatureGroup(FeatureGroupBase):
    def __init__(self, scope: Construct, construct_id: str, *, name: str, online_store_key: kms.IKey | None) -> None:
        super().__init__(scope, construct_id)
        self._name = name
        self._online_key = online_store_key
