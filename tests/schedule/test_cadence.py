"""The schedule's cadence with a frozen clock across a whole year: who is due, on which days."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.schedule import Cadence, deadline_between, due_portals, due_reason
from storage.runs import PortalRun

CADENCE = Cadence()
YEAR = datetime(2025, 1, 1, tzinfo=UTC)


def run(started: datetime, *, pages: int = 5, blocked: int = 0, finished: bool = True) -> PortalRun:
    end = started + timedelta(minutes=10) if finished else None
    return PortalRun(1, "p", started, end, "finished" if finished else None, pages=pages, blocked=blocked)


def crawl_days(fails: frozenset[date] = frozenset()) -> list[datetime]:
    """Ask every hour of 2025 and crawl whenever the portal is due: the moments it was crawled."""
    last, crawled = None, []
    for hour in range(365 * 24):
        now = YEAR + timedelta(hours=hour)
        if due_reason(last, now, CADENCE):
            crawled.append(now)
            last = run(now, pages=0 if now.date() in fails else 5)
    return crawled


def test_in_season_a_portal_is_crawled_every_two_days() -> None:
    season = [moment for moment in crawl_days() if moment.month <= 4]
    gaps = [later - earlier for earlier, later in itertools.pairwise(season)]
    assert season[0] == YEAR and set(gaps) == {timedelta(days=1), timedelta(days=2)}
    assert gaps.count(timedelta(days=1)) == 2  # the day after each deadline


def test_off_season_a_portal_is_crawled_every_thirty_days() -> None:
    rest = [moment for moment in crawl_days() if moment.month >= 6]
    gaps = {later - earlier for earlier, later in itertools.pairwise(rest)}
    assert gaps == {timedelta(days=30)}


def test_each_deadline_brings_a_crawl_the_day_after_it() -> None:
    crawled = crawl_days()
    assert datetime(2025, 2, 1, tzinfo=UTC) in crawled
    assert datetime(2025, 4, 1, tzinfo=UTC) in crawled


def test_the_season_starts_with_a_crawl_on_its_first_day() -> None:
    last = run(datetime(2024, 12, 20, tzinfo=UTC))
    assert due_reason(last, datetime(2024, 12, 31, 23, tzinfo=UTC), CADENCE) is None
    assert due_reason(last, datetime(2025, 1, 1, tzinfo=UTC), CADENCE) == "last run 12.0 d ago, every 2.0 d"


def test_a_failed_run_is_retried_after_six_hours_not_before() -> None:
    failed = datetime(2025, 7, 10, 3, tzinfo=UTC)
    ok, failing = crawl_days(), crawl_days(fails=frozenset({date(2025, 2, 1)}))
    assert [moment for moment in failing if moment not in ok][:1] == [datetime(2025, 2, 1, 6, tzinfo=UTC)]
    blocked = run(failed, pages=0, blocked=3)
    assert due_reason(blocked, failed + timedelta(hours=5, minutes=59), CADENCE) is None
    assert due_reason(blocked, failed + timedelta(hours=6), CADENCE) == "last run blocked"
    unreachable = run(failed, pages=0)
    assert due_reason(unreachable, failed + timedelta(hours=6), CADENCE) == "last run unreachable"


def test_an_unfinished_run_blocks_the_portal_for_a_day_then_counts_as_failed() -> None:
    started = datetime(2025, 2, 10, tzinfo=UTC)
    dead = run(started, finished=False)
    assert due_reason(dead, started + timedelta(hours=23), CADENCE) is None
    assert due_reason(dead, started + timedelta(days=1), CADENCE) == "last run never finished"


def test_a_portal_never_crawled_is_due_and_the_order_is_the_registry_s() -> None:
    now = datetime(2025, 8, 1, tzinfo=UTC)
    last = {"b": run(now - timedelta(days=3))}
    due = due_portals(["c", "b", "a"], last, now, CADENCE)
    assert [(d.portal_id, d.reason) for d in due] == [("c", "never crawled"), ("a", "never crawled")]


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
)
def test_a_deadline_passed_lies_between_the_two_moments(start: datetime, span: timedelta) -> None:
    passed = deadline_between(start, start + span)
    if passed is None:
        assert span < timedelta(days=366)
    else:
        over = datetime(passed.year, passed.month, passed.day, tzinfo=UTC) + timedelta(days=1)
        assert start < over <= start + span and (passed.month, passed.day) in {(1, 31), (3, 31)}


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_has_the_season_s_interval_or_the_rest_s(month: int) -> None:
    expected = CADENCE.season_every if month <= 4 else CADENCE.off_season_every
    assert CADENCE.every(datetime(2025, month, 15, tzinfo=UTC)) == expected
