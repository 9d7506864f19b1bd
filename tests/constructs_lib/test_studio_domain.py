import base64
import json
from typing import NamedTuple

import pytest
from aws_cdk import Duration, RemovalPolicy, Tags
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from constructs_lib import (
    ConstructValidationError,
    EncryptionKey,
    IdleShutdown,
    NotebookSharing,
    PrivateNetwork,
    SecureBucket,
    StudioDomain,
    StudioLifecycleConfig,
)
from constructs_lib.foundation.private_network import DEFAULT_INTERFACE_ENDPOINTS
from tests.conftest import compliance_app, nag_findings, new_stack

AZS = ["eu-west-1a", "eu-west-1b"]
SETUP_SCRIPT = "#!/bin/bash\nset -eu\npip config set global.index-url https://pypi.internal.example/simple\n"


def _platform(stack):
    network = PrivateNetwork(
        stack, "Net", availability_zones=AZS, interface_endpoints=(*DEFAULT_INTERFACE_ENDPOINTS, "cloudformation")
    )
    key = EncryptionKey(stack, "Key")
    bucket = SecureBucket(stack, "Data", encryption_key=key)
    return network, key, bucket


def _studio(stack, **kwargs):
    network, key, bucket = _platform(stack)
    domain = StudioDomain(stack, "Studio", network=network, encryption_key=key, buckets=[bucket], **kwargs)
    return domain, network, key, bucket


class Defaults(NamedTuple):
    domain: StudioDomain
    platform: tuple[PrivateNetwork, EncryptionKey, SecureBucket]
    template: Template


@pytest.fixture(scope="module")
def defaults() -> Defaults:
    """A domain with every default (``_studio(new_stack())``), synthesized here, before any test gets
    it: its template and domain are only read. Its network, key and bucket are ``platform``."""
    stack = new_stack()
    domain, *platform = _studio(stack)
    return Defaults(domain, tuple(platform), Template.from_stack(stack))


@pytest.fixture(scope="module")
def platform(defaults) -> tuple[PrivateNetwork, EncryptionKey, SecureBucket]:
    """The network, key and bucket the bad-input tests build their domain on, in a fresh stack each
    (``_studio_on``). Safe to share: the checks read only the arguments, the domain's own profiles and
    spaces, and the number of the network's subnets and security groups; a domain built elsewhere adds
    nothing to these three (no construct, statement or rule), and rejected constructs stay in the
    fresh stacks, which are never synthesized."""
    return defaults.platform


def _studio_on(platform, **kwargs) -> StudioDomain:
    """``_studio(new_stack(), **kwargs)``'s domain (at ``Test/Studio``), built on the shared ``platform``."""
    network, key, bucket = platform
    return StudioDomain(new_stack(), "Studio", network=network, encryption_key=key, buckets=[bucket], **kwargs)


@pytest.fixture(scope="module")
def built():
    stack = new_stack()
    setup = StudioLifecycleConfig(stack, "Setup", app_type="JupyterLab", script=SETUP_SCRIPT, run_by_default=True)
    domain, network, key, bucket = _studio(
        stack, lifecycle_configs=[setup], sharing=NotebookSharing(bucket=SecureBucket(stack, "Shared"))
    )
    alice = domain.add_user_profile("alice")
    domain.add_user_profile("bob", execution_role=domain.new_execution_role("BobRole", read_only_buckets=[bucket]))
    domain.add_space("team-lab", owner=alice, ebs_volume_size_gb=50)
    domain.add_space("team-code", owner="alice", app_type="CodeEditor", idle_timeout=Duration.hours(2))
    return stack, domain, Template.from_stack(stack)


@pytest.fixture(scope="module")
def template(built) -> Template:
    return built[2]


def _domain_props(template: Template) -> dict:
    (domain,) = template.find_resources("AWS::SageMaker::Domain").values()
    return domain["Properties"]


def _logical_id(template: Template, resource_type: str, props: dict) -> str:
    (logical_id,) = template.find_resources(resource_type, {"Properties": props})
    return logical_id


def test_domain_is_vpc_only_in_the_private_subnets_with_the_workload_security_group(template):
    props = _domain_props(template)
    assert props["AppNetworkAccessType"] == "VpcOnly"
    assert [s["Ref"][:20] for s in props["SubnetIds"]] == ["NetVpcPrivateSubnet1", "NetVpcPrivateSubnet2"]
    assert props["VpcId"]["Ref"].startswith("NetVpc")
    sg = {"Fn::GetAtt": [Match.string_like_regexp("NetWorkloadSecurityGroup"), "GroupId"]}
    template.has_resource_properties(
        "AWS::SageMaker::Domain",
        {
            "DefaultUserSettings": Match.object_like({"SecurityGroups": [sg]}),
            "DefaultSpaceSettings": Match.object_like({"SecurityGroups": [sg]}),
        },
    )


def test_iam_authentication_by_default_and_sessions_carry_the_profile_name(template):
    props = _domain_props(template)
    assert props["AuthMode"] == "IAM"
    assert props["DomainSettings"]["ExecutionRoleIdentityConfig"] == "USER_PROFILE_NAME"


def test_spaces_and_apps_users_create_carry_the_domains_tags(template):
    assert _domain_props(template)["TagPropagation"] == "ENABLED"


def test_home_efs_and_space_volumes_use_the_customer_managed_key(template):
    key_arn = _domain_props(template)["KmsKeyId"]["Fn::GetAtt"]
    assert key_arn[0].startswith("Key") and key_arn[1] == "Arn"


def test_docker_access_is_off(template):
    assert _domain_props(template)["DomainSettings"]["DockerSettings"] == {"EnableDockerAccess": "DISABLED"}


def test_jupyterlab_and_code_editor_shut_down_after_60_idle_minutes_with_user_bounds(template):
    idle = {
        "AppLifecycleManagement": {
            "IdleSettings": {
                "LifecycleManagement": "ENABLED",
                "IdleTimeoutInMinutes": 60,
                "MinIdleTimeoutInMinutes": 60,
                "MaxIdleTimeoutInMinutes": 240,
            }
        }
    }
    props = _domain_props(template)
    for settings in (
        props["DefaultUserSettings"]["JupyterLabAppSettings"],
        props["DefaultUserSettings"]["CodeEditorAppSettings"],
        props["DefaultSpaceSettings"]["JupyterLabAppSettings"],
    ):
        assert settings["AppLifecycleManagement"] == idle["AppLifecycleManagement"]
    assert props["DefaultUserSettings"]["StudioWebPortal"] == "ENABLED"


def test_lifecycle_config_from_script_text_is_base64_and_runs_by_default_in_jupyterlab(template):
    (config,) = template.find_resources("AWS::SageMaker::StudioLifecycleConfig").values()
    assert base64.b64decode(config["Properties"]["StudioLifecycleConfigContent"]).decode() == SETUP_SCRIPT
    assert config["Properties"]["StudioLifecycleConfigName"].startswith("Setup-")
    arn = {"Fn::GetAtt": [Match.string_like_regexp("^Setup"), "StudioLifecycleConfigArn"]}
    template.has_resource_properties(
        "AWS::SageMaker::Domain",
        {
            "DefaultUserSettings": Match.object_like(
                {
                    "JupyterLabAppSettings": Match.object_like(
                        {"LifecycleConfigArns": [arn], "DefaultResourceSpec": {"LifecycleConfigArn": arn}}
                    )
                }
            )
        },
    )
    assert "LifecycleConfigArns" not in _domain_props(template)["DefaultUserSettings"]["CodeEditorAppSettings"]


def test_lifecycle_config_from_a_file(tmp_path):
    script = tmp_path / "setup.sh"
    script.write_text(SETUP_SCRIPT)
    stack = new_stack()
    StudioLifecycleConfig(stack, "FromFile", app_type="CodeEditor", script_file=script, name="editor-setup")
    props = Template.from_stack(stack).find_resources("AWS::SageMaker::StudioLifecycleConfig")
    (resource,) = props.values()
    assert base64.b64decode(resource["Properties"]["StudioLifecycleConfigContent"]).decode() == SETUP_SCRIPT
    assert resource["Properties"]["StudioLifecycleConfigName"].startswith("editor-setup-")


def test_lifecycle_config_gets_a_new_name_whenever_cloudformation_must_replace_it():
    """Content and tags are create-only: a replacement needs a name the old version does not hold."""

    def name(script: str, tags: dict) -> str:
        stack = new_stack()
        config = StudioLifecycleConfig(stack, "Setup", app_type="JupyterLab", script=script)
        for key, value in tags.items():
            Tags.of(config).add(key, value)
        (resource,) = Template.from_stack(stack).find_resources("AWS::SageMaker::StudioLifecycleConfig").values()
        return resource["Properties"]["StudioLifecycleConfigName"]

    base = name(SETUP_SCRIPT, {"owner": "a"})
    assert base == name(SETUP_SCRIPT, {"owner": "a"})
    assert len({base, name(SETUP_SCRIPT + "echo\n", {"owner": "a"}), name(SETUP_SCRIPT, {"owner": "b"})}) == 3


def test_shared_notebooks_go_to_the_given_bucket_prefix_encrypted_without_cell_output(template):
    sharing = _domain_props(template)["DefaultUserSettings"]["SharingSettings"]
    assert sharing["NotebookOutputOption"] == "Disabled"
    assert sharing["S3OutputPath"]["Fn::Join"][1][-1] == "/studio-sharing/"
    assert sharing["S3KmsKeyId"]["Fn::GetAtt"][1] == "Arn"


def test_sharing_is_off_without_a_bucket(defaults):
    sharing = _domain_props(defaults.template)["DefaultUserSettings"]["SharingSettings"]
    assert sharing == {"NotebookOutputOption": "Disabled"}


def test_profiles_use_the_domain_defaults_or_their_own_role(template):
    template.has_resource_properties(
        "AWS::SageMaker::UserProfile",
        {
            "UserProfileName": "alice",
            "UserSettings": Match.absent(),
            "DomainId": {"Fn::GetAtt": [Match.string_like_regexp("^Studio"), "DomainId"]},
        },
    )
    template.has_resource_properties(
        "AWS::SageMaker::UserProfile",
        {
            "UserProfileName": "bob",
            "UserSettings": {
                "ExecutionRole": {"Fn::GetAtt": [Match.string_like_regexp("^StudioBobRole"), "Arn"]},
                "SecurityGroups": Match.any_value(),
            },
        },
    )


def test_grant_sign_in_lets_a_person_open_studio_as_one_profile_only():
    stack = new_stack()
    domain, *_ = _studio(stack)
    alice = domain.add_user_profile("alice")
    person = iam.Role(stack, "Alice", assumed_by=iam.AccountRootPrincipal())
    alice.grant_sign_in(person)
    (policy,) = [
        p
        for p in Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": stack.get_logical_id(person.node.default_child)}]
    ]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "sagemaker:CreatePresignedDomainUrl"
    assert statement["Resource"]["Fn::GetAtt"][1] == "UserProfileArn"


def test_shared_spaces_are_owned_by_a_profile_created_first(template):
    alice = _logical_id(template, "AWS::SageMaker::UserProfile", {"UserProfileName": "alice"})
    spaces = template.find_resources("AWS::SageMaker::Space")
    by_name = {s["Properties"]["SpaceName"]: s for s in spaces.values()}
    assert set(by_name) == {"team-lab", "team-code"}
    for space in by_name.values():
        assert space["Properties"]["OwnershipSettings"] == {"OwnerUserProfileName": "alice"}
        assert space["Properties"]["SpaceSharingSettings"] == {"SharingType": "Shared"}
        assert alice in space["DependsOn"]
    lab, code = by_name["team-lab"]["Properties"], by_name["team-code"]["Properties"]
    assert lab["SpaceSettings"] == {
        "AppType": "JupyterLab",
        "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 50}},
    }
    assert code["SpaceSettings"] == {
        "AppType": "CodeEditor",
        "CodeEditorAppSettings": {"AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": 120}}},
    }


def test_teardown_is_deleted_before_every_profile_and_space_and_after_the_domain(template):
    ((teardown_id, teardown),) = template.find_resources("Custom::StudioTeardown").items()
    members = set(template.find_resources("AWS::SageMaker::UserProfile")) | set(
        template.find_resources("AWS::SageMaker::Space")
    )
    # CloudFormation deletes a resource before those it depends on.
    assert members <= set(teardown["DependsOn"])
    domain_id = _logical_id(template, "AWS::SageMaker::Domain", {"AuthMode": "IAM"})
    assert teardown["Properties"]["DomainId"] == {"Fn::GetAtt": [domain_id, "DomainId"]}
    assert teardown["Properties"]["StackUserProfiles"] == ["alice", "bob"]
    assert teardown["Properties"]["StackSpaces"] == ["team-code", "team-lab"]
    for member in members:
        assert teardown_id not in template.to_json()["Resources"][member].get("DependsOn", [])


def test_home_efs_is_retained_by_default(template):
    (teardown,) = template.find_resources("Custom::StudioTeardown").values()
    assert teardown["Properties"]["HomeEfs"] == "Retain"
    statements = _teardown_statements(template)
    assert not any("sagemaker:DeleteDomain" in _actions(s) for s in statements)


def test_removing_the_home_efs_is_an_explicit_opt_in_that_lets_the_teardown_delete_the_domain():
    stack = new_stack()
    _studio(stack, home_efs_removal=RemovalPolicy.DESTROY)
    template = Template.from_stack(stack)
    (teardown,) = template.find_resources("Custom::StudioTeardown").values()
    assert teardown["Properties"]["HomeEfs"] == "Delete"
    assert any("sagemaker:DeleteDomain" in _actions(s) for s in _teardown_statements(template))


def test_teardown_handlers_run_in_the_vpc_with_a_dead_letter_queue_and_reserved_concurrency(template):
    for handler in ("handler.on_event", "handler.is_complete"):
        template.has_resource_properties(
            "AWS::Lambda::Function",
            {
                "Handler": handler,
                "Runtime": Match.string_like_regexp("^python3"),
                "Timeout": 300,
                "ReservedConcurrentExecutions": 1,
                "VpcConfig": {"SubnetIds": Match.any_value(), "SecurityGroupIds": Match.any_value()},
                "DeadLetterConfig": {"TargetArn": Match.any_value()},
            },
        )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 365, "KmsKeyId": Match.any_value()})
    template.has_resource_properties("AWS::SQS::Queue", {"KmsMasterKeyId": Match.any_value()})


def test_teardown_runs_on_the_provider_framework_polling_is_complete_within_an_hour(template):
    (teardown,) = template.find_resources("Custom::StudioTeardown").values()
    token = teardown["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    on_event = template.to_json()["Resources"][token]
    assert on_event["Properties"]["Handler"] == "framework.onEvent"
    # CloudFormation waits for the resource up to its ServiceTimeout (at most an hour).
    assert 55 * 60 < int(teardown["Properties"]["ServiceTimeout"]) <= 3600
    (machine,) = template.find_resources("AWS::StepFunctions::StateMachine").values()
    definition = json.dumps(machine["Properties"]["DefinitionString"])
    assert '\\"IntervalSeconds\\":30' in definition and '\\"MaxAttempts\\":110' in definition
    assert machine["Properties"]["LoggingConfiguration"]["Level"] == "ALL"
    framework = [
        f
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"]["Handler"].startswith("framework.")
    ]
    assert len(framework) == 3
    for function in framework:
        assert function["Properties"]["ReservedConcurrentExecutions"] == 1
        assert "TargetArn" in function["Properties"]["DeadLetterConfig"]


def test_teardown_asks_cloudformation_about_its_own_stack_and_domain(template):
    (teardown,) = template.find_resources("Custom::StudioTeardown").values()
    props = teardown["Properties"]
    domain_id = _logical_id(template, "AWS::SageMaker::Domain", {"AuthMode": "IAM"})
    assert props["DomainLogicalId"] == domain_id
    assert props["StackId"] == {"Ref": "AWS::StackId"}
    assert (props["UserSpaces"], props["ReplacedDomain"]) == ("Retain", "Keep")
    (statement,) = [s for s in _teardown_statements(template) if "cloudformation:DescribeStacks" in _actions(s)]
    assert sorted(_actions(statement)) == ["cloudformation:DescribeStackResource", "cloudformation:DescribeStacks"]
    assert statement["Resource"] == {"Ref": "AWS::StackId"}


def test_the_function_older_versions_call_keeps_its_logical_id_and_the_resource_gets_a_new_one(template):
    """CloudFormation cannot change a custom resource's service token: upgrading replaces the old
    resource, and its Delete goes to the old function, which must now run the safe handler."""
    resources = template.to_json()["Resources"]
    retire = resources["StudioTeardownFunction5B1D5C01"]["Properties"]
    assert retire["Handler"] == "handler.retire"
    # It needs no SageMaker or CloudFormation permission: its role only runs it.
    (policy,) = [
        p
        for k, p in template.find_resources("AWS::IAM::ManagedPolicy").items()
        if k.startswith("StudioTeardownRetireRole")
    ]
    actions = {a for s in policy["Properties"]["PolicyDocument"]["Statement"] for a in _actions(s)}
    assert not {a for a in actions if a.startswith(("sagemaker:", "cloudformation:"))}
    assert "StudioTeardownC5C4D7B7" not in resources  # the old resource's id (Teardown/Resource)
    (teardown_id,) = template.find_resources("Custom::StudioTeardown")
    assert teardown_id.startswith("StudioTeardownGuard")


def test_teardown_knows_whether_cloudformation_retains_the_domain(defaults):
    def policies(template: Template) -> tuple[str, str]:
        (teardown,) = template.find_resources("Custom::StudioTeardown").values()
        return teardown["Properties"]["DomainDeletionPolicy"], teardown["Properties"]["DomainUpdateReplacePolicy"]

    stack = new_stack()
    domain, *_ = _studio(stack)
    domain.resource.apply_removal_policy(RemovalPolicy.RETAIN)  # set after the teardown was created: read at synth
    assert policies(defaults.template) == ("Delete", "Delete")
    assert policies(Template.from_stack(stack)) == ("Retain", "Retain")


def test_opt_ins_for_user_spaces_and_replaced_domains():
    stack = new_stack()
    _studio(stack, delete_user_spaces=True, teardown_replaced_domain=True)
    (teardown,) = Template.from_stack(stack).find_resources("Custom::StudioTeardown").values()
    assert (teardown["Properties"]["UserSpaces"], teardown["Properties"]["ReplacedDomain"]) == ("Delete", "TearDown")


def test_rejects_opt_ins_without_the_teardown_and_isolated_networks_without_its_endpoints(platform):
    _fails(platform, r"delete_user_spaces=True: needs safe_teardown=True", delete_user_spaces=True, safe_teardown=False)
    _fails(
        platform,
        r"teardown_replaced_domain=True: needs safe_teardown=True",
        teardown_replaced_domain=True,
        safe_teardown=False,
    )
    stack = new_stack()
    network = PrivateNetwork(stack, "Net", availability_zones=AZS)
    with pytest.raises(
        ConstructValidationError,
        match=r"(?s)StudioTeardown 'Test/Studio/Teardown'.*network='Test/Net'.*no 'cloudformation' interface endpoint",
    ):
        StudioDomain(stack, "Studio", network=network)
    StudioDomain(stack, "NoTeardown", network=network, safe_teardown=False)


def test_teardown_function_may_use_the_key_of_its_dead_letter_queue(template):
    (queue,) = template.find_resources("AWS::SQS::Queue").values()
    key_arn = queue["Properties"]["KmsMasterKeyId"]
    (statement,) = [s for s in _teardown_statements(template) if "kms:GenerateDataKey" in _actions(s)]
    assert sorted(_actions(statement)) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert statement["Resource"] == key_arn


def test_teardown_may_only_delete_this_domains_apps_spaces_and_profiles(template):
    domain_id = _logical_id(template, "AWS::SageMaker::Domain", {"AuthMode": "IAM"})
    deletes = [s for s in _teardown_statements(template) if "sagemaker:DeleteApp" in _actions(s)]
    (statement,) = deletes
    for resource in statement["Resource"]:
        assert {"Fn::GetAtt": [domain_id, "DomainId"]} in resource["Fn::Join"][1]


def test_domain_execution_role_may_manage_only_this_domains_spaces_and_apps(template):
    domain_id = _logical_id(template, "AWS::SageMaker::Domain", {"AuthMode": "IAM"})
    policies = template.find_resources("AWS::IAM::ManagedPolicy")
    role_policy = next(p for k, p in policies.items() if k.startswith("StudioExecutionRole"))
    (studio,) = [
        s for s in role_policy["Properties"]["PolicyDocument"]["Statement"] if "sagemaker:CreateSpace" in _actions(s)
    ]
    assert all({"Fn::GetAtt": [domain_id, "DomainId"]} in r["Fn::Join"][1] for r in studio["Resource"])


def test_compliant_under_the_three_packs():
    app = compliance_app()
    stack = new_stack(app)
    setup = StudioLifecycleConfig(stack, "Setup", app_type="JupyterLab", script=SETUP_SCRIPT)
    domain, *_ = _studio(
        stack,
        lifecycle_configs=[setup],
        home_efs_removal=RemovalPolicy.DESTROY,
        require_network_isolation=True,
        require_inter_container_encryption=True,
    )
    alice = domain.add_user_profile("alice")
    domain.add_space("team", owner=alice)
    assert nag_findings(app) == []


def test_sso_domain_links_profiles_to_identity_center_users():
    stack = new_stack()
    domain, *_ = _studio(stack, auth_mode="SSO")
    domain.add_user_profile("alice", sso_user_name="alice@example.com")
    template = Template.from_stack(stack)
    assert _domain_props(template)["AuthMode"] == "SSO"
    template.has_resource_properties(
        "AWS::SageMaker::UserProfile",
        {"SingleSignOnUserIdentifier": "UserName", "SingleSignOnUserValue": "alice@example.com"},
    )


def test_public_internet_only_with_the_explicit_opt_in():
    stack = new_stack()
    _studio(stack, app_network_access_type="PublicInternetOnly", allow_public_internet=True, docker_access=True)
    props = _domain_props(Template.from_stack(stack))
    assert props["AppNetworkAccessType"] == "PublicInternetOnly"
    assert props["DomainSettings"]["DockerSettings"] == {"EnableDockerAccess": "ENABLED"}


def test_idle_shutdown_can_be_disabled_explicitly():
    stack = new_stack()
    _studio(stack, idle_shutdown=IdleShutdown(enabled=False), safe_teardown=False)
    template = Template.from_stack(stack)
    lab = _domain_props(template)["DefaultUserSettings"]["JupyterLabAppSettings"]
    assert lab["AppLifecycleManagement"] == {"IdleSettings": {"LifecycleManagement": "DISABLED"}}
    template.resource_count_is("Custom::StudioTeardown", 0)


# -- bad input -------------------------------------------------------------------------------------


def _fails(platform, match: str, **kwargs) -> None:
    with pytest.raises(ConstructValidationError, match=match):
        _studio_on(platform, **kwargs)


@pytest.mark.parametrize(
    "idle, message",
    [
        (
            IdleShutdown(timeout=Duration.minutes(59), min_timeout=Duration.minutes(59)),
            r"idle_shutdown.timeout \(minutes\)=59.*from 60 to 525600",
        ),
        (IdleShutdown(max_timeout=Duration.minutes(525601)), r"idle_shutdown.max_timeout \(minutes\)=525601"),
        (IdleShutdown(timeout=Duration.seconds(3630)), r"idle_shutdown.timeout \(minutes\)=60.5.*integer"),
        (IdleShutdown(timeout=Duration.minutes(300)), r"min_timeout <= timeout <= max_timeout"),
    ],
)
def test_rejects_idle_timeouts_out_of_range(idle, message, platform):
    _fails(platform, message, idle_shutdown=idle)


def test_rejects_public_internet_unless_explicitly_allowed(platform):
    _fails(
        platform,
        r"(?s)StudioDomain 'Test/Studio'.*app_network_access_type='PublicInternetOnly'.*allow_public_internet=True",
        app_network_access_type="PublicInternetOnly",
    )


def test_rejects_unknown_modes_with_every_problem_at_once(platform):
    with pytest.raises(ConstructValidationError) as error:
        _studio_on(platform, auth_mode="LDAP", app_network_access_type="Open", domain_name="my_domain")
    text = str(error.value)
    assert "auth_mode='LDAP': must be one of SSO, IAM (botocore AuthMode)" in text
    assert "app_network_access_type='Open'" in text
    assert "domain_name='my_domain'" in text


@pytest.mark.parametrize("name", ["-alice", "alice-", "al_ice", "a" * 64, ""])
def test_rejects_invalid_profile_names(name, platform):
    domain = _studio_on(platform)
    with pytest.raises(ConstructValidationError, match=r"user_profile_name=.*SageMaker pattern"):
        domain.add_user_profile(name)


def test_rejects_duplicate_profile_names(platform):
    domain = _studio_on(platform)
    domain.add_user_profile("alice")
    with pytest.raises(
        ConstructValidationError,
        match=r"(?s)StudioDomain 'Test/Studio'.*user_profile_name\)='alice': is already a user profile",
    ):
        domain.add_user_profile("alice")


def test_rejects_invalid_and_duplicate_space_names_and_foreign_owners(platform):
    domain = _studio_on(platform)
    alice = domain.add_user_profile("alice")
    with pytest.raises(ConstructValidationError, match=r"space_name='team space'.*SageMaker pattern"):
        domain.add_space("team space", owner=alice)
    domain.add_space("team", owner=alice)
    with pytest.raises(ConstructValidationError, match=r"space_name\)='team': is already a space"):
        domain.add_space("team", owner=alice)
    with pytest.raises(ConstructValidationError, match=r"owner\)='carol': must be a user profile of this domain"):
        domain.add_space("other", owner="carol")


def test_rejects_bad_space_settings(platform):
    domain = _studio_on(platform)
    alice = domain.add_user_profile("alice")
    with pytest.raises(ConstructValidationError) as error:
        domain.add_space("s", owner=alice, app_type="RStudio", ebs_volume_size_gb=2, idle_timeout=Duration.minutes(30))
    assert "app_type='RStudio'" in str(error.value)
    assert "ebs_volume_size_gb=2" in str(error.value)
    assert "idle_timeout (minutes)=30" in str(error.value)


def test_rejects_sso_profiles_without_their_identity_center_user(platform):
    domain = _studio_on(platform, auth_mode="SSO")
    with pytest.raises(ConstructValidationError, match=r"sso_user_name=None: is required in an SSO"):
        domain.add_user_profile("alice")


def test_rejects_identity_center_users_in_an_iam_domain(platform):
    domain = _studio_on(platform)
    with pytest.raises(ConstructValidationError, match=r"sso_user_name='alice': is only for SSO domains"):
        domain.add_user_profile("alice", sso_user_name="alice")


def test_rejects_deleting_the_home_efs_without_the_teardown(platform):
    _fails(
        platform,
        r"home_efs_removal=.*needs safe_teardown=True",
        home_efs_removal=RemovalPolicy.DESTROY,
        safe_teardown=False,
    )


def test_rejects_two_default_lifecycle_configs_for_one_app_type(platform):
    stack = new_stack()
    configs = [
        StudioLifecycleConfig(stack, f"S{i}", app_type="JupyterLab", script=SETUP_SCRIPT, run_by_default=True)
        for i in range(2)
    ]
    network, _, _ = platform
    with pytest.raises(ConstructValidationError, match=r"at most one run_by_default configuration per app type"):
        StudioDomain(stack, "Studio", network=network, lifecycle_configs=configs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"app_type": "RSession", "script": "#!/bin/bash\n"}, r"app_type='RSession'"),
        ({"app_type": "JupyterLab"}, r"give exactly one of script or script_file"),
        ({"app_type": "JupyterLab", "script": "x", "script_file": "x.sh"}, r"give exactly one"),
        ({"app_type": "JupyterLab", "script_file": "/nonexistent/setup.sh"}, r"script_file='/nonexistent/setup.sh'"),
        ({"app_type": "JupyterLab", "script": "   "}, r"must not be empty"),
        ({"app_type": "JupyterLab", "script": "#" * 13000}, r"at most 16384 characters once base64"),
        ({"app_type": "JupyterLab", "script": "x", "name": "bad_name"}, r"name='bad_name'"),
    ],
)
def test_rejects_bad_lifecycle_configs(kwargs, message):
    with pytest.raises(ConstructValidationError, match=message):
        StudioLifecycleConfig(new_stack(), "Setup", **kwargs)


def _teardown_statements(template: Template) -> list[dict]:
    policies = template.find_resources("AWS::IAM::ManagedPolicy")
    (policy,) = [p for k, p in policies.items() if k.startswith("StudioTeardownRole")]
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _actions(statement: dict) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else actions


@pytest.mark.parametrize(
    "kwargs, prefix",
    [
        ({"domain_name": "Ml-Platform-Dev"}, "ml-platform-dev"),
        ({"domain_name": "research", "name_prefix": "ml-platform-dev"}, "ml-platform-dev"),
        ({}, None),
    ],
)
def test_the_default_role_names_jobs_after_the_domain_unless_told(kwargs, prefix):
    domain, *_ = _studio(new_stack(), **kwargs)
    role = domain.default_execution_role
    assert role.name_prefix == domain.name_prefix
    assert role.name_prefix == (prefix or role.name_prefix.lower())
    assert len(role.name_prefix) <= 32
    extra = domain.new_execution_role("Extra")
    assert extra.name_prefix == domain.name_prefix


def test_the_readme_studio_example_synthesizes_with_its_teardown(monkeypatch, tmp_path):
    import re

    import aws_cdk as cdk

    import constructs_lib as lib
    from tests.conftest import ROOT

    section = (ROOT / "README.md").read_text().split("\n## Studio and notebooks\n", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "pip-mirror.sh").write_text(SETUP_SCRIPT)  # the user's script
    monkeypatch.chdir(tmp_path)
    stack = new_stack()
    exec(compile(code, "README.md", "exec"), {"lib": lib, "cdk": cdk, "stack": stack})  # noqa: S102 - our README
    (teardown,) = Template.from_stack(stack).find_resources("Custom::StudioTeardown").values()
    assert teardown["Properties"]["UserSpaces"] == "Retain"


# --- an L2 resource: interface, imports, grants, connections -------------------------------------


def test_an_existing_domain_imported_by_its_attributes_can_be_granted_on():
    """Done when: a person's role of another stack opens Studio on a domain it did not make."""
    from aws_cdk import aws_ec2 as ec2

    from constructs_lib import IStudioDomain, IUserProfile, StudioUserProfile
    from tests.constructs_lib.grants import SAGEMAKER, actions_of, role_statements
    from tests.iam_eval import Request, allowed

    stack = new_stack()
    vpc = ec2.Vpc.from_vpc_attributes(stack, "Vpc", vpc_id="vpc-1", availability_zones=AZS)
    group = ec2.SecurityGroup.from_security_group_id(stack, "Apps", "sg-0123456789abcdef0")
    domain = StudioDomain.from_domain_attributes(
        stack, "Studio", domain_id="d-abc123", home_efs_file_system_id="fs-1", security_groups=[group]
    )
    assert isinstance(domain, IStudioDomain) and domain.home_efs_file_system_id == "fs-1"
    assert domain.domain_ref.domain_id == "d-abc123"
    person = iam.Role(stack, "Person", assumed_by=iam.AccountRootPrincipal())
    assert isinstance(domain.grant_sign_in(person, "alice"), iam.Grant)
    domain.grant_read(person)
    profile = StudioUserProfile.from_user_profile_attributes(
        stack, "Bob", domain_id=domain.domain_id, user_profile_name="Bob"
    )
    assert isinstance(profile, IUserProfile)
    profile.grant_sign_in(person)
    database = ec2.SecurityGroup(stack, "Database", vpc=vpc)
    database.connections.allow_from(domain, ec2.Port.tcp(5432))

    template = Template.from_stack(stack)
    statements = role_statements(template, "Person")
    assert actions_of(statements) == {
        "sagemaker:CreatePresignedDomainUrl",
        "sagemaker:DescribeDomain",
        "sagemaker:DescribeApp",
        "sagemaker:DescribeSpace",
        "sagemaker:DescribeUserProfile",
    }
    for profile_name in ("alice", "bob"):
        url = Request("sagemaker:CreatePresignedDomainUrl", f"{SAGEMAKER}:user-profile/d-abc123/{profile_name}")
        assert allowed(statements, url)
    assert not allowed(
        statements, Request("sagemaker:CreatePresignedDomainUrl", f"{SAGEMAKER}:user-profile/d-abc123/eve")
    )
    assert allowed(statements, Request("sagemaker:DescribeDomain", f"{SAGEMAKER}:domain/d-abc123"))
    assert allowed(statements, Request("sagemaker:DescribeSpace", f"{SAGEMAKER}:space/d-abc123/shared"))
    assert not allowed(statements, Request("sagemaker:DescribeSpace", f"{SAGEMAKER}:space/d-other/shared"))
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress", {"SourceSecurityGroupId": "sg-0123456789abcdef0", "FromPort": 5432}
    )


def test_a_domain_made_here_is_connectable_through_its_apps_security_group():
    from aws_cdk import aws_ec2 as ec2

    stack = new_stack()
    domain, network, _, _ = _studio(stack)
    assert domain.connections.security_groups == [network.workload_security_group]
    assert domain.domain_ref.domain_id == domain.domain_id
    database = ec2.SecurityGroup(stack, "Database", vpc=network.vpc)
    database.connections.allow_from(domain, ec2.Port.tcp(5432))
    Template.from_stack(stack).has_resource_properties(
        "AWS::EC2::SecurityGroupIngress", {"FromPort": 5432, "SourceSecurityGroupId": Match.any_value()}
    )


def test_a_domain_made_here_is_grantable_as_its_default_execution_role(defaults):
    domain = defaults.domain
    assert domain.grant_principal is domain.execution_role
