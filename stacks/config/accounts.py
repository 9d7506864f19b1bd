"""What follows from all environments together: who shares an account, who owns the region's API
Gateway settings, which accounts read a registry. Each is decided over every environment, so a partial
synth gives each environment the same result as a full one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from stacks.config.schema import ConfigError, EnvironmentConfig

#: How an environment without a concrete account is shown: it deploys into the credentials' account.
DEPLOYING_ACCOUNT = "the deploying credentials' account"


class AccountsOf(Protocol):
    """Accounts of env-agnostic environments, by environment name (``DeliveryConfig.accounts``)."""

    @property
    def accounts(self) -> Mapping[str, str]: ...


def api_gateway_account_owners(environments: Iterable[EnvironmentConfig]) -> frozenset[str]:
    """The environments whose serving stack sets the region's API Gateway CloudWatch role.

    That role is one setting per account and region (``AWS::ApiGateway::Account``): two stacks that
    both declare it overwrite each other, and deleting one removes what the other's logging uses. So
    only the first environment with an inference API in each account and region owns it (the others
    must be deployed after it). Environments without a concrete account share one group: they deploy
    into the credentials' account.
    """
    owners: dict[tuple[str | None, str], str] = {}
    for env in environments:
        if env.serving.inference_api:
            owners.setdefault((env.account, env.region), env.name)
    return frozenset(owners.values())


def account_sharing_problems(environments: Iterable[EnvironmentConfig]) -> list[str]:
    """What is wrong with how ``environments`` share accounts, one line per problem.

    Environments resolving to one account (the same ``account``, or both ``account=None``: the
    deploying credentials') must all say ``shared_account=True``: dev's roles then live beside
    prod's resources, and only the name scoping (``<project>-<env>-...``) keeps them apart. So
    there, no environment's name prefix may start with another's (``ml-platform-dev-`` and
    ``ml-platform-dev-eu-``): its roles would reach the other's resources.
    """
    by_account: dict[str, list[EnvironmentConfig]] = {}
    for env in environments:
        by_account.setdefault(env.account or DEPLOYING_ACCOUNT, []).append(env)
    problems: list[str] = []
    for account, group in by_account.items():
        if len(group) < 2:
            continue
        names = [env.name for env in group]
        for env in group:
            if not env.shared_account:
                problems.append(
                    f"{env.name}.shared_account=False: environments {names} resolve to one account ({account}); "
                    "give each its own account, or set shared_account=True on each of them to share it on purpose"
                )
        for env in group:
            for other in group:
                mine, theirs = f"{env.project}-{env.name}-", f"{other.project}-{other.name}-"
                if env is not other and theirs.startswith(mine):
                    problems.append(
                        f"{env.name}.name={env.name!r}: its name prefix {mine!r} also matches environment "
                        f"{other.name!r}'s {theirs!r} in the shared account {account}, so its roles would reach "
                        "the other's resources; rename one"
                    )
    return problems


def check_account_sharing(environments: Iterable[EnvironmentConfig]) -> None:
    """Fail with every ``account_sharing_problems`` of ``environments`` (the app's, or a pipeline's targets)."""
    problems = account_sharing_problems(environments)
    if problems:
        raise ConfigError("environments share an account:\n  - " + "\n  - ".join(problems))


def registry_consumer_accounts(
    env: EnvironmentConfig, environments: Mapping[str, EnvironmentConfig], delivery: AccountsOf | None
) -> tuple[str, ...]:
    """The accounts ``env``'s model registry is shared with (``training.registry_shared_with``).

    An environment's account is its own or, when env-agnostic, the delivery pipeline's for it. Only
    concrete accounts that differ from the registry's are returned (same-account access needs no
    resource policy); an unknown environment name fails.
    """

    def account_of(name: str) -> str | None:
        return environments[name].account or (delivery.accounts.get(name) if delivery else None)

    unknown = [name for name in env.training.registry_shared_with if name not in environments]
    if unknown:
        raise ConfigError(
            f"environment '{env.name}' has invalid input:\n  - training.registry_shared_with={unknown!r}: "
            f"must be among {list(environments)}"
        )
    own = env.account or (delivery.accounts.get(env.name) if delivery else None)
    accounts = [account_of(name) for name in env.training.registry_shared_with]
    return tuple(dict.fromkeys(a for a in accounts if a is not None and a != own))
