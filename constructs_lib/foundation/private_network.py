"""``PrivateNetwork``: a VPC where SageMaker workloads reach AWS only through VPC endpoints."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from typing import cast

import jsii
from aws_cdk import Annotations, Fn, RemovalPolicy, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from constructs_lib._core.jsii_types import as_key, as_principals, as_role
from constructs_lib._core.log_retention import retention_days
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.service_role import pin_provider_roles, service_role
from constructs_lib._core.stack_facts import construct_path, stack_facts, stack_of
from constructs_lib._core.validation import Problems
from constructs_lib._core.vpc_access import SUBNET_VPCS_METADATA
from constructs_lib._core.vpc_access import select_subnets as _select
from constructs_lib.foundation.encryption_key import EncryptionKey
from constructs_lib.foundation.network import S3_GATEWAY_ENDPOINT

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
    # Not in the defaults: Systems Manager session channels, for training jobs with remote debugging
    # (developer guide "Access a training container through AWS Systems Manager": VPC endpoint for SSM).
    "ssmmessages": "SSM_MESSAGES",
    # Not in the defaults: Feature Store's data plane, for models that read online features at
    # prediction time (Model reads_features) and FeatureIngestionStream's consumer, which writes them.
    "sagemaker.featurestore-runtime": "SAGEMAKER_FEATURESTORE_RUNTIME",
    # Not in the defaults: SQS, for FeatureIngestionStream's consumer, which sends invalid records to its
    # dead-letter queue itself.
    "sqs": "SQS",
}
DEFAULT_INTERFACE_ENDPOINTS: tuple[str, ...] = (
    "sagemaker.api",
    "sagemaker.runtime",
    "sagemaker.studio",
    "sagemaker.notebook",
    "sts",
    "logs",
    "monitoring",
    "ecr.api",
    "ecr.dkr",
    "kms",
    "events",
)

#: AWS-owned buckets the S3 gateway endpoint lets through, with the only actions the services need
#: (``{region}``, ``{region_nodash}`` filled in per stack). Everything else is reachable only in this
#: account's buckets (``aws:ResourceAccount``).
AWS_OWNED_BUCKETS: dict[str, tuple[str, ...]] = {
    # ECR keeps image layers here; a docker pull through the ecr.dkr endpoint downloads them from S3
    # (Amazon ECR User Guide, "Minimum Amazon S3 bucket permissions for Amazon ECR").
    "prod-{region}-starport-layer-bucket": ("s3:GetObject",),
    # A custom-resource Lambda in the VPC (Studio teardown) answers CloudFormation with a pre-signed
    # PUT to this bucket (AWS CloudFormation User Guide, custom resources).
    "cloudformation-custom-resource-response-{region_nodash}": ("s3:PutObject",),
}
#: Endpoints that browsers use, with sessions from a pre-signed URL (Studio, notebook instances,
#: the MLflow UI): their policies name this account's SageMaker resources, as SageMaker's guides do for
#: these endpoints ("Create a VPC endpoint policy" for Studio and for MLflow), not the principal.
BROWSER_ENDPOINTS: frozenset[str] = frozenset({"sagemaker.studio", "sagemaker.notebook", "sagemaker.experiments"})
#: The Amazon Linux 2 and 2023 package repositories (yum/dnf), for ``amazon_linux_repositories``.
AMAZON_LINUX_REPOSITORY_BUCKETS: tuple[str, ...] = (
    "amazonlinux.{region}.amazonaws.com",
    "amazonlinux-2-repos-{region}",
    "al2023-repos-{region}-de612dc2",
)
_ORGANIZATION_ID = "must be an AWS Organizations id such as 'o-a1b2c3d4e5' (pattern ^o-[a-z0-9]{10,32}$)"
_BUCKET_NAME = "must be S3 bucket names: 3-63 lowercase letters, digits, '.' or '-', starting and ending alphanumeric"


@jsii.implements(ec2.IConnectable)
class PrivateNetwork(Construct):
    """Defines the network of an ML platform: private subnets, VPC endpoints, flow logs, one
    workload security group. It is an ``INetwork``: pass it as ``network`` to every construct that
    runs in a VPC.

    By default a new VPC with private isolated subnets in two Availability Zones and no NAT (no
    route to the internet), an S3 gateway endpoint and interface endpoints for SageMaker (API,
    runtime, Studio, notebook), STS, CloudWatch Logs and metrics, ECR, KMS and EventBridge, and VPC
    flow logs to a KMS-encrypted log group.

    With ``vpc``, any existing ``ec2.IVpc`` (``ec2.Vpc.from_lookup``, ``from_vpc_attributes``, one
    of another stack) and the ``vpc_subnets`` to run in, private isolated or private with egress: the
    construct adds the security groups and only the endpoints asked for (``interface_endpoints``,
    ``s3_gateway_endpoint``), and ``existing_endpoints`` names those the VPC already has. Each
    construct given the network names the endpoints it needs (``require_endpoints``): one the network
    neither has nor reaches through the internet fails at synth, naming it.

    ``workload_security_group`` is for SageMaker jobs, endpoints, Studio and Lambdas: it accepts
    traffic only from itself, and the endpoints accept HTTPS only from it.

    Every endpoint it creates has a policy, so that nothing in the VPC can move data to another
    account: the S3 gateway endpoint reaches only this account's buckets (``aws:ResourceAccount``),
    the AWS-owned buckets in ``AWS_OWNED_BUCKETS`` with the one action each needs, and
    ``external_buckets``; the interface endpoints serve only principals of this account
    (``aws:PrincipalAccount``) or of ``organization_id`` (``aws:PrincipalOrgID``), and the
    browser-facing ones (``BROWSER_ENDPOINTS``) only this account's SageMaker resources.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        cidr: str = "10.0.0.0/16",
        availability_zones: Sequence[str] | None = None,
        max_azs: int = 2,
        subnet_cidr_mask: int = 20,
        nat_gateways: int = 0,
        interface_endpoints: Sequence[str] | None = None,
        s3_gateway_endpoint: bool | None = None,
        existing_endpoints: Sequence[str] = (),
        internet_egress: bool | None = None,
        flow_logs: bool = True,
        flow_log_retention_days: int = 365,
        flow_log_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        organization_id: str | None = None,
        external_buckets: Sequence[str] = (),
        amazon_linux_repositories: bool = False,
    ) -> None:
        """
        :param vpc: default, a new VPC; otherwise an existing VPC to put the security groups and the
            endpoints asked for in (its flow logs and routes stay its owner's business).
        :param vpc_subnets: required with ``vpc``, refused without; the private subnets workloads run
            in: ``SubnetSelection(subnet_type=PRIVATE_ISOLATED)`` or ``PRIVATE_WITH_EGRESS``, or given
            subnets or a subnet group. A new VPC's are its own private subnets.
        :param cidr: default ``10.0.0.0/16``; the new VPC's IPv4 range (/16 to /24).
        :param availability_zones: default, the first ``max_azs`` zones of the stack's region; give
            them explicitly for stacks with a concrete account and region (no AWS look-up at synth).
        :param max_azs: default 2; number of zones when ``availability_zones`` is not given (>= 2).
        :param subnet_cidr_mask: default 20; prefix length of each subnet (16 to 28).
        :param nat_gateways: default 0: subnets are isolated, AWS is reached only via endpoints. With
            1 or more, private subnets get a NAT route and the VPC gets public subnets.
        :param interface_endpoints: names from ``INTERFACE_ENDPOINT_SERVICES`` to create; default all
            of ``DEFAULT_INTERFACE_ENDPOINTS`` in a new VPC, none in an existing one.
        :param s3_gateway_endpoint: whether to create an S3 gateway endpoint (on the route tables of a
            new VPC's subnets, or of ``vpc_subnets``); default True in a new VPC, False in an existing one.
        :param existing_endpoints: default none; with ``vpc``, the endpoints the VPC already has (``"s3"``
            and names from ``INTERFACE_ENDPOINT_SERVICES``), with private DNS. Their policies are the
            VPC owner's: the network says so in an info annotation.
        :param internet_egress: default, whether ``vpc_subnets`` is ``PRIVATE_WITH_EGRESS`` (a new VPC:
            whether it has NAT gateways). What no endpoint serves is then reached through the internet
            route: a warning on each construct names it, unless this is True (egress accepted: an info
            annotation then), which also says that given subnets or a subnet group route to the internet.
        :param flow_logs: default True; VPC flow logs of all traffic (new VPCs only).
        :param flow_log_retention_days: default 365; a CloudWatch Logs retention period in days.
        :param flow_log_key: default, a new ``EncryptionKey`` for the flow log group.
        :param removal_policy: default RETAIN; what happens to the flow log group (and its new key)
            when the stack is deleted.
        :param organization_id: default none: the interface endpoints serve principals of this
            account only. An AWS Organizations id (``o-...``) serves principals of the organization.
        :param external_buckets: default none; names of buckets outside this account that workloads
            may use through the S3 endpoint (for example a dataset shared by another account).
        :param amazon_linux_repositories: default False; let the S3 endpoint read the Amazon Linux 2
            and 2023 package repositories (``yum``/``dnf`` on notebook instances without internet).
        """
        super().__init__(scope, construct_id)
        problems = Problems(self, "PrivateNetwork")
        new_vpc = vpc is None
        if interface_endpoints is None:
            interface_endpoints = DEFAULT_INTERFACE_ENDPOINTS if new_vpc else ()
        if s3_gateway_endpoint is None:
            s3_gateway_endpoint = new_vpc
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
            problems.check_log_retention_days("flow_log_retention_days", flow_log_retention_days)
            for prop, value in (
                ("vpc_subnets", vpc_subnets),
                ("existing_endpoints", list(existing_endpoints) or None),
                ("internet_egress", internet_egress),
            ):
                problems.check(
                    value is None, prop, value, "only with an existing vpc (a new VPC's follow nat_gateways)"
                )
        else:
            self._check_existing(problems, vpc, vpc_subnets, internet_egress, s3_gateway_endpoint)
        unknown = [name for name in interface_endpoints if name not in INTERFACE_ENDPOINT_SERVICES]
        problems.check(
            not unknown, "interface_endpoints", unknown, f"must be among {list(INTERFACE_ENDPOINT_SERVICES)}"
        )
        problems.check_unique("interface_endpoints", interface_endpoints)
        endpoint_names = [S3_GATEWAY_ENDPOINT, *INTERFACE_ENDPOINT_SERVICES]
        unknown = [name for name in existing_endpoints if name not in endpoint_names]
        problems.check(not unknown, "existing_endpoints", unknown, f"must be among {endpoint_names}")
        twice = [
            name
            for name in existing_endpoints
            if name in interface_endpoints or (name == S3_GATEWAY_ENDPOINT and s3_gateway_endpoint)
        ]
        problems.check(
            not twice,
            "existing_endpoints",
            twice,
            "are also to be created (interface_endpoints, s3_gateway_endpoint): a second endpoint with "
            "private DNS for a service fails to deploy; name each once",
        )
        if organization_id is not None and not Token.is_unresolved(organization_id):
            problems.check(_is_organization_id(organization_id), "organization_id", organization_id, _ORGANIZATION_ID)
        bad_buckets = [b for b in external_buckets if not Token.is_unresolved(b) and not _is_bucket_name(b)]
        problems.check(not bad_buckets, "external_buckets", bad_buckets, _BUCKET_NAME)
        problems.raise_if_any()
        self._organization_id = organization_id

        self.s3_endpoint: ec2.GatewayVpcEndpoint | None = None
        if vpc is None:
            vpc = self._new_vpc(
                cidr=cidr,
                availability_zones=availability_zones,
                max_azs=max_azs,
                subnet_cidr_mask=subnet_cidr_mask,
                nat_gateways=nat_gateways,
            )
            if s3_gateway_endpoint:
                self.s3_endpoint = vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3)
            if flow_logs:
                self._add_flow_logs(vpc, flow_log_retention_days, flow_log_key, removal_policy)
            vpc_subnets = ec2.SubnetSelection(
                subnet_type=ec2.SubnetType.PRIVATE_ISOLATED if nat_gateways == 0 else ec2.SubnetType.PRIVATE_WITH_EGRESS
            )
            internet_egress = egress_accepted = nat_gateways > 0
        else:
            vpc_subnets = cast(ec2.SubnetSelection, vpc_subnets)  # required: checked above
            if s3_gateway_endpoint:
                self.s3_endpoint = ec2.GatewayVpcEndpoint(
                    self, "S3Endpoint", vpc=vpc, service=ec2.GatewayVpcEndpointAwsService.S3, subnets=[vpc_subnets]
                )
            egress_accepted = internet_egress is True
            if internet_egress is None:
                internet_egress = vpc_subnets.subnet_type == ec2.SubnetType.PRIVATE_WITH_EGRESS
        if self.s3_endpoint is not None:
            for statement in [
                *self._s3_endpoint_statements(external_buckets, amazon_linux_repositories),
                _aws_services(),
            ]:
                self.s3_endpoint.add_to_policy(statement)
        self.vpc: ec2.IVpc = vpc
        #: The subnets workloads run in.
        self.vpc_subnets: ec2.SubnetSelection = vpc_subnets
        #: Whether the subnets route to the internet (through NAT).
        self.internet_egress: bool = internet_egress
        self._egress_accepted = egress_accepted
        self.subnets: list[ec2.ISubnet] = _select(vpc, vpc_subnets)

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

        if not new_vpc and not Token.is_unresolved(vpc.vpc_id):
            known = {s.subnet_id: vpc.vpc_id for s in self.subnets if not Token.is_unresolved(s.subnet_id)}
            cast(ec2.CfnSecurityGroup, sg.node.default_child).add_metadata(SUBNET_VPCS_METADATA, known)

        self.endpoint_security_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=vpc,
            description="VPC interface endpoints: HTTPS from the workload security group only",
            allow_all_outbound=False,
        )
        self.endpoint_security_group.add_ingress_rule(sg, ec2.Port.tcp(443), "HTTPS from SageMaker workloads")

        self.interface_endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        # Every endpoint's policy has the same statements: built once and shared (a statement is only
        # read when the policies render, and merging copies statements, it never changes them).
        perimeters: dict[bool, iam.PolicyStatement] = {}
        aws_services = _aws_services() if interface_endpoints else None
        for name in interface_endpoints:
            spec = INTERFACE_ENDPOINT_SERVICES[name]
            service = (
                ec2.InterfaceVpcEndpointAwsService(spec.removeprefix("service:"))
                if spec.startswith("service:")
                else getattr(ec2.InterfaceVpcEndpointAwsService, spec)
            )
            self.interface_endpoints[name] = ec2.InterfaceVpcEndpoint(
                self,
                _endpoint_id(name),
                vpc=vpc,
                service=service,
                subnets=self.vpc_subnets,
                security_groups=[self.endpoint_security_group],
                private_dns_enabled=True,
                open=False,
            )
            browser = name in BROWSER_ENDPOINTS
            if browser not in perimeters:
                perimeters[browser] = self._resource_perimeter() if browser else self._principal_perimeter()
            self.interface_endpoints[name].add_to_policy(perimeters[browser])
            self.interface_endpoints[name].add_to_policy(cast(iam.PolicyStatement, aws_services))
        #: The endpoints the VPC already had (``existing_endpoints``).
        self.existing_endpoints: tuple[str, ...] = tuple(existing_endpoints)
        if existing_endpoints:
            Annotations.of(self).add_info(
                f"PrivateNetwork: relies on the VPC's own {list(existing_endpoints)} endpoints; their policies "
                "are the VPC owner's, not this network's perimeter"
            )
        # aws-cdk-lib's provider of the default security group restriction trusts Lambda unpinned.
        pin_provider_roles(stack_of(self))

    # -- INetwork -------------------------------------------------------------------------------

    @property
    def security_groups(self) -> list[ec2.ISecurityGroup]:
        """The workload security group."""
        return [self.workload_security_group]

    @property
    def connections(self) -> ec2.Connections:
        """The workload security group's connections (``ec2.IConnectable``)."""
        return self.workload_security_group.connections

    @property
    def endpoints(self) -> frozenset[str]:
        """The endpoints workloads reach in the VPC: created here or already there."""
        created = [*self.interface_endpoints, *([S3_GATEWAY_ENDPOINT] if self.s3_endpoint else [])]
        return frozenset((*created, *self.existing_endpoints))

    def require_endpoints(
        self, consumer: IConstruct, endpoints: Sequence[str], *, purpose: str, required: bool = True
    ) -> None:
        """Fail at synth, naming them, if ``consumer`` needs ``endpoints`` the network neither has nor
        reaches through the internet (a warning when not ``required``); warn about those reached
        through the internet."""
        missing = [name for name in dict.fromkeys(endpoints) if name not in self.endpoints]
        if not missing:
            return
        kind = type(consumer).__name__
        names = ", ".join(_describe_endpoint(name) for name in missing)
        if self.internet_egress:
            said = (
                f"{kind}: {purpose}; the network has no {names} endpoint, so this traffic leaves through the "
                "subnets' internet route (NAT)"
            )
            if self._egress_accepted:
                Annotations.of(consumer).add_info(said)
            else:
                Annotations.of(consumer).add_warning_v2(
                    "constructs-lib:network-endpoints-through-internet",
                    f"{said}: create the endpoints, or accept the egress (PrivateNetwork internet_egress=True)",
                )
            return
        interface = [name for name in missing if name != S3_GATEWAY_ENDPOINT]
        create = [
            *([f"interface_endpoints=[..., {', '.join(map(repr, interface))}]"] if interface else []),
            *(["s3_gateway_endpoint=True"] if S3_GATEWAY_ENDPOINT in missing else []),
        ]
        fix = (
            f"create them ({' and '.join(create)}), name the VPC's own (existing_endpoints={missing}), or run "
            "in subnets with an internet route"
        )
        why = f"{purpose}; the subnets have no internet route and the network has no {names} endpoint: {fix}"
        if not required:
            Annotations.of(consumer).add_warning_v2("constructs-lib:network-endpoints-missing", f"{kind}: {why}")
            return
        problems = Problems(consumer.node.path, kind)
        problems.add("network", construct_path(self), why)
        problems.raise_if_any()

    # -- attributes -----------------------------------------------------------------------------

    @property
    def vpc_id(self) -> str:
        return self.vpc.vpc_id

    @property
    def subnet_ids(self) -> list[str]:
        return [subnet.subnet_id for subnet in self.subnets]

    @property
    def security_group_ids(self) -> list[str]:
        return [self.workload_security_group.security_group_id]

    def _check_existing(
        self,
        problems: Problems,
        vpc: ec2.IVpc,
        vpc_subnets: ec2.SubnetSelection | None,
        internet_egress: bool | None,
        s3_gateway_endpoint: bool,
    ) -> None:
        """An existing VPC: the subnets selected exist and are private, and an S3 gateway can be routed."""
        if vpc_subnets is None:
            problems.add(
                "vpc_subnets",
                None,
                "is required with an existing vpc: ec2.SubnetSelection(subnet_type=PRIVATE_ISOLATED or "
                "PRIVATE_WITH_EGRESS), or the subnets themselves",
            )
            return
        if vpc_subnets.subnet_type == ec2.SubnetType.PUBLIC:
            problems.add(
                "vpc_subnets", "PUBLIC", "must select private subnets: PRIVATE_ISOLATED or PRIVATE_WITH_EGRESS"
            )
            return
        if internet_egress is True and vpc_subnets.subnet_type == ec2.SubnetType.PRIVATE_ISOLATED:
            problems.add("internet_egress", True, "contradicts vpc_subnets PRIVATE_ISOLATED (no internet route)")
        try:
            subnets = _select(vpc, vpc_subnets)
        except Exception as error:  # jsii raises CDK's own error for a selection the VPC cannot serve
            problems.add("vpc_subnets", _selection_text(vpc_subnets), f"selects nothing in {vpc.node.path}: {error}")
            return
        if not subnets:
            problems.add("vpc_subnets", _selection_text(vpc_subnets), f"selects no subnet of {vpc.node.path}")
            return
        if s3_gateway_endpoint:
            unknown = [s.subnet_id for s in subnets if not _has_route_table(s)]
            problems.check(
                not unknown,
                "s3_gateway_endpoint",
                True,
                f"needs the route tables of the subnets {unknown} (ec2.Vpc.from_vpc_attributes(..., "
                "private_subnet_route_table_ids=...) or ec2.Subnet.from_subnet_attributes(..., route_table_id=...)), "
                "or name the VPC's own endpoint: existing_endpoints=['s3']",
            )

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
    ) -> ec2.Vpc:
        subnets = [
            ec2.SubnetConfiguration(
                name="Private",
                subnet_type=ec2.SubnetType.PRIVATE_ISOLATED
                if nat_gateways == 0
                else ec2.SubnetType.PRIVATE_WITH_EGRESS,
                cidr_mask=subnet_cidr_mask,
            )
        ]
        if nat_gateways:
            subnets.append(
                ec2.SubnetConfiguration(
                    name="Public",
                    subnet_type=ec2.SubnetType.PUBLIC,
                    cidr_mask=min(subnet_cidr_mask + 4, 28),
                    map_public_ip_on_launch=False,
                )
            )
        return ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            availability_zones=list(availability_zones) if availability_zones else None,
            max_azs=None if availability_zones else max_azs,
            nat_gateways=nat_gateways,
            subnet_configuration=subnets,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            restrict_default_security_group=True,
        )

    def _principal_perimeter(self) -> iam.PolicyStatement:
        """Interface endpoints: any action, only for principals of this account (or organization)."""
        if self._organization_id is not None:
            condition = {"aws:PrincipalOrgID": self._organization_id}
        else:
            condition = {"aws:PrincipalAccount": stack_facts(self).account}
        return iam.PolicyStatement(
            sid="OnlyPrincipalsOfThisOrganization" if self._organization_id else "OnlyPrincipalsOfThisAccount",
            principals=_anyone(),
            actions=["*"],
            resources=["*"],
            conditions={"StringEquals": condition},
        )

    def _resource_perimeter(self) -> iam.PolicyStatement:
        """Browser-facing endpoints: any action on this account's SageMaker resources only."""
        stack = stack_facts(self)
        return iam.PolicyStatement(
            sid="OnlySageMakerResourcesOfThisAccount",
            principals=_anyone(),
            actions=["*"],
            resources=[f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}:*"],
        )

    def _s3_endpoint_statements(
        self, external_buckets: Sequence[str], amazon_linux_repositories: bool
    ) -> list[iam.PolicyStatement]:
        stack = stack_facts(self)
        region = stack.region
        region_nodash = (
            region.replace("-", "") if not Token.is_unresolved(region) else Fn.join("", Fn.split("-", region))
        )

        def objects(pattern: str) -> str:
            name = pattern.replace("{region_nodash}", region_nodash).replace("{region}", region)
            return f"arn:{stack.partition}:s3:::{name}/*"

        statements = [
            iam.PolicyStatement(
                sid="OnlyBucketsOfThisAccount",
                principals=_anyone(),
                actions=["s3:*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:ResourceAccount": stack.account}},
            )
        ]
        by_actions: dict[tuple[str, ...], list[str]] = {}
        for pattern, actions in AWS_OWNED_BUCKETS.items():
            by_actions.setdefault(actions, []).append(objects(pattern))
        for number, (actions, resources) in enumerate(by_actions.items(), start=1):
            statements.append(
                iam.PolicyStatement(
                    sid=f"AwsOwnedBuckets{number}",
                    principals=_anyone(),
                    actions=list(actions),
                    resources=resources,
                )
            )
        if amazon_linux_repositories:
            statements.append(
                iam.PolicyStatement(
                    sid="AmazonLinuxRepositories",
                    principals=_anyone(),
                    actions=["s3:GetObject"],
                    resources=[objects(p) for p in AMAZON_LINUX_REPOSITORY_BUCKETS],
                )
            )
        if external_buckets:
            statements.append(
                iam.PolicyStatement(
                    sid="ExternalBuckets",
                    principals=_anyone(),
                    actions=["s3:*"],
                    resources=[
                        arn
                        for b in external_buckets
                        for arn in (f"arn:{stack.partition}:s3:::{b}", f"arn:{stack.partition}:s3:::{b}/*")
                    ],
                )
            )
        return statements

    def _add_flow_logs(
        self,
        vpc: ec2.Vpc,
        retention: int,
        key: kms.IKey | None,
        removal_policy: RemovalPolicy,
    ) -> None:
        if key is None:
            key = as_key(
                EncryptionKey(
                    self,
                    "FlowLogKey",
                    description=f"{construct_path(self)} flow log key",
                    removal_policy=removal_policy,
                )
            )
        self.flow_log_group = logs.LogGroup(
            self,
            "FlowLogGroup",
            retention=retention_days(retention),
            encryption_key=key,
            removal_policy=removal_policy,
        )
        stack = stack_facts(self)
        role = service_role(
            self,
            "FlowLogRole",
            service="vpc-flow-logs.amazonaws.com",
            description="Delivers this VPC's flow logs to its log group",
            source_arn=f"arn:{stack.partition}:ec2:{stack.region}:{stack.account}:vpc-flow-log/*",
        )
        vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group, as_role(role)),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )


def _is_cidr(value: str, shortest: int, longest: int) -> bool:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except (ValueError, TypeError):
        return False
    return shortest <= network.prefixlen <= longest


def _anyone() -> list[iam.IPrincipal]:
    """``Principal: "*"``, the principal of an endpoint policy statement whose conditions do the scoping."""
    return as_principals([_any_principal()])


@functools.cache
def _any_principal() -> iam.AnyPrincipal:
    # One for every statement: a principal is immutable (its conditions make new ones), and each
    # would be a jsii object to create.
    return iam.AnyPrincipal()


def _aws_services() -> iam.PolicyStatement:
    """AWS service principals acting through the endpoint for a resource of ours: they carry AWS's
    credentials, never a user's (the AWS data perimeter examples' ``aws:PrincipalIsAWSService``)."""
    return iam.PolicyStatement(
        sid="AwsServicePrincipals",
        principals=_anyone(),
        actions=["*"],
        resources=["*"],
        conditions={"Bool": {"aws:PrincipalIsAWSService": "true"}},
    )


def _is_organization_id(value: str) -> bool:
    suffix = value[2:]
    return value.startswith("o-") and 10 <= len(suffix) <= 32 and all(c.isdigit() or "a" <= c <= "z" for c in suffix)


def _is_bucket_name(value: str) -> bool:
    return (
        3 <= len(value) <= 63
        and value[0].isalnum()
        and value[-1].isalnum()
        and all(c.isdigit() or "a" <= c <= "z" or c in ".-" for c in value)
    )


def _endpoint_id(name: str) -> str:
    return "".join(part.title() for part in name.replace(".", "-").split("-")) + "Endpoint"


def _has_route_table(subnet: ec2.ISubnet) -> bool:
    """Whether the subnet's route table is known (an imported subnet without one raises in CDK)."""
    try:
        return bool(subnet.route_table.route_table_id)
    except Exception:  # jsii: "You cannot reference an imported Subnet's route table without the route table ID"
        return False


def _selection_text(selection: ec2.SubnetSelection) -> str:
    if selection.subnets:
        return f"subnets={[s.subnet_id for s in selection.subnets]}"
    if selection.subnet_group_name:
        return f"subnet_group_name={selection.subnet_group_name!r}"
    return f"subnet_type={selection.subnet_type.name if selection.subnet_type else None}"


def _describe_endpoint(name: str) -> str:
    return "'s3' gateway" if name == S3_GATEWAY_ENDPOINT else f"{name!r} interface"
