"""``AnalysisConfigUploads``: puts the Clarify analysis configurations of a stack's check steps in S3
at deploy, with no code of ours: one ``AwsCustomResource`` (aws-cdk-lib's SDK-call custom resource)
per file, whose create and update call S3 ``PutObject`` with the JSON.

Each file goes to a key that holds a digest of its content (``ClarifyCheckStep`` chooses it): a
changed configuration is a new object and a new key in the pipeline definition, so the definition and
the file it names change together on every deploy, and running executions keep reading theirs.
Nothing is deleted (the artifact bucket is versioned and retained). The handler's role may put exactly
those objects and use the bucket's key through S3 for it; the pipeline's resource depends on the
uploads, so a definition is never live before its file.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from constructs_lib._core.grants import KMS_ENCRYPT
from constructs_lib._core.jsii_types import as_role
from constructs_lib._core.log_retention import retention_days
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.roles import ManagedPolicyRole, permissions_policy
from constructs_lib._core.s3_access import objects_arn
from constructs_lib._core.service_role import service_principal
from constructs_lib._core.stack_facts import construct_path
from constructs_lib.foundation.s3_location import S3Location

#: The construct id of the uploads of a stack (one per stack: the SDK-call handler is a singleton).
_UPLOADS_ID = "ClarifyAnalysisConfigs"
#: aws-cdk-lib's id of the singleton function behind every ``AwsCustomResource`` of a stack.
_PROVIDER_ID = f"AWS{cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace('-', '')}"


class AnalysisConfigUploads(Construct):
    """The analysis configuration files of a stack's Clarify check steps, put in S3 at deploy.

    ``MlPipeline`` creates it (``of``) for the steps that upload their configuration; use ``put``
    for a file of your own.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.role = ManagedPolicyRole(
            self,
            "Role",
            assumed_by=service_principal(self, "lambda.amazonaws.com"),
            description=f"Puts Clarify analysis configurations in S3 at deploy ({construct_path(self)})",
        )
        self._log_group: logs.LogGroup | None = None
        self._puts: dict[str, cr.AwsCustomResource] = {}

    @staticmethod
    def of(scope: IConstruct) -> AnalysisConfigUploads:
        """The uploads of ``scope``'s stack (created on first use)."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(_UPLOADS_ID)
        if isinstance(existing, AnalysisConfigUploads):
            return existing
        return AnalysisConfigUploads(stack, _UPLOADS_ID)

    def put(self, location: S3Location, body: str) -> cr.AwsCustomResource:
        """Put ``body`` (JSON text) at ``location`` (an object key) at deploy; the same key again
        returns the resource that puts it."""
        key = location.prefix
        existing = self._puts.get(location.uri)
        if existing is not None:
            return existing
        construct_id = f"Put{len(self._puts)}"
        call = cr.AwsSdkCall(
            service="S3",
            action="putObject",
            parameters={
                "Bucket": location.bucket.bucket_name,
                "Key": key,
                "Body": body,
                "ContentType": "application/json",
            },
            physical_resource_id=cr.PhysicalResourceId.of(location.uri),
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[objects_arn(location.bucket, key)])
        )
        encryption_key = location.encryption_key
        if encryption_key is not None:
            self.role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=list(KMS_ENCRYPT),
                    resources=[encryption_key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"s3.{Stack.of(self).region}.amazonaws.com"}},
                )
            )
        resource = cr.AwsCustomResource(
            self,
            construct_id,
            on_create=call,
            on_update=call,
            role=as_role(self.role),
            log_group=self._logs(location),
            install_latest_aws_sdk=False,
        )
        resource.node.add_dependency(permissions_policy(self.role))
        self._puts[location.uri] = resource
        self._acknowledge_provider()
        return resource

    def _logs(self, location: S3Location) -> logs.ILogGroup:
        if self._log_group is None:
            self._log_group = logs.LogGroup(
                self,
                "Logs",
                retention=retention_days(365),
                encryption_key=location.encryption_key,
            )
            if location.encryption_key is None:
                acknowledge(
                    self._log_group,
                    "The bucket the analysis configuration goes to has no KMS key to give this log group; the "
                    "handler logs only its S3 PutObject request, not the data.",
                    "HIPAA.Security-CloudWatchLogGroupEncrypted",
                    "NIST.800.53.R5-CloudWatchLogGroupEncrypted",
                )
        return self._log_group

    def _acknowledge_provider(self) -> None:
        provider = Stack.of(self).node.try_find_child(_PROVIDER_ID)
        if provider is None:
            return
        acknowledge(
            provider,
            "aws-cdk-lib's SDK-call custom resource handler, invoked only by CloudFormation while the stack deploys: "
            "a failed call fails the deploy and rolls it back (no event is lost, so no dead-letter queue), "
            "invocations are one per changed resource (no concurrency to limit), and its one S3 PutObject call "
            "per file moves no data out of the account (outside the VPC it needs no interface endpoints).",
            "HIPAA.Security-LambdaConcurrency",
            "NIST.800.53.R5-LambdaConcurrency",
            "HIPAA.Security-LambdaDLQ",
            "NIST.800.53.R5-LambdaDLQ",
            "HIPAA.Security-LambdaInsideVPC",
            "NIST.800.53.R5-LambdaInsideVPC",
        )


__all__ = ["AnalysisConfigUploads"]
