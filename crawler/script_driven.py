"""Does a list page need a browser? Until ``crawler.roles.script_driven_reason`` lands.

``script_driven_reason(response, found_links)`` names why a page that was read found
less than it shows (an empty list container filled by script, a next-page or load-more
control with no link behind it, a packed script), or ``None``. A page that already gave
report links, or has no script at all, never needs one.
"""

from __future__ import annotations

import re

from scrapy.http import Response

from crawler.pagination import is_markup

_CONTROL = re.compile(r"^(?:下一页|下页|后页|加载更多|点击加载更多|查看更多)$")
_PACKED = re.compile(r"eval\(function\(p,a,c,k,e,|new Function\(|String\.fromCharCode")
_LIST_CONTAINER = "ul[id*=list], ul[class*=list], div[id*=list], div[class*=list], tbody[id*=list]"


def script_driven_reason(response: Response, found_links: list) -> str | None:
    if found_links or not is_markup(response) or not response.css("script"):
        return None
    if any(not container.css("a, li") for container in response.css(_LIST_CONTAINER)):
        return "an empty list container filled by script"
    for control in response.css("button, a:not([href]), a[href^='javascript:'], a[href='#'], input[type=button]"):
        label = "".join(control.css("::text").getall()).strip() or control.attrib.get("value", "")
        if _CONTROL.match(label):
            return f"a {label} control with no link behind it"
    if any(_PACKED.search(script) for script in response.css("script::text").getall()):
        return "a packed script"
    return None
