"""When an annual report is due, by China's calendar: the one rule the measures, the alerts
and the crawl schedule share.

The 2019 Regulation (政府信息公开条例, art. 49-50) has departments publish the report on a year
by 31 January of the next and people's governments (a name ending in 人民政府) by 31 March;
reports on a year before 2019 fall under the 2007 Regulation, 31 March for every body. A
deadline day is a day in China (Asia/Shanghai): 31 January ends at 16:00 UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")
DEADLINE_DAYS = ((1, 31), (3, 31))  # (month, day): departments', then governments' reports
REGULATION_2019_FIRST_YEAR = 2019  # the first year reported on under the 2019 Regulation


def deadline(agency: str, year: int) -> date:
    """The last day the report on ``year`` may be published by ``agency``."""
    government = agency.endswith("人民政府") or year < REGULATION_2019_FIRST_YEAR
    month, day = DEADLINE_DAYS[1] if government else DEADLINE_DAYS[0]
    return date(year + 1, month, day)


def end_of_day(day: date) -> datetime:
    """The moment ``day`` ends in China (aware)."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=CHINA)
