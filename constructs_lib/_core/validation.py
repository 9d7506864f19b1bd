"""Synth-time validation: collect every problem of a construct's input, then raise once.

Each construct validates its keyword arguments in one place, with one ``Problems`` collector::

    problems = Problems(self, "RealtimeEndpoint")
    problems.check_range("initial_instance_count", count, minimum=1, maximum=10)
    problems.raise_if_any()

The message names the construct path, the argument, the value received and what is allowed.
Values that are unresolved CDK tokens are never checked: they are only known at deploy time.
Values that mirror an API member are checked from botocore's shape instead (``service_model.check_shape``).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any, cast

from aws_cdk import Token
from constructs import IConstruct

from constructs_lib._core.log_retention import LOG_RETENTION_DAYS
from constructs_lib._core.stack_facts import construct_path

# SageMaker's resource-name pattern (domains, profiles, spaces, endpoints, pipelines...).
SAGEMAKER_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
#: A CloudWatch metric namespace (PutMetricData, metric filters).
METRIC_NAMESPACE_PATTERN = re.compile(r"^[A-Za-z0-9._/#:\- ]{1,255}$")
#: An e-mail address as SNS and AWS Budgets subscriptions take it: one '@', no spaces, a dotted domain.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]+$")


class ConstructValidationError(ValueError):
    """Raised at synth time when a construct receives input AWS would reject (or that is unsafe)."""


def is_unresolved(value: Any) -> bool:
    """True for CDK tokens (or lists holding one) whose value is only known at deploy time.

    Strings, numbers, enums and dicts are answered in Python (no jsii round trip): string tokens
    always carry the ``${Token[`` marker, number tokens are floats with CDK's marker bits, and an
    enum or a plain dict is never a token (``Token.is_unresolved`` asks those for a ``resolve`` method).
    """
    if value is None or isinstance(value, (bool, int, Enum, dict)):
        return False
    if isinstance(value, str):
        return "${Token[" in value or "#{Token[" in value
    if isinstance(value, float):
        return _is_number_token(value)
    if isinstance(value, (list, tuple)):
        return any(is_unresolved(item) for item in cast("Sequence[Any]", value))
    return bool(Token.is_unresolved(value))


#: The upper 16 bits of the high word of every number token (aws-cdk-lib's ``createTokenDouble``
#: in ``core/lib/private/encoding.ts``: ``DOUBLE_TOKEN_MARKER_BITS``); its ``extractTokenDouble``
#: tests these bits, which is what ``Token.is_unresolved`` answers for a number.
_NUMBER_TOKEN_MARKER = 0xFBFF


def _is_number_token(value: float) -> bool:
    high_word = struct.unpack("<II", struct.pack("<d", value))[1]
    return high_word >> 16 == _NUMBER_TOKEN_MARKER


def given(value: object) -> object:
    """``value`` as a caller may really pass it: argument checks test the types that callers without
    a type checker can get wrong, e.g. ``problems.check(isinstance(given(options), DataCaptureOptions), ...)``."""
    return value


def whole(value: float) -> int | float:
    """``int(value)``, except for a number token, which ``int`` would turn into a meaningless number."""
    return value if is_unresolved(value) else int(value)


class Problems:
    """Collects input problems of one construct and raises them together."""

    def __init__(self, scope: IConstruct | str, kind: str) -> None:
        self._scope = scope
        self._kind = kind
        self._problems: list[str] = []

    def __bool__(self) -> bool:
        return bool(self._problems)

    def add(self, prop: str, value: Any, allowed: str) -> None:
        """Record that ``prop`` received ``value``; ``allowed`` says what would be accepted."""
        shown = value.value if isinstance(value, Enum) else value  # AuthMode.SSO is shown as 'SSO'
        self._problems.append(f"{prop}={shown!r}: {allowed}")

    def check(self, condition: bool, prop: str, value: Any, allowed: str) -> bool:
        """Record a problem unless ``condition`` holds or the value is a token. Returns validity."""
        if is_unresolved(value) or condition:
            return True
        self.add(prop, value, allowed)
        return False

    def check_range(
        self,
        prop: str,
        value: object,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        integer: bool = False,
    ) -> bool:
        if value is None or is_unresolved(value):
            return True
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(prop, value, "must be a number")
            return False
        allowed = range_text(minimum, maximum, integer)
        ok = (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
        if integer and isinstance(value, float) and not value.is_integer():
            ok = False
        return self.check(ok, prop, value, allowed)

    def check_order(self, prop: str, low: float | None, high: float | None, allowed: str, *, shown: Any = None) -> bool:
        """``low <= high`` (e.g. a minimum and a maximum capacity), unless either is unknown: ``None``
        or an unresolved token (whose number value, such as -1.888e+289, means nothing at synth).
        The problem shows ``shown`` (default ``low``)."""
        if low is None or high is None or is_unresolved(low) or is_unresolved(high):
            return True
        return self.check(low <= high, prop, low if shown is None else shown, allowed)

    def check_pattern(self, prop: str, value: object, pattern: re.Pattern[str], allowed: str) -> bool:
        if value is None or is_unresolved(value):
            return True
        return self.check(isinstance(value, str) and bool(pattern.match(value)), prop, value, allowed)

    def check_one_of(self, prop: str, value: Any, choices: Iterable[Any]) -> bool:
        choices = list(choices)
        return self.check(value in choices, prop, value, f"must be one of {', '.join(map(str, choices))}")

    def check_unique(self, prop: str, values: Iterable[str]) -> bool:
        seen: set[str] = set()
        duplicates = sorted({v for v in values if v in seen or seen.add(v)})
        return self.check(not duplicates, prop, duplicates, "names must be unique; duplicated")

    def check_sagemaker_name(self, prop: str, value: str | None) -> bool:
        return self.check_pattern(
            prop,
            value,
            SAGEMAKER_NAME_PATTERN,
            "must be 1-63 letters, digits or hyphens, start with a letter or digit, not end with a hyphen "
            "(SageMaker pattern ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})",
        )

    def error(self) -> ConstructValidationError:
        """The error naming every problem recorded so far (to ``raise``)."""
        details = "\n  - ".join(self._problems)
        # The path is asked of Node only here: most constructs validate without a problem.
        path = self._scope if isinstance(self._scope, str) else construct_path(self._scope)
        return ConstructValidationError(f"{self._kind} '{path}' has invalid input:\n  - {details}")

    def check_email(self, prop: str, value: str | None) -> bool:
        """An e-mail address (subscriptions of topics and budgets, approvers)."""
        return self.check_pattern(prop, value, EMAIL_PATTERN, "must be an e-mail address such as 'ml-team@example.com'")

    def check_log_retention_days(self, prop: str, value: int | None) -> bool:
        """A retention period CloudWatch Logs accepts, in days."""
        if value is None:
            return True
        return self.check(
            value in LOG_RETENTION_DAYS,
            prop,
            value,
            f"must be a CloudWatch Logs retention period in days: {list(LOG_RETENTION_DAYS)}",
        )

    def raise_if_any(self) -> None:
        if self._problems:
            raise self.error()


def invalid(scope: IConstruct | str, kind: str, prop: str, value: Any, allowed: str) -> ConstructValidationError:
    """The error of one problem found outside a constructor (a method's argument, a lookup), to
    ``raise``: it names ``kind`` and ``scope``'s path (or a name, for pipeline steps), ``prop``, the
    ``value`` received and what is ``allowed``, in the same shape as ``Problems``."""
    problems = Problems(scope, kind)
    problems.add(prop, value, allowed)
    return problems.error()


def range_text(minimum: float | None, maximum: float | None, integer: bool) -> str:
    kind = "an integer" if integer else "a number"
    if minimum is not None and maximum is not None:
        return f"must be {kind} from {minimum:g} to {maximum:g}"
    if minimum is not None:
        return f"must be {kind} of at least {minimum:g}"
    if maximum is not None:
        return f"must be {kind} of at most {maximum:g}"
    return f"must be {kind}"
