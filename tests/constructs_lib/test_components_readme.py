"""The README's inference-components example synthesizes and is compliant; its idle-cost example is
what the summary prints (before and after schedules)."""

from __future__ import annotations

from aws_cdk import aws_iam as iam

import constructs_lib as lib
from constructs_lib._core.roles import ManagedPolicyRole
from tests.conftest import ROOT, compliance_app, nag_findings, new_app, new_stack
from tests.constructs_lib.inference_fixtures import XGBOOST, container

README = (ROOT / "README.md").read_text()


def _block(after: str, fence: str) -> str:
    return README.split(after, 1)[1].split(fence, 1)[1].split("```", 1)[0]


def test_readme_components_example_synthesizes_and_is_compliant():
    app = compliance_app()
    stack = new_stack(app, "Ml")
    net = lib.PrivateNetwork(stack, "Net", availability_zones=["eu-west-1a", "eu-west-1b"], interface_endpoints=())
    artifacts = lib.SecureBucket(stack, "Artifacts")
    model = lib.Model(stack, "Model", network=net, containers=[container(artifacts)])
    batchy = lib.AsyncEndpoint(
        stack,
        "Scoring",
        variant=lib.InstanceVariant(model=model, initial_instance_count=1),
        bucket=artifacts,
        scaling=lib.AsyncScalingOptions(max_capacity=4),
    )
    namespace = {
        "stack": stack,
        "net": net,
        "artifacts": artifacts,
        "model": model,
        "batchy": batchy,
        "XGBOOST": XGBOOST,
        "app_role": ManagedPolicyRole(stack, "App", assumed_by=iam.AccountRootPrincipal()),
    }
    code = _block("### Inference components, idle capacity and working hours", "```python")
    exec(code, namespace)  # noqa: S102 - our own README
    assert nag_findings(app) == []
    # Two components, two health alarms each, on their own metrics.
    assert [a.node.id for a in namespace["health"].health_alarms] == [
        "ErrorRateChurn",
        "LatencyChurn",
        "ErrorRateFraud",
        "LatencyFraud",
    ]


def test_readme_idle_cost_before_and_after_schedules_is_what_the_summary_prints():
    stack = new_stack(new_app(), "dev")
    serving = lib.InferenceComponentEndpoint(
        stack, "Serving", instance_type="ml.m5.large", min_instance_count=0, max_instance_count=1
    )
    component = serving.add_component(
        "Model",
        model=lib.Model.from_model_name(stack, "Served", "served"),
        reservation=lib.ComputeReservation(memory_mb=2048, cpu_cores=1),
    )
    hours = lib.WorkingHours(time_zone="Europe/Dublin", start_hour=8, end_hour=19)
    component.auto_scale_copy_count(min_copies=1, max_copies=2, working_hours=hours)
    printed = lib.idle_cost_summary(serving).format()
    shown = _block("the same model kept warm with one copy", "```\n")
    # The same lines but for the construct path (first word).
    expected = [line.split()[1:] for line in shown.strip().splitlines()[1:]]
    actual = [line.split()[1:] for line in printed.splitlines()[1:]]
    assert actual == expected, printed
