from constructs import Construct

from constructs_lib.inference.cost_summary import (
    INTERFACE_ENDPOINT_AZ,
    NAT_GATEWAY,
    NETWORK_PRICE_SOURCE,
    PRICE_SOURCE,
    PRICE_SOURCES,
    PRICE_TABLE,
    PUBLIC_IPV4,
    AlwaysOnCapacity,
    idle_cost_summary,
)
from tests.conftest import new_stack


class _Running(Construct):
    def __init__(self, scope, construct_id, items):
        super().__init__(scope, construct_id)
        self._items = items

    def always_on_capacity(self):
        return self._items


def test_idle_cost_prices_each_always_on_item_and_totals_them():
    stack = new_stack()
    _Running(stack, "Endpoint", [AlwaysOnCapacity("variant AllTraffic at minimum", "ml.m5.large", 2)])
    _Running(stack, "Tracking", [AlwaysOnCapacity("MLflow tracking server", "mlflow.Small")])
    summary = idle_cost_summary(stack)
    assert [(line.path, line.quantity) for line in summary.lines] == [("Test/Endpoint", 2), ("Test/Tracking", 1)]
    assert summary.total_hourly_usd == round(2 * PRICE_TABLE["ml.m5.large"] + PRICE_TABLE["mlflow.Small"], 4)
    assert "Test/Endpoint" in summary.format() and "total" in summary.format()


def test_capacity_that_scales_to_zero_costs_nothing():
    stack = new_stack()
    _Running(stack, "Async", [AlwaysOnCapacity("scales to zero", "ml.g5.xlarge", 0)])
    assert idle_cost_summary(stack).total_hourly_usd == 0


def test_unknown_instance_types_are_listed_not_guessed():
    stack = new_stack()
    _Running(stack, "Odd", [AlwaysOnCapacity("exotic", "ml.x99.huge", 1)])
    summary = idle_cost_summary(stack)
    assert [line.price_key for line in summary.unpriced] == ["ml.x99.huge"]
    assert "not in price table" in summary.format()


def test_price_table_names_its_source_and_date():
    assert "pricing" in PRICE_SOURCE and "2025" in PRICE_SOURCE


def test_endpoints_report_their_minimum_capacity_and_serverless_concurrency_stays_unpriced():
    from constructs_lib import (
        AsyncEndpoint,
        AsyncScalingOptions,
        InstanceVariant,
        RealtimeEndpoint,
        ServerlessEndpoint,
        ServerlessVariant,
    )
    from tests.constructs_lib.inference_fixtures import artifacts, serverless_model, vpc_model

    stack = new_stack()
    model, bucket = vpc_model(stack), artifacts(stack, "Requests")
    realtime = RealtimeEndpoint(
        stack,
        "Realtime",
        variants=[
            InstanceVariant(
                model=model,
                variant_name="A",
                instance_type="ml.c5.large",
                initial_instance_count=3,
            ),
            InstanceVariant(model=model, variant_name="B", instance_type="ml.m5.large", initial_instance_count=1),
        ],
    )
    realtime.variant("A").auto_scale_instance_count(min_capacity=2, max_capacity=6)
    AsyncEndpoint(
        stack,
        "Async",
        variant=InstanceVariant(model=model, initial_instance_count=1),
        bucket=bucket,
        scaling=AsyncScalingOptions(min_capacity=1, max_capacity=2),
    )
    ServerlessEndpoint(stack, "Cold", variant=ServerlessVariant(model=serverless_model(stack)))
    ServerlessEndpoint(
        stack, "Warm", variant=ServerlessVariant(model=serverless_model(stack, "WarmModel"), provisioned_concurrency=3)
    )
    summary = idle_cost_summary(stack)
    assert [(line.path, line.price_key, line.quantity) for line in summary.lines] == [
        ("Test/Realtime", "ml.c5.large", 2),
        ("Test/Realtime", "ml.m5.large", 1),
        ("Test/Async", "ml.m5.large", 1),
        ("Test/Warm", "serverless-pc.2048MB", 3),
    ]
    assert [line.path for line in summary.unpriced] == ["Test/Warm"]
    assert summary.total_hourly_usd == round(2 * PRICE_TABLE["ml.c5.large"] + 2 * PRICE_TABLE["ml.m5.large"], 4)


# -- the always-on network --------------------------------------------------------------------------


def _network_lines(summary):
    return [
        (line.path, line.price_key, line.quantity)
        for line in summary.lines
        if line.price_key in (INTERFACE_ENDPOINT_AZ, NAT_GATEWAY, PUBLIC_IPV4)
    ]


def test_interface_endpoints_are_priced_per_endpoint_and_availability_zone():
    from constructs_lib import PrivateNetwork

    stack = new_stack()
    PrivateNetwork(
        stack,
        "Net",
        availability_zones=["eu-west-1a", "eu-west-1b", "eu-west-1c"],
        interface_endpoints=("sagemaker.api", "sts", "logs"),
    )
    summary = idle_cost_summary(stack)
    assert _network_lines(summary) == [("Test", INTERFACE_ENDPOINT_AZ, 9)]  # 3 endpoints x 3 AZs
    (line,) = summary.lines
    assert line.description == "3 interface VPC endpoints, per AZ"
    assert summary.total_hourly_usd == round(9 * PRICE_TABLE[INTERFACE_ENDPOINT_AZ], 4)


def test_nat_gateways_and_their_addresses_are_counted_and_gateway_endpoints_are_free():
    from constructs_lib import PrivateNetwork

    stack = new_stack()
    PrivateNetwork(
        stack,
        "Net",
        availability_zones=["eu-west-1a", "eu-west-1b"],
        nat_gateways=2,
        interface_endpoints=("sagemaker.api",),
    )
    summary = idle_cost_summary(stack)
    assert _network_lines(summary) == [
        ("Test", INTERFACE_ENDPOINT_AZ, 2),
        ("Test", NAT_GATEWAY, 2),
        ("Test", PUBLIC_IPV4, 2),
    ]
    assert summary.total_hourly_usd == round(
        2 * PRICE_TABLE[INTERFACE_ENDPOINT_AZ] + 2 * PRICE_TABLE[NAT_GATEWAY] + 2 * PRICE_TABLE[PUBLIC_IPV4], 4
    )
    assert "nat-gateway" in summary.format() and "vpce.interface-az" in summary.format()


def test_a_network_in_an_isolated_vpc_without_interface_endpoints_costs_nothing_while_idle():
    from constructs_lib import PrivateNetwork

    stack = new_stack()
    PrivateNetwork(stack, "Net", availability_zones=["eu-west-1a", "eu-west-1b"], interface_endpoints=())
    assert idle_cost_summary(stack).lines == ()  # the S3 gateway endpoint is free


def test_network_prices_name_their_source_and_date():
    assert "privatelink/pricing" in NETWORK_PRICE_SOURCE and "vpc/pricing" in NETWORK_PRICE_SOURCE
    assert "2025" in NETWORK_PRICE_SOURCE and NETWORK_PRICE_SOURCE in PRICE_SOURCES
    assert {INTERFACE_ENDPOINT_AZ, NAT_GATEWAY, PUBLIC_IPV4} <= set(PRICE_TABLE)
