"""The README's monitoring-loop example (monitor, alarms, the three retraining triggers, deploy on
approval) synthesizes as written, with stand-ins for what earlier sections define."""

from __future__ import annotations

import re

from aws_cdk.assertions import Template

import constructs_lib as lib
from tests.conftest import ROOT, new_stack
from tests.constructs_lib.fakes import FakeEndpoint, FakePipeline


def _example() -> str:
    section = (ROOT / "README.md").read_text().split("\n## The monitoring loop", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_monitoring_example_synthesizes_with_its_triggers():
    stack = new_stack()
    data = lib.SecureBucket(stack, "Data")
    namespace: dict = {
        "stack": stack,
        "data": data,
        "artifacts": lib.SecureBucket(stack, "Artifacts"),
        # The triggers and the rollout call EventBridge Scheduler, CloudFormation and Step Functions.
        "net": lib.PrivateNetwork(
            stack,
            "Net",
            availability_zones=["eu-west-1a", "eu-west-1b"],
            interface_endpoints=[*lib.DEFAULT_INTERFACE_ENDPOINTS, "scheduler", "cloudformation", "states"],
        ),
        "endpoint": FakeEndpoint(stack, "Endpoint", data_capture=lib.DataCaptureOptions(bucket=data)),
        "pipeline": FakePipeline(stack, "Pipeline"),
        "group": lib.ModelPackageGroup(stack, "Group", model_package_group_name="churn"),
    }
    code = _example()
    # The rollout's targets name other environments' alarms; here, this example's own.
    code = code.replace("staging_alarms.health_alarm_names", "alarms.health_alarm_names")
    code = code.replace("prod_alarms.health_alarm_names", "alarms.health_alarm_names")
    exec(compile(code, "README.md", "exec"), namespace)
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::Lambda::Function", {"Handler": "handler.on_drift_alarm"})
    template.has_resource_properties("AWS::Lambda::Function", {"Handler": "handler.on_queue_batch"})
    template.resource_count_is("AWS::Scheduler::ScheduleGroup", 1)
