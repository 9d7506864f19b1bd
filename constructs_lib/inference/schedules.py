"""``WorkingHours``: scale capacity to zero outside working hours and back in the morning (dev).

Works on any ``appscaling.ScalableTarget`` (what ``auto_scale_*`` returns in this library: an
inference component's copies, an asynchronous endpoint's instances, a variant's instances): two
Application Auto Scaling scheduled actions in the environment's time zone. In the evening the range
becomes ``night_capacity``..``night_capacity`` (0 by default), which scales in whatever the traffic;
in the morning of each working day it goes back to the target's range. The idle-cost summary counts
the scheduled hours (``scheduled_hours_per_week``).
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from aws_cdk import TimeZone
from aws_cdk import aws_applicationautoscaling as appscaling
from constructs import IConstruct

from constructs_lib._core.stack_facts import stack_of
from constructs_lib._core.validation import Problems, is_unresolved

#: The public names (the others serve the library's own modules).
__all__ = ["WEEKDAYS", "WorkingHours", "scheduled_hours_per_week"]

#: Days of the week as cron writes them.
WEEKDAYS: tuple[str, ...] = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_HOURS_ATTRIBUTE = "_constructs_lib_scheduled_hours"


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@dataclass(frozen=True)
class WorkingHours:
    """When capacity runs: ``start_hour`` to ``end_hour`` on ``days``, in ``time_zone``.

    :param time_zone: an IANA time zone, e.g. ``Europe/Dublin`` (the environment's).
    :param start_hour: default 8; the morning action's hour (0 to 23).
    :param end_hour: default 19; the evening action's hour (1 to 23, after ``start_hour``).
    :param days: default Monday to Friday; the working days (the evening action runs every day, so
        capacity stays off over the weekend).
    :param night_capacity: default 0; the range outside working hours.
    """

    time_zone: str
    start_hour: int = 8
    end_hour: int = 19
    days: Sequence[str] = ("MON", "TUE", "WED", "THU", "FRI")
    night_capacity: int = 0

    @property
    def hours_per_week(self) -> int:
        """Hours per week at the daytime range."""
        return len(self.days) * (self.end_hour - self.start_hour)

    def check(self, problems: Problems, prop: str) -> None:
        """Record what is wrong (the time zone, hours and days); shared with configuration checks."""
        problems.check(
            is_unresolved(self.time_zone) or self.time_zone in _time_zones(),
            f"{prop}.time_zone",
            self.time_zone,
            "must be an IANA time zone such as 'Europe/Dublin' or 'America/New_York' (the tz database)",
        )
        ok = problems.check_range(f"{prop}.start_hour", self.start_hour, minimum=0, maximum=23, integer=True)
        ok = problems.check_range(f"{prop}.end_hour", self.end_hour, minimum=1, maximum=23, integer=True) and ok
        if ok:
            problems.check(
                self.start_hour < self.end_hour,
                f"{prop}.end_hour",
                self.end_hour,
                f"must be after start_hour ({self.start_hour}): the evening action would contradict the morning one",
            )
        days = list(self.days)
        problems.check(
            bool(days) and all(d in WEEKDAYS for d in days),
            f"{prop}.days",
            days,
            f"must name at least one of {', '.join(WEEKDAYS)}",
        )
        problems.check_unique(f"{prop}.days", days)
        problems.check_range(f"{prop}.night_capacity", self.night_capacity, minimum=0, integer=True)

    def apply(
        self,
        target: appscaling.ScalableTarget,
        *,
        min_capacity: int,
        max_capacity: int,
        id_prefix: str = "WorkingHours",
    ) -> None:
        """Add the evening and morning actions to ``target``, whose daytime range is
        ``min_capacity``..``max_capacity``. Refuses actions that contradict the target's other
        scheduled actions (the same time in the same time zone)."""
        problems = Problems(target, "WorkingHours")
        self.check(problems, "working_hours")
        problems.check_order(
            "working_hours.night_capacity",
            self.night_capacity,
            max_capacity,
            f"must not be above the daytime max_capacity ({max_capacity})",
        )
        problems.raise_if_any()
        days = ",".join(self.days)
        evening = appscaling.Schedule.cron(minute="0", hour=str(self.end_hour))
        morning = appscaling.Schedule.cron(minute="0", hour=str(self.start_hour), week_day=days)
        for name, schedule in (("evening", evening), ("morning", morning)):
            _check_no_conflict(problems, target, name, schedule.expression_string, self.time_zone)
        problems.raise_if_any()
        zone = TimeZone.of(self.time_zone)
        target.scale_on_schedule(
            f"{id_prefix}Evening",
            schedule=evening,
            min_capacity=self.night_capacity,
            max_capacity=self.night_capacity,
            time_zone=zone,
        )
        target.scale_on_schedule(
            f"{id_prefix}Morning",
            schedule=morning,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            time_zone=zone,
        )
        if self.night_capacity == 0:
            vars(target)[_HOURS_ATTRIBUTE] = self.hours_per_week


def scheduled_hours_per_week(target: IConstruct) -> int | None:
    """The hours per week ``target`` may run (``WorkingHours`` with night capacity 0), or None: always."""
    hours = vars(target).get(_HOURS_ATTRIBUTE)
    return cast(int, hours) if hours is not None else None


def _check_no_conflict(
    problems: Problems, target: appscaling.ScalableTarget, name: str, expression: str, time_zone: str
) -> None:
    """Two scheduled actions of one target at the same time contradict each other (which wins is undefined)."""
    cfn = cast(appscaling.CfnScalableTarget, target.node.default_child)
    existing = cast(list[dict[str, Any]], stack_of(target).resolve(cfn.scheduled_actions) or [])
    for action in existing:
        same_zone = action.get("timezone", "UTC") in (time_zone, None)
        if action.get("schedule") == expression and same_zone:
            problems.add(
                f"working_hours ({name})",
                expression,
                f"overlaps the target's scheduled action {action.get('scheduledActionName')!r} at the same "
                f"time in {time_zone}: choose other hours or remove one",
            )
