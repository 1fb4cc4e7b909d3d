"""The schedule's cadence with a frozen clock across a whole year: who is due, on which days.

Days and months are China's: the year starts at 2025-01-01T00:00+08:00 (16:00 UTC the day before).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy.settings import Settings

from crawler.schedule import Cadence, deadline_between, due_portals, due_reason, months
from parsers.deadlines import CHINA
from storage.runs import PortalRun

CADENCE = Cadence()
YEAR = datetime(2025, 1, 1, tzinfo=CHINA)


def run(started: datetime, *, pages: int = 5, blocked: int = 0, finished: bool = True) -> PortalRun:
    end = started + timedelta(minutes=10) if finished else None
    return PortalRun(1, "p", started, end, "finished" if finished else None, pages=pages, blocked=blocked)


def crawl_days(fails: frozenset[date] = frozenset(), cadence: Cadence = CADENCE) -> list[datetime]:
    """Ask every hour of 2025 and crawl whenever the portal is due: the moments it was crawled."""
    last, crawled = None, []
    for hour in range(365 * 24):
        now = YEAR + timedelta(hours=hour)
        if due_reason(last, now, cadence):
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
    assert datetime(2025, 2, 1, tzinfo=CHINA) in crawled
    assert datetime(2025, 4, 1, tzinfo=CHINA) in crawled


def test_the_season_starts_with_a_crawl_on_its_first_day() -> None:
    last = run(datetime(2024, 12, 20, tzinfo=CHINA))
    assert due_reason(last, datetime(2024, 12, 31, 23, tzinfo=CHINA), CADENCE) is None
    assert due_reason(last, datetime(2025, 1, 1, tzinfo=CHINA), CADENCE) == "last run 12.0 d ago, every 2.0 d"


def test_a_deadline_passes_at_midnight_in_china_not_in_utc() -> None:
    last = run(datetime(2027, 1, 30, 10, tzinfo=UTC))
    assert due_reason(last, datetime(2027, 1, 31, 15, 59, tzinfo=UTC), CADENCE) is None  # 23:59 on the 31st
    passed = "deadline 2027-01-31 passed since the last run"
    assert due_reason(last, datetime(2027, 1, 31, 16, tzinfo=UTC), CADENCE) == passed
    assert due_reason(last, datetime(2027, 1, 31, 17, tzinfo=UTC), CADENCE) == passed  # 1 February in China
    after = run(datetime(2027, 1, 31, 17, tzinfo=UTC))  # still 31 January in UTC, already after the deadline
    assert due_reason(after, datetime(2027, 2, 1, 12, tzinfo=UTC), CADENCE) is None


def test_the_season_s_months_are_china_s() -> None:
    assert CADENCE.every(datetime(2024, 12, 31, 15, 59, tzinfo=UTC)) == CADENCE.off_season_every
    assert CADENCE.every(datetime(2024, 12, 31, 16, tzinfo=UTC)) == CADENCE.season_every  # 1 January in China
    assert CADENCE.every(datetime(2025, 4, 30, 15, 59, tzinfo=UTC)) == CADENCE.season_every
    assert CADENCE.every(datetime(2025, 4, 30, 16, tzinfo=UTC)) == CADENCE.off_season_every  # 1 May in China


def test_a_failed_run_is_retried_after_six_hours_not_before() -> None:
    failed = datetime(2025, 7, 10, 3, tzinfo=UTC)
    ok, failing = crawl_days(), crawl_days(fails=frozenset({date(2025, 2, 1)}))
    assert [moment for moment in failing if moment not in ok][:1] == [datetime(2025, 2, 1, 6, tzinfo=CHINA)]
    blocked = run(failed, pages=0, blocked=3)
    assert due_reason(blocked, failed + timedelta(hours=5, minutes=59), CADENCE) is None
    assert due_reason(blocked, failed + timedelta(hours=6), CADENCE) == "last run blocked"
    unreachable = run(failed, pages=0)
    assert due_reason(unreachable, failed + timedelta(hours=6), CADENCE) == "last run unreachable"


def test_an_unfinished_run_blocks_the_portal_for_a_day_then_counts_as_failed() -> None:
    started = datetime(2025, 2, 10, tzinfo=CHINA)
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
        over = datetime(passed.year, passed.month, passed.day, tzinfo=CHINA) + timedelta(days=1)
        assert start < over <= start + span and (passed.month, passed.day) in {(1, 31), (3, 31)}


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_has_the_season_s_interval_or_the_rest_s(month: int) -> None:
    expected = CADENCE.season_every if month <= 4 else CADENCE.off_season_every
    assert CADENCE.every(datetime(2025, month, 15, tzinfo=CHINA)) == expected


def test_a_configured_cadence_crawls_a_whole_year_by_it() -> None:
    daily = Cadence(season_every=timedelta(days=1), off_season_every=timedelta(days=7), season_months=months("12-2"))
    crawled = crawl_days(cadence=daily)
    gaps = [(later.astimezone(CHINA).month, later - earlier) for earlier, later in itertools.pairwise(crawled)]
    assert {gap for month, gap in gaps if month in {1, 2}} == {timedelta(days=1)}
    assert {gap for month, gap in gaps if 5 <= month <= 10} == {timedelta(days=7)}
    december = [moment for moment in crawled if moment.astimezone(CHINA).month == 12]
    assert december[0] == datetime(2025, 12, 1, tzinfo=CHINA) and len(december) == 31  # from its first day, daily


def test_the_cadence_comes_from_the_settings() -> None:
    settings = Settings(
        {
            "NIANBAO_SCHEDULE_SEASON_DAYS": "1.5",
            "NIANBAO_SCHEDULE_OFF_SEASON_DAYS": "14",
            "NIANBAO_SCHEDULE_SEASON_MONTHS": "11-2",
            "NIANBAO_SCHEDULE_RETRY_HOURS": "3",
        }
    )
    cadence = Cadence.from_settings(settings)
    assert cadence.season_every == timedelta(days=1.5) and cadence.off_season_every == timedelta(days=14)
    assert cadence.season_months == {11, 12, 1, 2} and cadence.retry_after == timedelta(hours=3)
    assert Cadence.from_settings(Settings()) == CADENCE
    with pytest.raises(ValueError, match="longer than 0"):
        Cadence.from_settings(Settings({"NIANBAO_SCHEDULE_RETRY_HOURS": "0"}))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1-4", {1, 2, 3, 4}), ("1,2, 3", {1, 2, 3}), ("12-2", {12, 1, 2}), ("3", {3}), ("1-2,11-12", {1, 2, 11, 12})],
)
def test_season_months_as_a_sysadmin_writes_them(text: str, expected: set[int]) -> None:
    assert months(text) == expected


@pytest.mark.parametrize("text", ["", "0-4", "1-13", "jan-apr", "1..4", ","])
def test_what_is_not_a_season_says_so(text: str) -> None:
    with pytest.raises(ValueError):
        months(text)
