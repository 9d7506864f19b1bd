import pytest
from aws_cdk import RemovalPolicy
from aws_cdk import aws_cognito as cognito
from aws_cdk.assertions import Match, Template

from constructs_lib import ConstructValidationError, EncryptionKey, LabelingWorkforce
from tests.conftest import compliance_app, nag_findings, new_stack


@pytest.fixture(scope="module")
def workforce():
    stack = new_stack()
    labeling = LabelingWorkforce(
        stack,
        "Labeling",
        workteam_name="labelers",
        cognito_domain_prefix="ml-labeling-dev",
        allowed_source_cidrs=["203.0.113.0/24"],
    )
    return labeling, Template.from_stack(stack)


@pytest.fixture(scope="module")
def template(workforce) -> Template:
    return workforce[1]


def _pool(template: Template) -> dict:
    pools = template.find_resources("AWS::Cognito::UserPool")
    assert len(pools) == 1
    return next(iter(pools.values()))


def test_user_pool_requires_mfa_with_authenticator_apps(template):
    props = _pool(template)["Properties"]
    assert props["MfaConfiguration"] == "ON"
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


def test_user_pool_enforces_advanced_security_on_the_plus_plan(template):
    props = _pool(template)["Properties"]
    assert props["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert props["UserPoolTier"] == "PLUS"


def test_user_pool_has_a_strong_password_policy_and_invitation_only_sign_up(template):
    props = _pool(template)["Properties"]
    assert props["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 12,
        "RequireLowercase": True,
        "RequireUppercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
        "PasswordHistorySize": 5,
        "TemporaryPasswordValidityDays": 3,
    }
    assert props["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    assert props["AccountRecoverySetting"] == {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]}


def test_user_pool_is_retained_with_deletion_protection(template):
    pool = _pool(template)
    assert pool["DeletionPolicy"] == "Retain"
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"


def test_app_client_and_domain_for_the_labeling_portal(template):
    template.has_resource_properties(
        "AWS::Cognito::UserPoolClient",
        {
            "GenerateSecret": True,
            "AllowedOAuthFlows": ["implicit", "code"],
            "AllowedOAuthScopes": ["email", "openid", "profile"],
            "SupportedIdentityProviders": ["COGNITO"],
            "PreventUserExistenceErrors": "ENABLED",
        },
    )
    template.has_resource_properties("AWS::Cognito::UserPoolDomain", {"Domain": "ml-labeling-dev"})


def test_workforce_uses_the_pool_and_the_allowed_source_cidrs(template):
    template.has_resource_properties(
        "AWS::SageMaker::Workforce",
        {
            "WorkforceName": "private-workforce",
            "CognitoConfig": {
                "UserPool": {"Ref": Match.string_like_regexp("^LabelingUserPool")},
                "ClientId": {"Ref": Match.string_like_regexp("^LabelingUserPoolClient")},
            },
            "SourceIpConfig": {"Cidrs": ["203.0.113.0/24"]},
        },
    )
    workforce = next(iter(template.find_resources("AWS::SageMaker::Workforce").values()))
    assert any(d.startswith("LabelingUserPoolDomain") for d in workforce["DependsOn"])


def test_workteam_is_the_pool_group_with_encrypted_notifications(template):
    template.has_resource_properties(
        "AWS::SageMaker::Workteam",
        {
            "WorkteamName": "labelers",
            "WorkforceName": "private-workforce",
            "MemberDefinitions": [
                {
                    "CognitoMemberDefinition": {
                        "CognitoUserPool": {"Ref": Match.string_like_regexp("^LabelingUserPool")},
                        "CognitoClientId": {"Ref": Match.string_like_regexp("^LabelingUserPoolClient")},
                        "CognitoUserGroup": {"Ref": Match.string_like_regexp("^LabelingGroup")},
                    }
                }
            ],
            "NotificationConfiguration": {
                "NotificationTopicArn": {"Ref": Match.string_like_regexp("^LabelingNotificationTopic")}
            },
        },
    )
    template.has_resource_properties("AWS::Cognito::UserPoolGroup", {"GroupName": "labelers"})
    template.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [Match.string_like_regexp("^LabelingKey"), "Arn"]}}
    )


def test_ground_truth_may_publish_notifications_from_this_account_only(template):
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "AllowGroundTruthNotifications",
                                "Action": "sns:Publish",
                                "Principal": {"Service": "sagemaker.amazonaws.com"},
                                "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                            }
                        )
                    ]
                )
            }
        },
    )
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "sagemaker.amazonaws.com"},
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            }
                        )
                    ]
                )
            }
        },
    )


def test_exposes_the_workteam_and_pool(workforce):
    labeling, _ = workforce
    assert labeling.workteam_name == "labelers"
    assert labeling.workforce is not None and labeling.domain is not None
    assert labeling.user_pool.user_pool_id and labeling.workteam_arn


def test_joins_an_existing_workforce_with_its_pool_and_client():
    stack = new_stack()
    pool = cognito.UserPool.from_user_pool_id(stack, "Pool", "eu-west-1_abcdefghi")
    client = cognito.UserPoolClient.from_user_pool_client_id(stack, "Client", "1example23456789")
    key = EncryptionKey(stack, "Key")
    LabelingWorkforce(
        stack, "Labeling", workteam_name="reviewers", user_pool=pool, user_pool_client=client, encryption_key=key
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Cognito::UserPool", 0)
    template.resource_count_is("AWS::SageMaker::Workforce", 0)
    template.resource_count_is("AWS::KMS::Key", 1)
    workteam = next(iter(template.find_resources("AWS::SageMaker::Workteam").values()))["Properties"]
    assert "WorkforceName" not in workteam
    assert workteam["MemberDefinitions"][0]["CognitoMemberDefinition"]["CognitoUserPool"] == "eu-west-1_abcdefghi"


def test_destroy_is_an_explicit_opt_in():
    stack = new_stack()
    LabelingWorkforce(
        stack,
        "Labeling",
        workteam_name="labelers",
        cognito_domain_prefix="ml-labeling-dev",
        removal_policy=RemovalPolicy.DESTROY,
    )
    pool = _pool(Template.from_stack(stack))
    assert pool["DeletionPolicy"] == "Delete"
    assert pool["Properties"]["DeletionProtection"] == "INACTIVE"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"workteam_name": "bad_name", "cognito_domain_prefix": "x"}, "workteam_name='bad_name'"),
        ({"workteam_name": "t"}, "cognito_domain_prefix=None: is required with a new user pool"),
        ({"workteam_name": "t", "cognito_domain_prefix": "my-aws-labeling"}, "not contain 'aws', 'amazon'"),
        ({"workteam_name": "t", "cognito_domain_prefix": "Upper"}, "cognito_domain_prefix='Upper'"),
        (
            {"workteam_name": "t", "cognito_domain_prefix": "x", "allowed_source_cidrs": ["10.0.0.1/8"]},
            "allowed_source_cidrs='10.0.0.1/8': must be IPv4 CIDR blocks",
        ),
        ({"workteam_name": "t", "cognito_domain_prefix": "x", "workforce_name": "-x"}, "workforce_name='-x'"),
        ({"workteam_name": "t", "cognito_domain_prefix": "x", "description": ""}, "description='': must be 1-200"),
    ],
)
def test_rejects_invalid_input(kwargs, message):
    with pytest.raises(ConstructValidationError) as error:
        LabelingWorkforce(new_stack(), "Labeling", **kwargs)
    assert "LabelingWorkforce 'Test/Labeling' has invalid input" in str(error.value)
    assert message in str(error.value)


def test_rejects_a_pool_without_its_client():
    stack = new_stack()
    pool = cognito.UserPool.from_user_pool_id(stack, "Pool", "eu-west-1_abcdefghi")
    with pytest.raises(ConstructValidationError, match="give user_pool and user_pool_client together"):
        LabelingWorkforce(stack, "Labeling", workteam_name="t", user_pool=pool)


def test_workforce_is_compliant_under_the_nag_packs():
    app = compliance_app()
    LabelingWorkforce(new_stack(app), "Labeling", workteam_name="labelers", cognito_domain_prefix="ml-labeling-dev")
    assert nag_findings(app) == []


def test_canary_without_threat_protection_the_plus_tier_rule_fails():
    app = compliance_app()
    LabelingWorkforce(
        new_stack(app),
        "Labeling",
        workteam_name="labelers",
        cognito_domain_prefix="ml-labeling-dev",
        threat_protection=False,
    )
    assert "AwsSolutions-COG8 at Test/Labeling/UserPool/Resource" in nag_findings(app)
