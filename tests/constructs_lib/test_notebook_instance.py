import base64
import datetime
import shutil
import subprocess
from typing import NamedTuple

import pytest
from aws_cdk import CfnParameter, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import ConstructValidationError, InstanceType, NotebookInstance, PrivateNetwork
from constructs_lib.studio.notebook_instance import on_start_script
from constructs_lib.studio.notebook_instance_handler import idle_check
from tests.conftest import compliance_app, nag_findings, new_stack

AZS = ["eu-west-1a", "eu-west-1b"]
UTC = datetime.UTC


def _notebook(stack, network=None, **kwargs) -> NotebookInstance:
    """A ``NotebookInstance`` ``Notebook`` in ``stack``, on a new network there (or on ``network``)."""
    return NotebookInstance(
        stack,
        "Notebook",
        network=network or PrivateNetwork(stack, "Net", availability_zones=AZS),
        **kwargs,
    )


class Synthesized(NamedTuple):
    notebook: NotebookInstance
    network: PrivateNetwork
    template: Template
    findings: list[str]


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    """A notebook named ``Research-1`` with every other default, in an app with the compliance packs:
    synthesized once, for the packs' findings and the template the other tests read
    (``Template.from_stack`` reads that synthesis's assembly); only read."""
    app = compliance_app()
    stack = new_stack(app)
    network = PrivateNetwork(stack, "Net", availability_zones=AZS)
    notebook = _notebook(stack, network, notebook_instance_name="Research-1")
    findings = nag_findings(app)
    return Synthesized(notebook, network, Template.from_stack(stack), findings)


@pytest.fixture(scope="module")
def built(synthesized) -> tuple[NotebookInstance, Template]:
    """(notebook, template) of ``synthesized``."""
    return synthesized.notebook, synthesized.template


@pytest.fixture(scope="module")
def template(built) -> Template:
    return built[1]


@pytest.fixture(scope="module")
def network(synthesized) -> PrivateNetwork:
    """The network the bad-input tests build their notebook on, in a fresh stack each. Safe to share:
    the checks read only the arguments and the network's security groups (and subnets), and raise
    before the notebook asks the network for its endpoints or places anything in it; rejected
    notebooks stay in the fresh stacks, which are never synthesized."""
    return synthesized.network


class Variants(NamedTuple):
    template: Template
    prefixed: NotebookInstance


@pytest.fixture(scope="module")
def variants() -> Variants:
    """One stack, one network, and a notebook per option its tests turn on, each named after it:
    ``Patient`` (3 idle hours), ``AlwaysOn`` (no idle stop), ``Destroy`` (deleted with its stack),
    ``Opened`` (named ``nb``, opened by the role ``Person``), ``Prefixed`` (a name prefix),
    ``Literal`` (an ``InstanceType``) and ``Tokened`` (a parameter ``Type``). Synthesized here, before
    any test gets it: only read. Each test reads its notebook's resources by logical id."""
    stack = new_stack()
    network = PrivateNetwork(stack, "Net", availability_zones=AZS)
    NotebookInstance(stack, "Patient", network=network, idle_timeout=Duration.hours(3))
    NotebookInstance(stack, "AlwaysOn", network=network, idle_timeout=None)
    NotebookInstance(stack, "Destroy", network=network, removal_policy=RemovalPolicy.DESTROY)
    opened = NotebookInstance(stack, "Opened", network=network, notebook_instance_name="nb")
    opened.grant_open(iam.Role(stack, "Person", assumed_by=iam.AccountRootPrincipal()))
    prefixed = NotebookInstance(stack, "Prefixed", network=network, name_prefix="ml-platform-dev")
    NotebookInstance(stack, "Literal", network=network, instance_type=InstanceType.ML_T3_MEDIUM)
    tokened = InstanceType.of(CfnParameter(stack, "Type").value_as_string)
    NotebookInstance(stack, "Tokened", network=network, instance_type=tokened)
    return Variants(Template.from_stack(stack), prefixed)


def _notebook_resource(template: Template, prefix: str = "") -> dict:
    """The one notebook instance of ``template`` (whose logical id starts with ``prefix``)."""
    (resource,) = [
        r for k, r in template.find_resources("AWS::SageMaker::NotebookInstance").items() if k.startswith(prefix)
    ]
    return resource


def test_root_and_direct_internet_access_are_disabled(template):
    props = _notebook_resource(template)["Properties"]
    assert props["RootAccess"] == "Disabled"
    assert props["DirectInternetAccess"] == "Disabled"


def test_runs_in_a_private_subnet_with_the_workload_security_group(template):
    props = _notebook_resource(template)["Properties"]
    assert props["SubnetId"]["Ref"].startswith("NetVpcPrivateSubnet1")
    assert props["SecurityGroupIds"][0]["Fn::GetAtt"][0].startswith("NetWorkloadSecurityGroup")


def test_volume_is_encrypted_with_a_customer_managed_key_and_imdsv2_is_required(template):
    props = _notebook_resource(template)["Properties"]
    assert props["KmsKeyId"]["Fn::GetAtt"][1] == "Arn"
    assert props["InstanceMetadataServiceConfiguration"] == {"MinimumInstanceMetadataServiceVersion": "2"}
    assert props["InstanceType"] == "ml.t3.medium"


def test_the_instance_and_its_work_are_retained_by_default(template):
    assert _notebook_resource(template)["DeletionPolicy"] == "Retain"


def test_deleting_the_instance_with_its_stack_is_an_opt_in(variants):
    assert _notebook_resource(variants.template, "Destroy")["DeletionPolicy"] == "Delete"


def test_lifecycle_config_stops_the_instance_after_60_idle_minutes(template):
    (config,) = template.find_resources("AWS::SageMaker::NotebookInstanceLifecycleConfig").values()
    script = base64.b64decode(config["Properties"]["OnStart"][0]["Content"]).decode()
    assert "ExecStart=/usr/bin/python3 /opt/constructs-lib/idle_check.py 60" in script
    assert "OnUnitActiveSec=5min" in script
    assert "stop-notebook-instance" in script
    assert _notebook_resource(template)["Properties"]["LifecycleConfigName"] == {
        "Fn::GetAtt": [
            next(iter(template.find_resources("AWS::SageMaker::NotebookInstanceLifecycleConfig"))),
            "NotebookInstanceLifecycleConfigName",
        ]
    }


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_lifecycle_script_is_valid_bash_and_its_python_compiles():
    script = on_start_script(90)
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)
    python = script.split("<<'PYTHON'\n", 1)[1].split("PYTHON\n", 1)[0]
    compile(python, "idle_check.py", "exec")


def test_the_role_may_stop_and_describe_only_this_instance(built):
    notebook, template = built
    assert notebook.notebook_instance_arn.endswith(":notebook-instance/research-1")
    statements = [
        s
        for p in template.find_resources("AWS::IAM::ManagedPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    (stop,) = [s for s in statements if "sagemaker:StopNotebookInstance" in s["Action"]]
    assert stop["Resource"]["Fn::Join"][1][-1] == ":notebook-instance/research-1"


def test_idle_timeout_is_configurable_and_auto_stop_can_be_turned_off(variants):
    template = variants.template
    configs = template.find_resources("AWS::SageMaker::NotebookInstanceLifecycleConfig")
    (config,) = [c for k, c in configs.items() if k.startswith("Patient")]
    assert "idle_check.py 180" in base64.b64decode(config["Properties"]["OnStart"][0]["Content"]).decode()
    assert not [k for k in configs if k.startswith("AlwaysOn")]
    always_on = _notebook_resource(template, "AlwaysOn")
    assert "LifecycleConfigName" not in always_on["Properties"]


def test_compliant_under_the_three_packs(synthesized):
    assert synthesized.findings == []


@pytest.mark.parametrize(
    ("instance_type", "suggestion"),
    [("t3.medium", "ml.t3.medium"), ("ml.t3", "ml.t3.large"), ("ML.T3.MEDIUM", "ml.t3.medium"), ("ml.m5.large", None)],
)
def test_rejects_instance_types_notebooks_do_not_run_on_with_close_matches(network, instance_type, suggestion):
    # ml.m5.large runs endpoints and jobs but not notebook instances (botocore InstanceType).
    expected = rf"instance_type='{instance_type}': must be one of the \d+ instance types .*botocore InstanceType"
    with pytest.raises(ConstructValidationError, match=expected) as error:
        _notebook(new_stack(), network, instance_type=instance_type)
    if suggestion:
        assert f"did you mean {suggestion}" in str(error.value)


def test_takes_an_instance_type_value_or_a_token(variants):
    assert _notebook_resource(variants.template, "Literal")["Properties"]["InstanceType"] == "ml.t3.medium"
    assert _notebook_resource(variants.template, "Tokened")["Properties"]["InstanceType"] == {"Ref": "Type"}


def test_rejects_bad_sizes_timeouts_and_names_at_once(network):
    with pytest.raises(ConstructValidationError) as error:
        _notebook(
            new_stack(),
            network,
            volume_size_gb=2,
            idle_timeout=Duration.minutes(5),
            notebook_instance_name="my_nb",
            platform_identifier="notebook-al1-v1",
        )
    text = str(error.value)
    assert "NotebookInstance 'Test/Notebook'" in text
    assert "volume_size_gb=2: must be an integer from 5 to 16384" in text
    assert "idle_timeout (minutes)=5: must be an integer from 10 to 10080" in text
    assert "notebook_instance_name='my_nb'" in text
    assert "platform_identifier='notebook-al1-v1'" in text


# -- the idle check that runs on the instance -------------------------------------------------------

NOW = datetime.datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
BOOT = NOW - datetime.timedelta(hours=5)


def _kernel(minutes_ago: int, state: str = "idle") -> dict:
    at = NOW - datetime.timedelta(minutes=minutes_ago)
    return {"execution_state": state, "last_activity": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


def test_idle_check_parses_jupyter_timestamps():
    assert idle_check.parse_time("2025-03-01T11:00:00.123Z") == datetime.datetime(
        2025, 3, 1, 11, 0, 0, 123000, tzinfo=UTC
    )
    assert idle_check.parse_time("2025-03-01T11:00:00.123456789Z").microsecond == 123456
    assert idle_check.parse_time("2025-03-01T11:00:00+00:00") == datetime.datetime(2025, 3, 1, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    "kernels, terminals, idle",
    [
        ([_kernel(61)], [], True),
        ([_kernel(59)], [], False),
        ([_kernel(500, "busy")], [], False),  # a long-running cell is not idle
        ([_kernel(61)], [{"last_activity": _kernel(10)["last_activity"]}], False),  # someone is in a terminal
        ([], [], True),  # nothing opened since boot, 5 hours ago
    ],
)
def test_idle_check_decides_from_kernels_terminals_and_boot_time(kernels, terminals, idle):
    assert idle_check.is_idle(kernels, terminals, NOW, BOOT, 60) is idle


def test_nothing_opened_since_a_recent_boot_is_not_idle():
    assert idle_check.is_idle([], [], NOW, NOW - datetime.timedelta(minutes=20), 60) is False


def test_idle_check_stops_the_instance_through_the_aws_cli(monkeypatch, tmp_path):
    metadata = tmp_path / "resource-metadata.json"
    metadata.write_text(
        '{"ResourceName": "research-1", '
        '"ResourceArn": "arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/research-1"}'
    )
    calls = []
    monkeypatch.setattr(idle_check, "METADATA_FILE", str(metadata))
    just_now = datetime.datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    monkeypatch.setattr(
        idle_check,
        "_get",
        lambda path: [] if path == "/api/terminals" else [{"execution_state": "idle", "last_activity": just_now}],
    )
    monkeypatch.setattr(idle_check, "_booted_at", lambda now: now - datetime.timedelta(days=1))
    monkeypatch.setattr(idle_check.subprocess, "run", lambda args, check: calls.append(args))
    monkeypatch.setenv("AWS_CLI", "/usr/bin/aws")
    assert idle_check.main(["idle_check.py", "60"]) == 0
    assert calls == []  # the kernel was just used
    monkeypatch.setattr(idle_check, "_get", lambda path: [])
    assert idle_check.main(["idle_check.py", "60"]) == 0
    assert calls == [
        [
            "/usr/bin/aws",
            "sagemaker",
            "stop-notebook-instance",
            "--notebook-instance-name",
            "research-1",
            "--region",
            "eu-west-1",
        ]
    ]


def test_grant_open_lets_a_role_open_only_this_instance(variants):
    """``variants`` grants ``Person`` opening ``Opened`` (named ``nb``); no other notebook has an
    ``AWS::IAM::Policy`` (their roles' permissions are managed policies)."""
    (policy,) = variants.template.find_resources("AWS::IAM::Policy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "sagemaker:CreatePresignedNotebookInstanceUrl"
    assert statement["Resource"]["Fn::Join"][1][-1] == ":notebook-instance/nb"


def _default_role_patterns(template: Template, notebook: str = "Notebook") -> set[str]:
    from constructs_lib._core.wildcards import flatten_cfn_reference

    (policy,) = [
        p
        for k, p in template.find_resources("AWS::IAM::ManagedPolicy").items()
        if k.startswith(f"{notebook}RolePermissions")
    ]
    return {
        flatten_cfn_reference(r)
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }


def test_default_role_is_scoped_to_the_instance_name_and_writes_only_its_own_log_streams(template):
    patterns = _default_role_patterns(template)
    assert any(p.endswith(":training-job/research-1-*") for p in patterns)
    assert any(p.endswith("log-group:/aws/sagemaker/NotebookInstances:log-stream:Research-1/*") for p in patterns)
    assert not any(p.endswith(":training-job/*") for p in patterns)


def test_default_role_takes_the_environments_name_prefix(variants):
    notebook = variants.prefixed
    assert notebook.default_role is not None and notebook.default_role.name_prefix == "ml-platform-dev"
    assert any(p.endswith(":model/ml-platform-dev-*") for p in _default_role_patterns(variants.template, "Prefixed"))
