"""``PrivateNetwork``: a VPC where SageMaker workloads reach AWS only through VPC endpoints."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_lib._internal.nag import acknowledge
from constructs_lib._internal.roles import ManagedPolicyRole
from constructs_lib._internal.log_retention import LOG_RETENTION_DAYS, retention_days
from constructs_lib._internal.validation import Problems
from constructs_lib.encryption_key import EncryptionKey

#: Interface endpoints SageMaker workloads need with no internet, by short name, mapped to the
#: ``ec2.InterfaceVpcEndpointAwsService`` constant (read lazily: each read is a jsii call).
INTERFACE_ENDPOINT_SERVICES: dict[str, str] = {
    "sagemaker.api": "SAGEMAKER_API",
    "sagemaker.runtime": "SAGEMAKER_RUNTIME",
    "sagemaker.studio": "SAGEMAKER_STUDIO",
    "sagemaker.notebook": "SAGEMAKER_NOTEBOOK",
    "sts": "STS",
    "logs": "CLOUDWATCH_LOGS",
    "monitoring": "CLOUDWATCH_MONITORING",
    "ecr.api": "ECR",
    "ecr.dkr": "ECR_DOCKER",
    "kms": "KMS",
    "events": "EVENTBRIDGE",
    # Not in the defaults: for Lambdas of the monitoring loop that call these APIs (DeployOnApproval).
    "cloudformation": "CLOUDFORMATION",
    "states": "STEP_FUNCTIONS",
    # Not in the defaults: EventBridge Scheduler (com.amazonaws.<region>.scheduler, no constant in this
    # aws-cdk-lib), for NewDataRetraining's function, which moves its one-time schedule.
    "scheduler": "service:scheduler",
    # Not in the defaults: SageMaker managed MLflow (``aws.sagemaker.<region>.experiments``; AWS docs
    # "Connect to SageMaker AI MLflow through an interface VPC endpoint"), for tracking servers.
    "sagemaker.experiments": "SAGEMAKER_EXPERIMENTS",
}
DEFAULT_INTERFACE_ENDPOINTS: tuple[str, ...] = (
    "sagemaker.api", "sagemaker.runtime", "sagemaker.studio", "sagemaker.notebook", "sts", "logs", "monitoring",
    "ecr.api", "ecr.dkr", "kms", "events",
)



class PrivateNetwork(Construct):
    """Defines the network of an ML platform: private subnets, VPC endpoints, flow logs, one
    workload security group.

    By default a new VPC with private isolated subnets in two Availability Zones and no NAT (no
    route to the internet), an S3 gateway endpoint and interface endpoints for SageMaker (API,
    runtime, Studio, notebook), STS, CloudWatch Logs and metrics, ECR, KMS and EventBridge, and VPC
    flow logs to a KMS-encrypted log group. Pass ``vpc`` to use an existing VPC instead.

    ``workload_security_group`` is for SageMaker jobs, endpoints, Studio and Lambdas: it accepts
    traffic only from itself, and the endpoints accept HTTPS only from it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc | None = None,
        cidr: str = "10.0.0.0/16",
        availability_zones: Sequence[str] | None = None,
        max_azs: int = 2,
        subnet_cidr_mask: int = 20,
        nat_gateways: int = 0,
        interface_endpoints: Sequence[str] = DEFAULT_INTERFACE_ENDPOINTS,
        s3_gateway_endpoint: bool = True,
        flow_logs: bool = True,
        flow_log_retention_days: int = 365,
        flow_log_key: kms.IKey | EncryptionKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param vpc: default, a new VPC; otherwise an existing VPC to put the endpoints and security
            groups in (its flow logs and routes stay its owner's business).
        :param cidr: default ``10.0.0.0/16``; the new VPC's IPv4 range (/16 to /24).
        :param availability_zones: default, the first ``max_azs`` zones of the stack's region; give
            them explicitly for stacks with a concrete account and region (no AWS look-up at synth).
        :param max_azs: default 2; number of zones when ``availability_zones`` is not given (>= 2).
        :param subnet_cidr_mask: default 20; prefix length of each subnet (16 to 28).
        :param nat_gateways: default 0: subnets are isolated, AWS is reached only via endpoints. With
            1 or more, private subnets get a NAT route and the VPC gets public subnets.
        :param interface_endpoints: default all of ``DEFAULT_INTERFACE_ENDPOINTS``; names from
            ``INTERFACE_ENDPOINT_SERVICES``. Pass ``()`` when the VPC already has them.
        :param s3_gateway_endpoint: default True; an S3 gateway endpoint (new VPCs only).
        :param flow_logs: default True; VPC flow logs of all traffic (new VPCs only).
        :param flow_log_retention_days: default 365; a CloudWatch Logs retention period in days.
        :param flow_log_key: default, a new ``EncryptionKey`` for the flow log group.
        :param removal_policy: default RETAIN; what happens to the flow log group (and its new key)
            when the stack is deleted.
        """
        super().__init__(scope, construct_id)
        problems = Problems(self, "PrivateNetwork")
        if vpc is None:
            problems.check(_is_cidr(cidr, 16, 24), "cidr", cidr, "must be an IPv4 CIDR block from /16 to /24")
            problems.check_range("subnet_cidr_mask", subnet_cidr_mask, minimum=16, maximum=28, integer=True)
            problems.check_range("nat_gateways", nat_gateways, minimum=0, integer=True)
            if availability_zones is not None:
                problems.check(
                    len(availability_zones) >= 2 and len(set(availability_zones)) == len(availability_zones),
                    "availability_zones",
                    list(availability_zones),
                    "must name at least two distinct Availability Zones",
                )
            else:
                problems.check_range("max_azs", max_azs, minimum=2, integer=True)
            problems.check(
                flow_log_retention_days in LOG_RETENTION_DAYS,
                "flow_log_retention_days",
                flow_log_retention_days,
                f"must be a CloudWatch Logs retention period in days: {list(LOG_RETENTION_DAYS)}",
            )
        unknown = [name for name in interface_endpoints if name not in INTERFACE_ENDPOINT_SERVICES]
        problems.check(not unknown, "interface_endpoints", unknown, f"must be among {list(INTERFACE_ENDPOINT_SERVICES)}")
        problems.check_unique("interface_endpoints", interface_endpoints)
        problems.raise_if_any()

        if vpc is None:
            vpc = self._new_vpc(
                cidr=cidr,
                availability_zones=availability_zones,
                max_azs=max_azs,
                subnet_cidr_mask=subnet_cidr_mask,
                nat_gateways=nat_gateways,
                s3_gateway_endpoint=s3_gateway_endpoint,
            )
            if flow_logs:
                self._add_flow_logs(vpc, flow_log_retention_days, flow_log_key, removal_policy)
        self.vpc: ec2.IVpc = vpc
        self.subnet_selection = ec2.SubnetSelection(
            subnet_type=ec2.SubnetType.PRIVATE_ISOLATED if nat_gateways == 0 else ec2.SubnetType.PRIVATE_WITH_EGRESS
        )
        self.private_subnets: list[ec2.ISubnet] = vpc.select_subnets(
            subnet_type=self.subnet_selection.subnet_type
        ).subnets

        self.workload_security_group = ec2.SecurityGroup(
            self,
            "WorkloadSecurityGroup",
            vpc=vpc,
            description="SageMaker workloads: traffic only from this group, HTTPS out to endpoints",
            allow_all_outbound=False,
        )
        sg = self.workload_security_group
        sg.add_ingress_rule(sg, ec2.Port.all_traffic(), "Between workloads (distributed training, Studio apps)")
        self_ingress = next(c for c in sg.node.children if isinstance(c, ec2.CfnSecurityGroupIngress))
        acknowledge(
            self_ingress,
            "The source is this security group itself, not a CIDR: only platform workloads can "
            "connect. All ports are needed between the nodes of distributed training (NCCL, MPI) "
            "and between Studio apps, as SageMaker documents for VPC mode.",
            "HIPAA.Security-EC2RestrictedCommonPorts",
            "NIST.800.53.R5-EC2RestrictedCommonPorts",
        )
        sg.add_egress_rule(sg, ec2.Port.all_traffic(), "Between workloads (distributed training, Studio apps)")
        sg.add_egress_rule(
            ec2.Peer.any_ipv4(),
            ec2.Port.tcp(443),
            "HTTPS to VPC endpoints and the S3 gateway (no internet route without NAT)",
        )

        self.endpoint_security_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=vpc,
            description="VPC interface endpoints: HTTPS from the workload security group only",
            allow_all_outbound=False,
        )
        self.endpoint_security_group.add_ingress_rule(sg, ec2.Port.tcp(443), "HTTPS from SageMaker workloads")

        self.interface_endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for name in interface_endpoints:
            spec = INTERFACE_ENDPOINT_SERVICES[name]
            service = (ec2.InterfaceVpcEndpointAwsService(spec.removeprefix("service:")) if spec.startswith("service:")
                       else getattr(ec2.InterfaceVpcEndpointAwsService, spec))
            self.interface_endpoints[name] = ec2.InterfaceVpcEndpoint(
                self,
                _endpoint_id(name),
                vpc=vpc,
                service=service,
                subnets=self.subnet_selection,
                security_groups=[self.endpoint_security_group],
                private_dns_enabled=True,
                open=False,
            )

    @property
    def vpc_id(self) -> str:
        return self.vpc.vpc_id

    @property
    def subnet_ids(self) -> list[str]:
        return [subnet.subnet_id for subnet in self.private_subnets]

    @property
    def security_group_ids(self) -> list[str]:
        return [self.workload_security_group.security_group_id]

    def allow_endpoint_access_from(self, peer: ec2.IPeer, description: str) -> None:
        """Let ``peer`` (another security group or CIDR) use the interface endpoints over HTTPS."""
        self.endpoint_security_group.add_ingress_rule(peer, ec2.Port.tcp(443), description)

    def _new_vpc(
        self,
        *,
        cidr: str,
        availability_zones: Sequence[str] | None,
        max_azs: int,
        subnet_cidr_mask: int,
        nat_gateways: int,
        s3_gateway_endpoint: bool,
    ) -> ec2.Vpc:
        subnets = [
            ec2.SubnetConfiguration(
                name="Private",
                subnet_type=ec2.SubnetType.PRIVATE_ISOLATED if nat_gateways == 0 else ec2.SubnetType.PRIVATE_WITH_EGRESS,
                cidr_mask=subnet_cidr_mask,
            )
        ]
        if nat_gateways:
            subnets.append(
                ec2.SubnetConfiguration(
                    name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=min(subnet_cidr_mask + 4, 28),
                    map_public_ip_on_launch=False,
                )
            )
        gateway_endpoints = (
            {"S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3)}
            if s3_gateway_endpoint
            else None
        )
        return ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            availability_zones=list(availability_zones) if availability_zones else None,
            max_azs=None if availability_zones else max_azs,
            nat_gateways=nat_gateways,
            subnet_configuration=subnets,
            gateway_endpoints=gateway_endpoints,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            restrict_default_security_group=True,
        )

    def _add_flow_logs(
        self,
        vpc: ec2.Vpc,
        retention: int,
        key: kms.IKey | EncryptionKey | None,
        removal_policy: RemovalPolicy,
    ) -> None:
        if key is None:
            key = EncryptionKey(self, "FlowLogKey", description=f"{self.node.path} flow log key",
                                removal_policy=removal_policy)
        self.flow_log_group = logs.LogGroup(
            self,
            "FlowLogGroup",
            retention=retention_days(retention),
            encryption_key=key.key if isinstance(key, EncryptionKey) else key,
            removal_policy=removal_policy,
        )
        role = ManagedPolicyRole(
            self, "FlowLogRole", assumed_by=iam.ServicePrincipal("vpc-flow-logs.amazonaws.com"),
            description="Delivers this VPC's flow logs to its log group",
        )
        vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group, role),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )


def _is_cidr(value: str, shortest: int, longest: int) -> bool:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except (ValueError, TypeError):
        return False
    return shortest <= network.prefixlen <= longest


def _endpoint_id(name: str) -> str:
    return "".join(part.title() for part in name.replace(".", "-").split("-")) + "Endpoint"
