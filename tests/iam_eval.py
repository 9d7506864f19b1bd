"""Does a synthesized policy allow or deny one request? The library's IAM evaluator
(``constructs_lib._core.iam_policy``, the one the run-time contracts use) with a complete request
context: a condition key the request lacks is missing, as IAM treats it, not unknown.

Two ways to hand it a policy: statements as cdk-nag flattens their tokens (``<Bucket.Arn>/teams/a/*``,
``arn:<AWS::Partition>:...``; ``allowed``/``denied``), so requests are written the same way; or a
document resolved for one concrete environment (``resolve`` then ``allows``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

from constructs_lib._core import iam_policy
from constructs_lib._core.wildcards import flatten_cfn_reference

#: ``Request(action, resource, context)``: context values are a string or a list for multi-valued keys.
Request = partial(iam_policy.Request, complete=True)


def _flattened(statement: Mapping) -> dict:
    flat = dict(statement)
    for key in ("Resource", "NotResource"):
        if key in flat:
            flat[key] = [flatten_cfn_reference(r) for r in iam_policy.as_list(flat[key])]
    if "Condition" in flat:
        flat["Condition"] = {
            operator: {k: [flatten_cfn_reference(v) for v in iam_policy.as_list(values)] for k, values in keys.items()}
            for operator, keys in flat["Condition"].items()
        }
    return flat


def _decide(statements: Sequence[Mapping], request: iam_policy.Request) -> str:
    return iam_policy.decide([iam_policy.Statement.from_json(_flattened(s)) for s in statements], request)


def denied(statements: Sequence[Mapping], request: iam_policy.Request) -> bool:
    """Whether an explicit Deny of ``statements`` matches ``request``."""
    return _decide(statements, request) == "denied"


def allowed(statements: Sequence[Mapping], request: iam_policy.Request) -> bool:
    """Whether ``statements`` (one principal's identity policies) allow ``request``: an Allow
    matches and no Deny does."""
    return _decide(statements, request) == "allowed"


def resolve(value, pseudo: Mapping[str, str]):
    """``value`` with ``Ref`` of pseudo parameters, ``Fn::Join`` and ``Fn::Split`` evaluated."""
    if isinstance(value, list):
        return [resolve(v, pseudo) for v in value]
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in pseudo:
            return pseudo[value["Ref"]]
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(str(p) for p in resolve(parts, pseudo))
        if set(value) == {"Fn::Split"}:
            separator, text = value["Fn::Split"]
            return str(resolve(text, pseudo)).split(separator)
        return {k: resolve(v, pseudo) for k, v in value.items()}
    return value


def allows(document: Mapping, request: iam_policy.Request) -> bool:
    """Whether ``document`` (a resolved resource or endpoint policy) lets ``request`` through."""
    return iam_policy.is_allowed(iam_policy.statements_of([document]), request)
