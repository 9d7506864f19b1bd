"""The library's durations, each built once: every ``Duration.minutes(5)`` creates a jsii object in
Node (a round trip), and a ``Duration`` never changes, so one object serves every construct."""

from __future__ import annotations

import functools

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
