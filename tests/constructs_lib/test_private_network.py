import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Annotations, Match, Template
from constructs import Construct

from constructs_lib import DEFAULT_INTERFACE_ENDPOINTS, ConstructValidationError, PrivateNetwork
from tests.conftest import compliance_app, nag_findings, new_stack

ISOLATED = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)


@pytest.fixture(scope="module")
def synthesized() -> tuple[PrivateNetwork, Template, list[str]]:
    """A network with every default, in an app with the compliance packs: synthesized once, for the
    packs' findings and the template the other tests read (``Template.from_stack`` reads that
    synthesis's assembly); only read."""
    app = compliance_app()
    stack = new_stack(app)
    network = PrivateNetwork(stack, "Network", availability_zones=["eu-west-1a", "eu-west-1b"])
    findings = nag_findings(app)
    return network, Template.from_stack(stack), findings


@pytest.fixture(scope="module")
def network_template(synthesized) -> tuple[PrivateNetwork, Template]:
    """(network, template) of ``synthesized``."""
    network, template, _ = synthesized
    return network, template


@pytest.fixture(scope="module")
def template(network_template) -> Template:
    return network_template[1]


def test_subnets_are_private_and_isolated_in_two_zones_with_no_nat(template):
    template.resource_count_is("AWS::EC2::Subnet", 2)
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.resource_count_is("AWS::EC2::InternetGateway", 0)
    zones = {s["Properties"]["AvailabilityZone"] for s in template.find_resources("AWS::EC2::Subnet").values()}
    assert zones == {"eu-west-1a", "eu-west-1b"}
    for subnet in template.find_resources("AWS::EC2::Subnet").values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False


def test_interface_endpoints_cover_what_sagemaker_needs_without_internet(template):
    endpoints = template.find_resources("AWS::EC2::VPCEndpoint", {"Properties": {"VpcEndpointType": "Interface"}})
    services = {
        e["Properties"]["ServiceName"]
        if isinstance(e["Properties"]["ServiceName"], str)
        else str(e["Properties"]["ServiceName"])
        for e in endpoints.values()
    }
    expected = {
        "com.amazonaws.eu-west-1.sagemaker.api",
        "com.amazonaws.eu-west-1.sagemaker.runtime",
        "aws.sagemaker.eu-west-1.studio",
        "aws.sagemaker.eu-west-1.notebook",
        "com.amazonaws.eu-west-1.sts",
        "com.amazonaws.eu-west-1.logs",
        "com.amazonaws.eu-west-1.monitoring",
        "com.amazonaws.eu-west-1.ecr.api",
        "com.amazonaws.eu-west-1.ecr.dkr",
        "com.amazonaws.eu-west-1.kms",
        "com.amazonaws.eu-west-1.events",
    }
    assert services == expected
    assert len(DEFAULT_INTERFACE_ENDPOINTS) == len(expected)
    for endpoint in endpoints.values():
        assert endpoint["Properties"]["PrivateDnsEnabled"] is True


def test_s3_is_reached_through_a_gateway_endpoint(template):
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "VpcEndpointType": "Gateway",
            "ServiceName": {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".s3"]]},
        },
    )


def test_flow_logs_capture_all_traffic_to_an_encrypted_log_group(template):
    template.has_resource_properties(
        "AWS::EC2::FlowLog", {"TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"}
    )
    template.has_resource_properties(
        "AWS::Logs::LogGroup", {"RetentionInDays": 365, "KmsKeyId": {"Fn::GetAtt": [Match.any_value(), "Arn"]}}
    )
    template.has_resource("AWS::Logs::LogGroup", {"DeletionPolicy": "Retain"})


def test_flow_log_role_uses_a_managed_policy_not_an_inline_one(template):
    template.resource_count_is("AWS::IAM::Policy", 0)
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with([Match.object_like({"Action": Match.array_with(["logs:PutLogEvents"])})])
            }
        },
    )


def test_workload_security_group_accepts_traffic_only_from_itself(network_template):
    network, template = network_template
    sg_id = (
        network.workload_security_group.node.default_child.logical_id
        if hasattr(network.workload_security_group.node.default_child, "logical_id")
        else None
    )
    ingress = template.find_resources("AWS::EC2::SecurityGroupIngress")
    workload_rules = [r["Properties"] for r in ingress.values() if r["Properties"]["IpProtocol"] == "-1"]
    assert len(workload_rules) == 1
    rule = workload_rules[0]
    assert rule["SourceSecurityGroupId"] == rule["GroupId"]
    assert "CidrIp" not in rule
    for sg in template.find_resources("AWS::EC2::SecurityGroup").values():
        for inline in sg["Properties"].get("SecurityGroupIngress", []):
            assert inline.get("CidrIp") != "0.0.0.0/0"
    assert sg_id is not None


def test_endpoints_accept_https_only_from_the_workload_security_group(template):
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "SourceSecurityGroupId": Match.any_value()},
    )


def test_default_security_group_is_restricted(template):
    template.resource_count_is("Custom::VpcRestrictDefaultSG", 1)


def test_attributes_for_sagemaker_vpc_config(network_template):
    network, _ = network_template
    assert len(network.subnet_ids) == 2
    assert len(network.security_group_ids) == 1


def test_uses_an_existing_vpc_without_touching_its_flow_logs():
    stack = new_stack()
    vpc = ec2.Vpc(
        stack,
        "Existing",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="p", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    PrivateNetwork(stack, "Network", vpc=vpc, vpc_subnets=ISOLATED, interface_endpoints=["sagemaker.api"])
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::VPC", 1)
    template.resource_count_is("AWS::EC2::FlowLog", 0)
    template.resource_count_is("AWS::EC2::VPCEndpoint", 1)


def test_nat_is_opt_in_and_adds_public_subnets_without_public_ips():
    stack = new_stack()
    PrivateNetwork(
        stack, "Network", availability_zones=["eu-west-1a", "eu-west-1b"], nat_gateways=1, interface_endpoints=()
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::NatGateway", 1)
    template.resource_count_is("AWS::EC2::Subnet", 4)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cidr": "10.0.0.0/8"}, "cidr='10.0.0.0/8'"),
        ({"cidr": "not-a-cidr"}, "cidr='not-a-cidr'"),
        ({"availability_zones": ["eu-west-1a"]}, "availability_zones=['eu-west-1a']"),
        ({"max_azs": 1}, "max_azs=1"),
        ({"subnet_cidr_mask": 29}, "subnet_cidr_mask=29"),
        ({"interface_endpoints": ["sagemaker.api", "ftp"]}, "interface_endpoints=['ftp']"),
        ({"flow_log_retention_days": 42}, "flow_log_retention_days=42"),
    ],
)
def test_rejects_invalid_input(kwargs, message):
    with pytest.raises(ConstructValidationError) as error:
        PrivateNetwork(new_stack(), "Network", **kwargs)
    assert "PrivateNetwork 'Test/Network'" in str(error.value)
    assert message in str(error.value)


def test_is_compliant_under_the_nag_packs(synthesized):
    _, _, findings = synthesized
    assert findings == []


def test_cloudformation_and_step_functions_endpoints_are_available_but_not_default():
    from aws_cdk.assertions import Template

    from tests.conftest import new_stack

    assert "cloudformation" not in DEFAULT_INTERFACE_ENDPOINTS and "states" not in DEFAULT_INTERFACE_ENDPOINTS
    stack = new_stack()
    PrivateNetwork(
        stack,
        "Net",
        availability_zones=["eu-west-1a", "eu-west-1b"],
        interface_endpoints=[*DEFAULT_INTERFACE_ENDPOINTS, "cloudformation", "states"],
    )
    services = [
        e["Properties"]["ServiceName"]
        for e in Template.from_stack(stack)
        .find_resources("AWS::EC2::VPCEndpoint", {"Properties": {"VpcEndpointType": "Interface"}})
        .values()
    ]
    assert "com.amazonaws.eu-west-1.cloudformation" in services and "com.amazonaws.eu-west-1.states" in services


def test_mlflow_endpoint_is_available_but_not_default():
    from aws_cdk.assertions import Template

    from tests.conftest import new_stack

    assert "sagemaker.experiments" not in DEFAULT_INTERFACE_ENDPOINTS
    stack = new_stack()
    PrivateNetwork(
        stack, "Net", availability_zones=["eu-west-1a", "eu-west-1b"], interface_endpoints=["sagemaker.experiments"]
    )
    services = [
        e["Properties"]["ServiceName"]
        for e in Template.from_stack(stack)
        .find_resources("AWS::EC2::VPCEndpoint", {"Properties": {"VpcEndpointType": "Interface"}})
        .values()
    ]
    assert services == ["aws.sagemaker.eu-west-1.experiments"]


# --- Endpoint policies: nothing in the VPC moves data to another account -------------------------

from aws_cdk import Environment  # noqa: E402

from tests.iam_eval import Request, allows, resolve  # noqa: E402

ACCOUNT, OTHER = "111111111111", "999999999999"
PSEUDO = {"AWS::Partition": "aws", "AWS::AccountId": ACCOUNT, "AWS::Region": "eu-west-1"}


def _endpoint_policies(**kwargs) -> dict[str, dict]:
    """Resolved policy documents of the network's endpoints, by service name."""
    import aws_cdk as cdk

    from tests.conftest import new_app

    stack = cdk.Stack(new_app(), "Pinned", env=Environment(account=ACCOUNT, region="eu-west-1"))
    PrivateNetwork(stack, "Network", availability_zones=["eu-west-1a", "eu-west-1b"], **kwargs)
    endpoints = Template.from_stack(stack).find_resources("AWS::EC2::VPCEndpoint")
    return {
        str(resolve(e["Properties"]["ServiceName"], PSEUDO)): resolve(e["Properties"].get("PolicyDocument"), PSEUDO)
        for e in endpoints.values()
    }


@pytest.fixture(scope="module")
def endpoint_policies() -> dict[str, dict]:
    return _endpoint_policies()


S3 = "com.amazonaws.eu-west-1.s3"


def test_every_endpoint_has_a_policy(endpoint_policies):
    assert len(endpoint_policies) == len(DEFAULT_INTERFACE_ENDPOINTS) + 1
    assert all(policy and policy["Statement"] for policy in endpoint_policies.values())


def test_s3_endpoint_reaches_this_accounts_buckets(endpoint_policies):
    policy = endpoint_policies[S3]
    for action in ("s3:GetObject", "s3:PutObject", "s3:ListBucket"):
        assert allows(policy, Request(action, "arn:aws:s3:::ml-platform-dev-data/x", {"aws:ResourceAccount": ACCOUNT}))


def test_s3_endpoint_denies_other_accounts_buckets(endpoint_policies):
    policy = endpoint_policies[S3]
    for action in ("s3:PutObject", "s3:GetObject", "s3:ListBucket", "s3:PutBucketPolicy"):
        assert not allows(policy, Request(action, "arn:aws:s3:::attacker-bucket/loot", {"aws:ResourceAccount": OTHER}))


def test_s3_endpoint_lets_through_only_the_aws_owned_buckets_services_need(endpoint_policies):
    policy = endpoint_policies[S3]
    layers = "arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/sha256/abc"
    assert allows(policy, Request("s3:GetObject", layers, {"aws:ResourceAccount": OTHER}))
    assert not allows(policy, Request("s3:PutObject", layers, {"aws:ResourceAccount": OTHER}))
    answer = "arn:aws:s3:::cloudformation-custom-resource-response-euwest1/arn%3Aaws/abc"
    assert allows(policy, Request("s3:PutObject", answer, {"aws:ResourceAccount": OTHER}))
    assert not allows(policy, Request("s3:GetObject", answer, {"aws:ResourceAccount": OTHER}))
    repository = "arn:aws:s3:::amazonlinux-2-repos-eu-west-1/core/latest/x86_64/mirror.list"
    assert not allows(policy, Request("s3:GetObject", repository, {"aws:ResourceAccount": OTHER}))


def test_amazon_linux_repositories_and_external_buckets_are_opt_in():
    policy = _endpoint_policies(
        interface_endpoints=(), amazon_linux_repositories=True, external_buckets=["shared-datasets"]
    )[S3]
    repository = "arn:aws:s3:::amazonlinux-2-repos-eu-west-1/core/latest/x86_64/mirror.list"
    assert allows(policy, Request("s3:GetObject", repository, {"aws:ResourceAccount": OTHER}))
    assert allows(policy, Request("s3:GetObject", "arn:aws:s3:::shared-datasets/a.csv", {"aws:ResourceAccount": OTHER}))
    assert not allows(policy, Request("s3:GetObject", "arn:aws:s3:::other/a.csv", {"aws:ResourceAccount": OTHER}))


BROWSER = {"aws.sagemaker.eu-west-1.studio", "aws.sagemaker.eu-west-1.notebook"}


def test_interface_endpoints_serve_only_principals_of_this_account(endpoint_policies):
    for service, policy in endpoint_policies.items():
        if service == S3 or service in BROWSER:
            continue
        assert allows(
            policy,
            Request(
                "sagemaker:CreateTrainingJob",
                "arn:aws:sagemaker:eu-west-1:111111111111:x",
                {"aws:PrincipalAccount": ACCOUNT},
            ),
        ), service
        assert not allows(policy, Request("sts:GetCallerIdentity", "*", {"aws:PrincipalAccount": OTHER})), service


def test_browser_endpoints_reach_only_this_accounts_sagemaker_resources(endpoint_policies):
    for service in BROWSER:
        policy = endpoint_policies[service]
        assert allows(
            policy, Request("sagemaker:CreateApp", f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:app/d-1/u/JupyterLab/x")
        )
        assert not allows(
            policy, Request("sagemaker:CreateApp", f"arn:aws:sagemaker:eu-west-1:{OTHER}:app/d-9/u/JupyterLab/x")
        )


def test_aws_service_principals_may_act_through_every_endpoint(endpoint_policies):
    for service, policy in endpoint_policies.items():
        assert allows(
            policy,
            Request(
                "logs:PutLogEvents",
                "arn:aws:logs:eu-west-1:111111111111:log-group:x",
                {"aws:PrincipalIsAWSService": "true", "aws:PrincipalAccount": OTHER, "aws:ResourceAccount": ACCOUNT},
            ),
        ), service
        assert not allows(
            policy,
            Request(
                "s3:PutObject",
                "arn:aws:s3:::attacker-bucket/loot",
                {"aws:PrincipalIsAWSService": "false", "aws:PrincipalAccount": OTHER, "aws:ResourceAccount": OTHER},
            ),
        ), service


def test_interface_endpoints_can_serve_an_organization_instead():
    policies = _endpoint_policies(interface_endpoints=["sts"], organization_id="o-a1b2c3d4e5")
    policy = policies["com.amazonaws.eu-west-1.sts"]
    assert allows(
        policy,
        Request(
            "sts:AssumeRole",
            "arn:aws:iam::222222222222:role/r",
            {"aws:PrincipalOrgID": "o-a1b2c3d4e5", "aws:PrincipalAccount": "222222222222"},
        ),
    )
    assert not allows(
        policy,
        Request(
            "sts:AssumeRole",
            "arn:aws:iam::222222222222:role/r",
            {"aws:PrincipalOrgID": "o-zzzzzzzzzz", "aws:PrincipalAccount": ACCOUNT},
        ),
    )


def test_canary_the_endpoint_checks_fail_on_an_open_endpoint():
    """CDK's default (no policy) is AWS's full-access default: the evaluator must see it as open."""
    full_access = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
    assert allows(
        full_access, Request("s3:PutObject", "arn:aws:s3:::attacker-bucket/loot", {"aws:ResourceAccount": OTHER})
    )
    assert allows(full_access, Request("sts:GetCallerIdentity", "*", {"aws:PrincipalAccount": OTHER}))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"organization_id": "org-1"}, "organization_id='org-1'"),
        ({"external_buckets": ["Bad_Bucket"]}, "external_buckets=['Bad_Bucket']"),
    ],
)
def test_rejects_invalid_perimeter_input(kwargs, message):
    with pytest.raises(ConstructValidationError) as error:
        PrivateNetwork(new_stack(), "Network", **kwargs)
    assert message in str(error.value)


def test_flow_log_role_is_pinned_to_this_accounts_flow_logs(template):
    role = next(
        r
        for r in template.find_resources("AWS::IAM::Role").values()
        if "vpc-flow-logs" in str(r["Properties"]["AssumeRolePolicyDocument"])
    )
    condition = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert "vpc-flow-log/*" in str(condition["ArnLike"]["aws:SourceArn"])


def test_every_role_trust_is_pinned_to_this_account(template):
    """Including aws-cdk-lib's provider role of the default security group restriction."""
    roles = template.find_resources("AWS::IAM::Role")
    assert len(roles) == 2
    for role in roles.values():
        for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
            assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


# -- existing networks ------------------------------------------------------------------------------

AZS = ["eu-west-1a", "eu-west-1b"]
EGRESS = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)


def _imported(stack, *, route_tables: bool = True, isolated: bool = False) -> ec2.IVpc:
    """A VPC of another team, known by its ids (``from_vpc_attributes``, explicit zones)."""
    subnets = {
        "availability_zones": AZS,
        ("isolated_subnet_ids" if isolated else "private_subnet_ids"): ["subnet-0a", "subnet-0b"],
    }
    if route_tables:
        subnets["isolated_subnet_route_table_ids" if isolated else "private_subnet_route_table_ids"] = [
            "rtb-a",
            "rtb-b",
        ]
    return ec2.Vpc.from_vpc_attributes(stack, "Shared", vpc_id="vpc-0123", vpc_cidr_block="10.1.0.0/16", **subnets)


def test_an_existing_vpc_with_egress_subnets_gets_security_groups_and_only_the_endpoints_asked_for():
    stack = new_stack()
    network = PrivateNetwork(stack, "Network", vpc=_imported(stack), vpc_subnets=EGRESS)
    template = Template.from_stack(stack)
    for kind in ("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::FlowLog", "AWS::EC2::VPCEndpoint"):
        template.resource_count_is(kind, 0)
    template.resource_count_is("AWS::EC2::SecurityGroup", 2)
    template.has_resource_properties("AWS::EC2::SecurityGroup", {"VpcId": "vpc-0123"})
    assert network.subnet_ids == ["subnet-0a", "subnet-0b"]
    assert network.internet_egress is True and network.endpoints == frozenset()


def test_an_existing_vpc_gets_the_endpoints_asked_for_in_its_subnets_and_route_tables():
    stack = new_stack()
    PrivateNetwork(
        stack,
        "Network",
        vpc=_imported(stack, isolated=True),
        vpc_subnets=ISOLATED,
        interface_endpoints=["sagemaker.api", "sts"],
        s3_gateway_endpoint=True,
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::VPCEndpoint", 3)
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {"VpcEndpointType": "Gateway", "RouteTableIds": ["rtb-a", "rtb-b"], "VpcId": "vpc-0123"},
    )
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {"VpcEndpointType": "Interface", "SubnetIds": ["subnet-0a", "subnet-0b"], "PrivateDnsEnabled": True},
    )
    gateway = template.find_resources("AWS::EC2::VPCEndpoint", {"Properties": {"VpcEndpointType": "Gateway"}})
    [policy] = [e["Properties"]["PolicyDocument"] for e in gateway.values()]
    assert "OnlyBucketsOfThisAccount" in {s.get("Sid") for s in policy["Statement"]}


def test_a_looked_up_vpc_is_accepted():
    import aws_cdk as cdk

    app_stack = cdk.Stack(cdk.App(), "Lookup", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    vpc = ec2.Vpc.from_lookup(app_stack, "Vpc", vpc_id="vpc-0123")  # CDK's dummy VPC until the CLI looks it up
    network = PrivateNetwork(app_stack, "Network", vpc=vpc, vpc_subnets=EGRESS, interface_endpoints=["sts"])
    assert network.subnets and network.endpoints == frozenset({"sts"})


def test_an_isolated_existing_vpc_without_the_s3_gateway_fails_naming_it():
    stack = new_stack()
    network = PrivateNetwork(stack, "Network", vpc=_imported(stack, isolated=True), vpc_subnets=ISOLATED)
    consumer = Construct(stack, "Jobs")
    with pytest.raises(ConstructValidationError) as error:
        network.require_endpoints(consumer, ["s3", "sagemaker.api"], purpose="the jobs read their data in S3")
    message = str(error.value)
    assert "Construct 'Test/Jobs' has invalid input" in message
    assert "network='Test/Network': the jobs read their data in S3" in message
    assert "no 's3' gateway, 'sagemaker.api' interface endpoint" in message
    assert "s3_gateway_endpoint=True" in message and "interface_endpoints=[..., 'sagemaker.api']" in message
    assert "existing_endpoints=['s3', 'sagemaker.api']" in message


def test_endpoints_the_vpc_already_has_are_an_explicit_opt_out_said_in_an_annotation():
    stack = new_stack()
    network = PrivateNetwork(
        stack,
        "Network",
        vpc=_imported(stack, isolated=True),
        vpc_subnets=ISOLATED,
        existing_endpoints=["s3", "sagemaker.api"],
    )
    network.require_endpoints(Construct(stack, "Jobs"), ["s3", "sagemaker.api"], purpose="jobs")
    Annotations.from_stack(stack).has_info(
        "/Test/Network", Match.string_like_regexp(r"VPC's own \['s3', 'sagemaker.api'\]")
    )
    assert Annotations.from_stack(stack).find_warning("*", Match.any_value()) == []


def test_egress_through_nat_gets_a_warning_naming_what_goes_through_it_until_accepted():
    stack = new_stack()
    network = PrivateNetwork(stack, "Network", vpc=_imported(stack), vpc_subnets=EGRESS, existing_endpoints=["s3"])
    network.require_endpoints(Construct(stack, "Jobs"), ["s3", "sts"], purpose="jobs call STS")
    Annotations.from_stack(stack).has_warning(
        "/Test/Jobs",
        Match.string_like_regexp("no 'sts' interface endpoint, so this traffic leaves through.*internet_egress=True"),
    )
    vpc = network.vpc
    accepted = PrivateNetwork(stack, "Accepted", vpc=vpc, vpc_subnets=EGRESS, internet_egress=True)
    accepted.require_endpoints(Construct(stack, "Other"), ["sts"], purpose="jobs call STS")
    Annotations.from_stack(stack).has_info("/Test/Other", Match.string_like_regexp("no 'sts' interface endpoint"))
    assert Annotations.from_stack(stack).find_warning("/Test/Other", Match.any_value()) == []


def test_given_subnets_with_a_nat_route_say_so_with_internet_egress():
    stack = new_stack()
    vpc = _imported(stack, isolated=True)
    given = ec2.SubnetSelection(subnets=vpc.isolated_subnets)
    network = PrivateNetwork(stack, "Network", vpc=vpc, vpc_subnets=given)
    with pytest.raises(ConstructValidationError):
        network.require_endpoints(Construct(stack, "A"), ["sts"], purpose="calls STS")
    routed = PrivateNetwork(stack, "Routed", vpc=vpc, vpc_subnets=given, internet_egress=True)
    routed.require_endpoints(Construct(stack, "B"), ["sts"], purpose="calls STS")
    Annotations.from_stack(stack).has_info("/Test/B", Match.string_like_regexp("'sts' interface endpoint"))


def test_an_endpoint_not_strictly_needed_is_a_warning_in_isolated_subnets():
    stack = new_stack()
    network = PrivateNetwork(stack, "Network", vpc=_imported(stack, isolated=True), vpc_subnets=ISOLATED)
    network.require_endpoints(Construct(stack, "Fn"), ["cloudformation"], purpose="tells rollbacks", required=False)
    Annotations.from_stack(stack).has_warning("/Test/Fn", Match.string_like_regexp("no 'cloudformation' interface"))


def test_a_new_vpc_reaches_what_it_created_and_fails_on_the_rest():
    stack = new_stack()
    network = PrivateNetwork(stack, "Network", availability_zones=AZS, interface_endpoints=["sts"])
    assert network.endpoints == frozenset({"s3", "sts"}) and network.internet_egress is False
    network.require_endpoints(Construct(stack, "Ok"), ["s3", "sts"], purpose="fine")
    with pytest.raises(ConstructValidationError, match="'logs' interface endpoint"):
        network.require_endpoints(Construct(stack, "Logs"), ["logs"], purpose="writes logs")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "vpc_subnets=None: is required with an existing vpc"),
        (
            {"vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)},
            "vpc_subnets='PUBLIC': must select private",
        ),
        ({"vpc_subnets": ISOLATED}, "vpc_subnets='subnet_type=PRIVATE_ISOLATED': selects nothing in Test/Shared"),
        ({"vpc_subnets": EGRESS, "internet_egress": True, "existing_endpoints": ["ftp"]}, "existing_endpoints=['ftp']"),
        (
            {"vpc_subnets": EGRESS, "interface_endpoints": ["sts"], "existing_endpoints": ["sts"]},
            "existing_endpoints=['sts']: are also to be created",
        ),
    ],
)
def test_rejects_invalid_existing_network_input(kwargs, message):
    stack = new_stack()
    with pytest.raises(ConstructValidationError) as error:
        PrivateNetwork(stack, "Network", vpc=_imported(stack), **kwargs)
    assert "PrivateNetwork 'Test/Network'" in str(error.value) and message in str(error.value)


def test_an_s3_gateway_on_subnets_without_known_route_tables_fails_at_synth_not_in_cdk():
    stack = new_stack()
    with pytest.raises(ConstructValidationError) as error:
        PrivateNetwork(
            stack, "Network", vpc=_imported(stack, route_tables=False), vpc_subnets=EGRESS, s3_gateway_endpoint=True
        )
    assert "s3_gateway_endpoint=True: needs the route tables of the subnets ['subnet-0a', 'subnet-0b']" in str(
        error.value
    )


def test_an_isolated_selection_contradicts_internet_egress():
    stack = new_stack()
    with pytest.raises(ConstructValidationError, match="internet_egress=True: contradicts"):
        PrivateNetwork(
            stack, "Network", vpc=_imported(stack, isolated=True), vpc_subnets=ISOLATED, internet_egress=True
        )


def test_existing_network_options_are_refused_for_a_new_vpc():
    with pytest.raises(ConstructValidationError) as error:
        PrivateNetwork(new_stack(), "Network", vpc_subnets=EGRESS, existing_endpoints=["s3"], internet_egress=True)
    for prop in ("vpc_subnets=", "existing_endpoints=['s3']", "internet_egress=True"):
        assert prop in str(error.value)


def test_an_existing_network_is_compliant_under_the_nag_packs():
    app = compliance_app()
    stack = new_stack(app)
    PrivateNetwork(
        stack,
        "Network",
        vpc=_imported(stack),
        vpc_subnets=EGRESS,
        interface_endpoints=["sts"],
        s3_gateway_endpoint=True,
    )
    assert nag_findings(app) == []
