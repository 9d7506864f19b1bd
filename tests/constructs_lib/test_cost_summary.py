from constructs import Construct

from constructs_lib.cost_summary import PRICE_SOURCE, PRICE_TABLE, AlwaysOnCapacity, idle_cost_summary
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
    from constructs_lib import (AsyncEndpoint, AsyncScalingOptions, AutoScalingOptions, InstanceVariant,
                                RealtimeEndpoint, ServerlessEndpoint, ServerlessVariant)
    from tests.constructs_lib.inference_fixtures import artifacts, serverless_model, vpc_model

    stack = new_stack()
    model, bucket = vpc_model(stack), artifacts(stack, "Requests")
    RealtimeEndpoint(stack, "Realtime", variants=[
        InstanceVariant(model=model, variant_name="A", instance_type="ml.c5.large", initial_instance_count=3,
                        autoscaling=AutoScalingOptions(min_capacity=2, max_capacity=6)),
        InstanceVariant(model=model, variant_name="B", instance_type="ml.m5.large", initial_instance_count=1)])
    AsyncEndpoint(stack, "Async", variant=InstanceVariant(model=model, initial_instance_count=1), bucket=bucket,
                  scaling=AsyncScalingOptions(min_capacity=1, max_capacity=2))
    ServerlessEndpoint(stack, "Cold", variant=ServerlessVariant(model=serverless_model(stack)))
    ServerlessEndpoint(stack, "Warm", variant=ServerlessVariant(model=serverless_model(stack, "WarmModel"),
                                                                 provisioned_concurrency=3))
    summary = idle_cost_summary(stack)
    assert [(line.path, line.price_key, line.quantity) for line in summary.lines] == [
        ("Test/Realtime", "ml.c5.large", 2), ("Test/Realtime", "ml.m5.large", 1),
        ("Test/Async", "ml.m5.large", 1), ("Test/Warm", "serverless-pc.2048MB", 3)]
    assert [line.path for line in summary.unpriced] == ["Test/Warm"]
    assert summary.total_hourly_usd == round(2 * PRICE_TABLE["ml.c5.large"] + 2 * PRICE_TABLE["ml.m5.large"], 4)
