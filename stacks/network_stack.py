"""The environment's network: VPC, endpoints, flow logs and the workload security group."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy, Stack
from constructs import Construct

from constructs_lib import FEATURE_STORE_RUNTIME_ENDPOINT, EncryptionKey, PrivateNetwork
from stacks.config import EnvironmentConfig

#: Every environment runs an MLflow tracking server (stacks/platform_stack.py): Studio and jobs in
#: the isolated subnets reach it through this interface endpoint.
MLFLOW_INTERFACE_ENDPOINTS = ("sagemaker.experiments",)
#: Studio's safe teardown (constructs_lib.StudioDomain) asks CloudFormation whether the domain is going away.
TEARDOWN_INTERFACE_ENDPOINTS = ("sagemaker.api", "cloudformation")
#: The example feature group's ingestion stream (stacks/platform_stack.py): its consumer writes to the
#: Feature Store runtime and sends invalid records to its dead-letter queue.
FEATURE_INGESTION_INTERFACE_ENDPOINTS = (FEATURE_STORE_RUNTIME_ENDPOINT, "sqs")


class NetworkStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        logs_key: EncryptionKey,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        net = config.network
        ingestion = FEATURE_INGESTION_INTERFACE_ENDPOINTS if config.platform.feature_ingestion_enabled else ()
        self.network = PrivateNetwork(
            self,
            "Network",
            cidr=net.cidr,
            availability_zones=net.availability_zones,
            nat_gateways=net.nat_gateways,
            interface_endpoints=tuple(
                dict.fromkeys(
                    (*net.interface_endpoints, *MLFLOW_INTERFACE_ENDPOINTS, *TEARDOWN_INTERFACE_ENDPOINTS, *ingestion)
                )
            ),
            flow_log_retention_days=net.flow_log_retention_days,
            flow_log_key=logs_key,
            external_buckets=net.external_buckets,
            removal_policy=RemovalPolicy.DESTROY if config.storage.destroy_on_delete else RemovalPolicy.RETAIN,
        )
