"""``NotebookInstance``: a hardened SageMaker notebook instance that stops itself when idle."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path

from aws_cdk import Duration, Names, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.durations import in_minutes
from constructs_lib._core.jsii_types import as_key, as_role
from constructs_lib._core.service_model import NOTEBOOK_INSTANCE_TYPE, check_instance_type, check_shape
from constructs_lib._core.stack_facts import aws_partition, construct_path, stack_facts
from constructs_lib._core.validation import Problems, is_unresolved
from constructs_lib._core.vpc_access import security_group_ids
from constructs_lib.foundation.encryption_key import EncryptionKey
from constructs_lib.foundation.instance_type import InstanceType
from constructs_lib.foundation.network import NOTEBOOK_ENDPOINTS, INetwork
from constructs_lib.inference.cost_summary import AlwaysOnCapacity
from constructs_lib.studio.studio_execution_role import StudioExecutionRole

#: Public: the construct; ``on_start_script`` renders its lifecycle script.
__all__ = ["NotebookInstance"]

IDLE_CHECK_SCRIPT = Path(__file__).parent / "notebook_instance_handler" / "idle_check.py"
#: The idle check runs this often; shorter idle timeouts could not be honoured.
IDLE_CHECK_INTERVAL_MINUTES = 5
IDLE_TIMEOUT_RANGE_MINUTES: tuple[int, int] = (10, 10080)
PLATFORM_IDENTIFIERS: tuple[str, ...] = ("notebook-al2023-v1", "notebook-al2-v3", "notebook-al2-v2")
MAX_LIFECYCLE_CHARACTERS = 16384
#: Notebook instances log to this group, in streams ``<instance name>/...``.
NOTEBOOK_LOG_GROUP = "/aws/sagemaker/NotebookInstances"


class NotebookInstance(Construct):
    """Defines a SageMaker notebook instance that nothing can leak from, and that stops when idle.

    Root access and direct internet access disabled, the instance in a private subnet with the
    workload security group, its volume encrypted with a customer-managed key, instance metadata
    only through IMDSv2, and a lifecycle configuration that stops the instance once Jupyter has been
    idle for ``idle_timeout`` (checked every 5 minutes through the instance's SageMaker API
    endpoint). The instance, whose volume holds the users' work, is retained with its stack unless
    ``removal_policy`` says otherwise.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        network: INetwork,
        subnet: ec2.ISubnet | None = None,
        instance_type: InstanceType | str = InstanceType.ML_T3_MEDIUM,
        encryption_key: kms.IKey | None = None,
        role: iam.IRole | StudioExecutionRole | None = None,
        buckets: Sequence[s3.IBucket] = (),
        read_only_buckets: Sequence[s3.IBucket] = (),
        name_prefix: str | None = None,
        # None never stops the instance, so the default is a value; Duration is immutable.
        idle_timeout: Duration | None = durations.minutes(60),  # noqa: B008
        volume_size_gb: int = 20,
        notebook_instance_name: str | None = None,
        platform_identifier: str = "notebook-al2023-v1",
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param network: where the instance runs, with its security groups (1 to 5); direct internet
            access is off, so without an internet route it needs the S3 gateway and the
            ``sagemaker.api`` and ``sagemaker.runtime`` endpoints.
        :param subnet: default, the first of the network's subnets; the instance's subnet (one of them).
        :param instance_type: default ``ml.t3.medium``; a notebook instance type (botocore ``InstanceType``).
        :param encryption_key: default, a new ``EncryptionKey``; encrypts the instance's volume.
        :param role: default, a new ``StudioExecutionRole`` (jobs started from the notebook are
            forced into the network with an encrypted volume). Another role must allow
            ``sagemaker:StopNotebookInstance`` on this instance for the idle stop to work.
        :param buckets: default none; buckets the default role may read and write.
        :param read_only_buckets: default none; buckets the default role may only read.
        :param name_prefix: default, the instance's name in lowercase (at most 40 characters); the
            jobs and models started from the notebook with the default role must be named
            ``<name_prefix>-...`` (``StudioExecutionRole``), e.g. the environment's ``<project>-<env>``.
        :param idle_timeout: default 60 minutes (10 minutes to 7 days); None never stops the instance.
        :param volume_size_gb: default 20; size of the instance's ML storage volume (5 to 16384 GB).
        :param notebook_instance_name: default, a unique name from the construct path.
        :param platform_identifier: default ``notebook-al2023-v1``; the instance's OS image.
        :param removal_policy: default RETAIN (the volume holds users' work); DESTROY deletes the
            instance with its stack.
        """
        super().__init__(scope, construct_id)
        problems = Problems(self, "NotebookInstance")
        check_instance_type(problems, "instance_type", instance_type, NOTEBOOK_INSTANCE_TYPE)
        security_groups = network.security_groups
        problems.check(
            1 <= len(security_groups) <= 5,
            "network.security_groups",
            len(security_groups),
            "must list 1 to 5 security groups",
        )
        if subnet is not None:
            problems.check(
                any(subnet is s or subnet.subnet_id == s.subnet_id for s in network.subnets),
                "subnet",
                subnet.subnet_id,
                "must be one of the network's subnets (jobs started from the notebook are held to them)",
            )
        check_shape(problems, "volume_size_gb", volume_size_gb, "CreateNotebookInstanceInput.VolumeSizeInGB")
        problems.check_one_of("platform_identifier", platform_identifier, PLATFORM_IDENTIFIERS)
        if idle_timeout is not None:
            low, high = IDLE_TIMEOUT_RANGE_MINUTES
            problems.check_range(
                "idle_timeout (minutes)",
                in_minutes(idle_timeout, integral=False),
                minimum=low,
                maximum=high,
                integer=True,
            )
        if notebook_instance_name is not None:
            problems.check(
                not is_unresolved(notebook_instance_name),
                "notebook_instance_name",
                notebook_instance_name,
                "must be known at synth time (it names the instance's ARN)",
            )
            problems.check_sagemaker_name("notebook_instance_name", notebook_instance_name)
        problems.check(
            removal_policy in (RemovalPolicy.RETAIN, RemovalPolicy.DESTROY),
            "removal_policy",
            removal_policy,
            "must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY",
        )
        problems.raise_if_any()
        network.require_endpoints(
            self, NOTEBOOK_ENDPOINTS, purpose="the notebook, without direct internet access, uses S3 and SageMaker"
        )
        subnet = subnet or network.subnets[0]

        self.instance_type = str(instance_type)
        self.idle_timeout = idle_timeout
        name = notebook_instance_name or Names.unique_resource_name(
            self, max_length=63, separator="-", allowed_special_characters="-"
        )
        self.notebook_instance_name = name
        stack = stack_facts(self)
        # SageMaker writes notebook instance names in lowercase in their ARNs.
        self.notebook_instance_arn = (
            f"arn:{aws_partition()}:sagemaker:{stack.region}:{stack.account}:notebook-instance/{name.lower()}"
        )
        if encryption_key is None:
            encryption_key = as_key(EncryptionKey(self, "Key", description=f"{construct_path(self)} notebook volume"))
        self.encryption_key: kms.IKey = encryption_key
        if role is None:
            role = StudioExecutionRole(
                self,
                "Role",
                network=network,
                volume_key=self.encryption_key,
                buckets=buckets,
                read_only_buckets=read_only_buckets,
                name_prefix=name_prefix or name.lower()[:40].rstrip("-"),
                description=f"SageMaker notebook instance {name}",
            )
        #: The default ``StudioExecutionRole`` (None when ``role`` was given): ``grant_bucket`` on it.
        self.default_role = role if isinstance(role, StudioExecutionRole) else None
        self.role: iam.IRole = as_role(role.role) if isinstance(role, StudioExecutionRole) else role
        if self.default_role is not None:
            self.default_role.allow_log_streams(
                NOTEBOOK_LOG_GROUP,
                f"{name}/",
                why="The notebook instance writes its Jupyter and lifecycle logs to streams named after itself.",
            )
        if idle_timeout is not None:
            # The idle check runs as the instance's role.
            self.role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["sagemaker:StopNotebookInstance", "sagemaker:DescribeNotebookInstance"],
                    resources=[self.notebook_instance_arn],
                )
            )

        self.lifecycle_config: sagemaker.CfnNotebookInstanceLifecycleConfig | None = None
        if idle_timeout is not None:
            content = base64.b64encode(on_start_script(int(in_minutes(idle_timeout))).encode()).decode()
            if len(content) > MAX_LIFECYCLE_CHARACTERS:  # pragma: no cover - guards edits of the script
                raise AssertionError(f"lifecycle script is {len(content)} base64 characters, over 16384")
            self.lifecycle_config = sagemaker.CfnNotebookInstanceLifecycleConfig(
                self,
                "StopWhenIdle",
                notebook_instance_lifecycle_config_name=f"{name[:50]}-idle-stop",
                on_start=[
                    sagemaker.CfnNotebookInstanceLifecycleConfig.NotebookInstanceLifecycleHookProperty(content=content)
                ],
            )

        self.resource = sagemaker.CfnNotebookInstance(
            self,
            "Resource",
            notebook_instance_name=name,
            instance_type=self.instance_type,
            role_arn=self.role.role_arn,
            subnet_id=subnet.subnet_id,
            security_group_ids=security_group_ids(security_groups),
            kms_key_id=self.encryption_key.key_arn,
            direct_internet_access="Disabled",
            root_access="Disabled",
            instance_metadata_service_configuration=(
                sagemaker.CfnNotebookInstance.InstanceMetadataServiceConfigurationProperty(
                    minimum_instance_metadata_service_version="2"
                )
            ),
            lifecycle_config_name=(
                self.lifecycle_config.attr_notebook_instance_lifecycle_config_name if self.lifecycle_config else None
            ),
            volume_size_in_gb=volume_size_gb,
            platform_identifier=platform_identifier,
        )
        self.resource.apply_removal_policy(removal_policy)
        if isinstance(role, StudioExecutionRole):
            # The role's permissions must be in place when the instance starts.
            self.resource.node.add_dependency(role.policy)

    def always_on_capacity(self) -> list[AlwaysOnCapacity]:
        """One instance while it runs (the idle stop, when set, stops it after ``idle_timeout``)."""
        stop = (
            f"stops after {int(in_minutes(self.idle_timeout))} idle minutes"
            if self.idle_timeout is not None
            else "never stopped automatically"
        )
        return [AlwaysOnCapacity(f"notebook instance while running ({stop})", self.instance_type, 1)]

    def grant_open(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` open the instance's Jupyter (``sagemaker:CreatePresignedNotebookInstanceUrl``)."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:CreatePresignedNotebookInstanceUrl"],
            resource_arns=[self.notebook_instance_arn],
        )


def on_start_script(idle_minutes: int) -> str:
    """The lifecycle script: installs the idle check and a systemd timer running it (systemd rather
    than cron, which Amazon Linux 2023 images do not include)."""
    check = IDLE_CHECK_SCRIPT.read_text()
    return f"""#!/bin/bash
# constructs_lib NotebookInstance: stop this instance after {idle_minutes} idle minutes.
set -euo pipefail
mkdir -p /opt/constructs-lib
cat > /opt/constructs-lib/idle_check.py <<'PYTHON'
{check}PYTHON
AWS_CLI="$(command -v aws || echo /home/ec2-user/anaconda3/bin/aws)"
cat > /etc/systemd/system/stop-if-idle.service <<UNIT
[Unit]
Description=Stop this notebook instance when Jupyter is idle
[Service]
Type=oneshot
Environment=AWS_CLI=$AWS_CLI
ExecStart=/usr/bin/python3 /opt/constructs-lib/idle_check.py {idle_minutes}
UNIT
cat > /etc/systemd/system/stop-if-idle.timer <<'UNIT'
[Unit]
Description=Check whether this notebook instance is idle
[Timer]
OnBootSec=10min
OnUnitActiveSec={IDLE_CHECK_INTERVAL_MINUTES}min
[Install]
WantedBy=timers.target
UNIT
systemctl daemon-reload
systemctl enable --now stop-if-idle.timer
"""
