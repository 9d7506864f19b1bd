"""Instance types: the instance-storage table that decides the volume key, GPU families, guardrail builders."""

import pytest

from constructs_lib import INSTANCE_STORAGE_FAMILIES, CapacitySize, DeploymentGuardrails, InstanceType, TrafficRouting
from constructs_lib.inference.endpoint_options import CapacityUnit, DeploymentStrategy


@pytest.mark.parametrize(
    "name, storage",
    [
        ("ml.m5.large", False),
        ("ml.c5.xlarge", False),
        ("ml.inf1.xlarge", False),
        ("ml.inf2.xlarge", False),
        ("ml.m5d.large", True),
        ("ml.c5d.xlarge", True),
        ("ml.r5d.2xlarge", True),
        ("ml.g4dn.xlarge", True),
        ("ml.g5.xlarge", True),
        ("ml.p4d.24xlarge", True),
        ("ml.trn1.2xlarge", True),
        ("ml.m6gd.large", True),
        ("ml.p6-b200.48xlarge", True),
        ("ml.p3.2xlarge", False),
    ],
)
def test_instance_storage_table_decides_the_volume_key(name, storage):
    assert InstanceType.of(name).has_instance_storage is storage


def test_instance_storage_families_are_documented():
    assert all(reason for reason in INSTANCE_STORAGE_FAMILIES.values())
    assert {"m5d", "c5d", "r5d", "g4dn", "g5", "p4d"} <= set(INSTANCE_STORAGE_FAMILIES)


def test_gpu_and_accelerator_families():
    assert InstanceType.of("ml.g5.xlarge").is_gpu and InstanceType.of("ml.p3.2xlarge").is_gpu
    assert not InstanceType.of("ml.inf2.xlarge").is_gpu and InstanceType.of("ml.inf2.xlarge").is_accelerated
    assert not InstanceType.of("ml.m5.large").is_accelerated
    assert InstanceType.of("ml.inf1.xlarge").is_inf1


def test_instance_type_names():
    assert InstanceType.ML_M5_LARGE.name == "ml.m5.large" and str(InstanceType.ML_G5_XLARGE) == "ml.g5.xlarge"
    assert InstanceType.of("ml.p6-b200.48xlarge").family == "p6-b200"
    assert not InstanceType.of("m5.large").is_valid and InstanceType.of("ml.m5.large") == InstanceType.ML_M5_LARGE


def test_guardrail_builders():
    canary = DeploymentGuardrails.canary(CapacitySize.percent(10))
    assert canary.traffic_routing == TrafficRouting.CANARY and canary.canary_size.unit == CapacityUnit.CAPACITY_PERCENT
    linear = DeploymentGuardrails.linear(CapacitySize.instances(1))
    assert linear.linear_step_size == CapacitySize(1) and linear.wait_interval.to_seconds() == 600
    rolling = DeploymentGuardrails.rolling(CapacitySize.percent(25))
    assert rolling.strategy == DeploymentStrategy.ROLLING and rolling.traffic_routing is None
