"""The schema of the delivery pipeline: the self-mutating CDK pipeline that delivers the app
(``stacks/delivery_stack.py``), validated when created like an environment."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from constructs_lib import Problems
from stacks.config.accounts import check_account_sharing
from stacks.config.schema import ACCOUNT_PATTERN, REGION_PATTERN, ConfigError, EnvironmentConfig, raise_problems

#: Source kinds of the delivery pipeline.
SOURCE_KINDS = ("codestar", "codecommit")

_CONNECTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]{36}$"
)
_OWNER_REPO = re.compile(r"^[\w.-]+(/[\w.-]+)+$")
_CODECOMMIT_REPO = re.compile(r"^[\w.-]{1,100}$")
_BRANCH = re.compile(r"^[^\s~^:?*\[\\]{1,255}$")
_CLI_VERSION = re.compile(r"^2(\.\d+){0,2}$")


@dataclass(frozen=True)
class DeliveryConfig:
    """The self-mutating CDK pipeline that delivers the app (``stacks/delivery_stack.py``).

    The pipeline lives in a tooling account; each delivered environment deploys into its own
    account and region. An environment's account is its ``EnvironmentConfig.account`` or, for
    env-agnostic environments (``account=None``), the one in ``accounts``.
    """

    #: The tooling account and region of the pipeline (and its artifact bucket).
    account: str
    region: str
    #: "codestar": GitHub, GitLab or Bitbucket through an AWS CodeConnections connection;
    #: "codecommit": an AWS CodeCommit repository of the tooling account.
    source: str = "codestar"
    #: "owner/repo" for a connection, the repository name for CodeCommit.
    repository: str = ""
    branch: str = "main"
    #: The connection's ARN (source="codestar"), created and authorized once in the console.
    connection_arn: str | None = None
    #: Environments deployed in this order.
    environments: tuple[str, ...] = ("staging", "prod")
    #: A manual approval waits before each of these environments.
    approval_before: tuple[str, ...] = ("prod",)
    #: Accounts of env-agnostic environments, by environment name.
    accounts: Mapping[str, str] = field(default_factory=dict[str, str])
    #: Run in the synth step before ``make synth``: a failing test stops the pipeline before it
    #: updates itself or deploys anything.
    test_commands: tuple[str, ...] = ("make test",)
    #: CDK CLI of the self-mutation step; None: the version package.json pins.
    cli_version: str | None = None

    def __post_init__(self) -> None:
        problems = Problems("delivery", "configuration")
        problems.check_pattern(
            "delivery.account", self.account, ACCOUNT_PATTERN, "must be the 12-digit tooling account id"
        )
        problems.check_pattern(
            "delivery.region", self.region, REGION_PATTERN, "must be an AWS region such as 'eu-west-1'"
        )
        problems.check_one_of("delivery.source", self.source, SOURCE_KINDS)
        if self.source == "codestar":
            problems.check_pattern(
                "delivery.repository",
                self.repository,
                _OWNER_REPO,
                "must be 'owner/repository' for a CodeStar connection",
            )
            problems.check(
                self.connection_arn is not None and bool(_CONNECTION_ARN.match(self.connection_arn)),
                "delivery.connection_arn",
                self.connection_arn,
                "must be a CodeConnections connection ARN (arn:aws:codeconnections:<region>:<account>:connection/<id>)",
            )
        elif self.source == "codecommit":
            problems.check_pattern(
                "delivery.repository",
                self.repository,
                _CODECOMMIT_REPO,
                "must be a CodeCommit repository name (letters, digits, '.', '_' or '-')",
            )
            problems.check(
                self.connection_arn is None,
                "delivery.connection_arn",
                self.connection_arn,
                "is only for source='codestar'",
            )
        problems.check_pattern("delivery.branch", self.branch, _BRANCH, "must be a git branch name")
        problems.check(
            len(self.environments) >= 1 and len(set(self.environments)) == len(self.environments),
            "delivery.environments",
            self.environments,
            "must list at least one environment, each once",
        )
        unknown = [name for name in self.approval_before if name not in self.environments]
        problems.check(
            not unknown, "delivery.approval_before", unknown, f"must be among environments {list(self.environments)}"
        )
        bad = {name: account for name, account in self.accounts.items() if not ACCOUNT_PATTERN.match(str(account))}
        problems.check(not bad, "delivery.accounts", bad, "must map environment names to 12-digit account ids")
        problems.check(
            bool(self.test_commands),
            "delivery.test_commands",
            self.test_commands,
            "must run the tests (at least one command)",
        )
        problems.check_pattern(
            "delivery.cli_version",
            self.cli_version,
            _CLI_VERSION,
            "must be None or a CDK CLI 2.x version (CLI 3.x cannot read this app's cloud assembly)",
        )
        raise_problems(problems)

    def targets(self, environments: Mapping[str, EnvironmentConfig]) -> list[EnvironmentConfig]:
        """The delivered environments in order, each with its concrete account.

        Fails when an environment is unknown, has no account (neither in its configuration nor
        in ``accounts``) or two different ones, or when the targets share accounts by accident.
        """
        problems: list[str] = []
        targets: list[EnvironmentConfig] = []
        for name in self.environments:
            if name not in environments:
                problems.append(
                    f"delivery.environments: unknown environment {name!r} (known: {', '.join(environments)})"
                )
                continue
            env = environments[name]
            account = env.account or self.accounts.get(name)
            if account is None:
                problems.append(
                    f"delivery.accounts[{name!r}]: missing; environment {name!r} is env-agnostic "
                    "(account=None) and a cross-account pipeline needs its account id"
                )
                continue
            if env.account and self.accounts.get(name, env.account) != env.account:
                problems.append(
                    f"delivery.accounts[{name!r}]={self.accounts[name]!r}: differs from the "
                    f"environment's account {env.account!r}"
                )
            targets.append(replace(env, account=account))
        if problems:
            raise ConfigError("delivery configuration has invalid input:\n  - " + "\n  - ".join(problems))
        check_account_sharing(targets)
        return targets
