"""The library's durations, each built once: every ``Duration.minutes(5)`` creates a jsii object in
Node (a round trip), and a ``Duration`` never changes, so one object serves every construct."""

from __future__ import annotations

import functools
from weakref import WeakKeyDictionary

from aws_cdk import Duration


@functools.cache
def seconds(amount: float) -> Duration:
    return Duration.seconds(amount)


@functools.cache
def minutes(amount: float) -> Duration:
    return Duration.minutes(amount)


@functools.cache
def hours(amount: float) -> Duration:
    return Duration.hours(amount)


@functools.cache
def days(amount: float) -> Duration:
    return Duration.days(amount)


#: Conversions asked so far, by Duration object: each ``to_seconds()`` is a round trip to Node, and
#: constructs convert the same (shared, cached) durations again and again.
_CONVERSIONS: WeakKeyDictionary[Duration, dict[tuple[str, bool], float]] = WeakKeyDictionary()


def _converted(duration: Duration, unit: str, integral: bool) -> float:
    known = _CONVERSIONS.setdefault(duration, {})
    key = (unit, integral)
    if key not in known:
        known[key] = getattr(duration, f"to_{unit}")(integral=integral)
    return known[key]


def in_seconds(duration: Duration, *, integral: bool = True) -> float:
    """``duration.to_seconds(integral=...)``, asked of Node once per Duration object."""
    return _converted(duration, "seconds", integral)


def in_milliseconds(duration: Duration, *, integral: bool = True) -> float:
    """``duration.to_milliseconds(integral=...)``, asked of Node once per Duration object."""
    return _converted(duration, "milliseconds", integral)


def in_minutes(duration: Duration, *, integral: bool = True) -> float:
    """``duration.to_minutes(integral=...)``, asked of Node once per Duration object."""
    return _converted(duration, "minutes", integral)


def in_hours(duration: Duration, *, integral: bool = True) -> float:
    """``duration.to_hours(integral=...)``, asked of Node once per Duration object."""
    return _converted(duration, "hours", integral)


def in_days(duration: Duration, *, integral: bool = True) -> float:
    """``duration.to_days(integral=...)``, asked of Node once per Duration object."""
    return _converted(duration, "days", integral)
