"""The portal registry: YAML in, typed ``Portal`` records out, or one ``RegistryError``.

The registry's shape is a public contract (README "Pointing it at real portals"): users
keep their own files, so keys are only ever added. Everything is checked at load, before any
request: unknown keys, missing fields, URLs, domains, regular expressions, duplicate ids.
A bad registry fails with one line that names the entry and the key::

    portals.yaml: portal 'zz-erqi' (entry 1): hints.report_link_pattern: bad regular expression ...

A portal's crawl scope: navigation and list pages stay under the path of one of its start
URLs (or of a hint's list or scope URL, which is how a hint widens it), on the same origin;
report pages and attachments need a host inside ``allowed_domains`` and a port it allows:
an entry's own (``127.0.0.1:8001``), or for an entry without one the scheme's default
port and the ports of the portal's own URLs. A link to another service on the same host
is outside the portal.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

BUNDLED_REGISTRY = Path(__file__).with_name("portals.yaml")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DOMAIN = re.compile(r"^(?:[a-z0-9-]+\.)*[a-z0-9-]+(?::[0-9]{1,5})?$")
DEFAULT_PORTS = {"http": 80, "https": 443}


class RegistryError(ValueError):
    """The registry cannot be used; the message is one line naming the entry and key."""


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return url


def _directory(path: str) -> str:
    """The folder a URL path names: /a/b/index.html -> /a/b/, /a/b/ -> /a/b/, '' -> /."""
    return path[: path.rfind("/") + 1] if "/" in path else "/"


def _check_inside(urls: tuple[str, ...], domains: tuple[str, ...]) -> None:
    for url in urls:
        if domains and not host_in_domains(urlsplit(url).hostname or "", domains):
            raise ValueError(f"{url} is outside allowed_domains {list(domains)}")


def host_in_domains(host: str, domains: tuple[str, ...] | list[str]) -> bool:
    return any(host_in_domain(host, domain.partition(":")[0]) for domain in domains)


def host_in_domain(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def origin(url: str) -> tuple[str, int] | None:
    """(host, port) of an http(s) URL, the port filled in from the scheme; None for any other."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        return parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:  # a port that is no number, or out of range
        return None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Region(_Strict):
    province: str
    city: str | None = None
    district: str | None = None


class Hints(_Strict):
    """Optional help for discovery, only where a portal needs it."""

    list_urls: tuple[str, ...] = ()  # annual-report list pages to start from
    report_link_pattern: re.Pattern[str] | None = None  # URLs of report pages (searched, not matched)
    scope_urls: tuple[str, ...] = ()  # more URL prefixes whose pages the crawl may walk
    # true: render every list page in Chromium; false: never; auto: only those that look
    # script-driven (crawler.roles.script_driven_reason)
    render: bool | Literal["auto"] = "auto"

    @field_validator("list_urls", "scope_urls")
    @classmethod
    def _urls(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_url(url) for url in urls)

    @field_validator("render", mode="before")
    @classmethod
    def _render(cls, value: Any) -> bool | str:
        if isinstance(value, bool) or value == "auto":
            return value
        raise ValueError(f"must be true, false or auto, not {value!r}")

    @field_validator("report_link_pattern", mode="before")
    @classmethod
    def _pattern(cls, value: Any) -> re.Pattern[str] | None:
        if value is None or isinstance(value, re.Pattern):
            return value
        try:
            return re.compile(str(value))
        except re.error as error:
            raise ValueError(f"bad regular expression {value!r}: {error}") from None


class Portal(_Strict):
    id: str
    name: str
    region: Region
    # allowed_domains is declared (so validated) first: the URL checks below read it
    allowed_domains: tuple[str, ...] = Field(min_length=1)
    start_urls: tuple[str, ...] = Field(min_length=1)
    hints: Hints = Hints()
    # Where the portal's address was seen (a public page's URL, or repository:path), and,
    # for an address no such source confirms, why it is still listed. Data, not comments,
    # so that `nianbao portals list` can show them.
    source: str | None = Field(default=None, min_length=1)
    unverified: str | None = Field(default=None, min_length=1)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"not a slug (lower-case letters, digits, '-'): {value!r}")
        return value

    @field_validator("start_urls")
    @classmethod
    def _start_urls(cls, urls: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        _check_inside(urls, info.data.get("allowed_domains", ()))
        return tuple(_check_url(url) for url in urls)

    @field_validator("hints")
    @classmethod
    def _hint_urls(cls, hints: Hints, info: ValidationInfo) -> Hints:
        _check_inside((*hints.list_urls, *hints.scope_urls), info.data.get("allowed_domains", ()))
        return hints

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, domains: tuple[str, ...]) -> tuple[str, ...]:
        for domain in domains:
            if not _DOMAIN.match(domain):
                raise ValueError(f"not a bare domain (no scheme or path; host or host:port): {domain!r}")
        return domains

    # -- scope ------------------------------------------------------------------------

    def scope_prefixes(self) -> tuple[str, ...]:
        """origin + folder of every start, list and scope URL: where navigation may go."""
        prefixes = []
        for url in self.scope_urls():
            parts = urlsplit(url)
            prefixes.append(f"{parts.scheme}://{parts.netloc}{_directory(parts.path)}")
        return tuple(dict.fromkeys(prefixes))

    def in_scope(self, url: str) -> bool:
        """May a navigation or list page at ``url`` be crawled for this portal?"""
        return any(url.startswith(prefix) for prefix in self.scope_prefixes())

    def allows(self, url: str) -> bool:
        """May a report page or attachment at ``url`` be fetched for this portal? Host and port."""
        place = origin(url)
        return place is not None and any(
            host_in_domain(place[0], domain) and place[1] in ports for domain, ports in self.allowed_ports()
        )

    def allowed_ports(self) -> tuple[tuple[str, frozenset[int]], ...]:
        """Each allowed domain with the ports it allows (see the module docstring)."""
        own = [place for place in map(origin, self.scope_urls()) if place is not None]
        allowed = []
        for entry in self.allowed_domains:
            domain, _, port = entry.partition(":")
            if port:
                allowed.append((domain, frozenset({int(port)})))
            else:
                ports = {*DEFAULT_PORTS.values(), *(p for host, p in own if host_in_domain(host, domain))}
                allowed.append((domain, frozenset(ports)))
        return tuple(allowed)

    def scope_urls(self) -> tuple[str, ...]:
        return (*self.start_urls, *self.hints.list_urls, *self.hints.scope_urls)


class _Registry(_Strict):
    portals: tuple[Portal, ...]


def parse_registry(data: Any, source: str = "registry") -> tuple[Portal, ...]:
    """Validate registry data (as loaded from YAML); RegistryError names the entry and key."""
    try:
        registry = _Registry.model_validate(data)
    except ValidationError as error:
        raise RegistryError(_describe(error, data, source)) from None
    _check_unique_ids(registry.portals, source)
    return registry.portals


def load_registry(path: Path | str = BUNDLED_REGISTRY) -> tuple[Portal, ...]:
    target = Path(path)
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as error:
        raise RegistryError(f"{target}: cannot read the registry: {error.strerror or error}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise RegistryError(f"{target}: not valid YAML{where}: {getattr(error, 'problem', error)}") from None
    return parse_registry(data, str(target))


def select(portals: tuple[Portal, ...], ids: list[str] | tuple[str, ...]) -> tuple[Portal, ...]:
    """The portals named by ``ids`` (all of them when empty); RegistryError for an unknown id."""
    if not ids:
        return portals
    known = {portal.id: portal for portal in portals}
    unknown = [portal_id for portal_id in ids if portal_id not in known]
    if unknown:
        raise RegistryError(f"unknown portal id(s): {', '.join(unknown)} (known: {', '.join(known)})")
    return tuple(known[portal_id] for portal_id in dict.fromkeys(ids))


def _check_unique_ids(portals: tuple[Portal, ...], source: str) -> None:
    seen: set[str] = set()
    for index, portal in enumerate(portals, start=1):
        if portal.id in seen:
            raise RegistryError(f"{source}: portal {portal.id!r} (entry {index}): id: duplicate id")
        seen.add(portal.id)


_PROBLEMS = {
    "extra_forbidden": "unknown key",
    "missing": "missing required key",
    "tuple_type": "should be a list",
    "model_type": "should be a mapping",
    "model_attributes_type": "should be a mapping",
    "dict_type": "should be a mapping",
}


def _describe(error: ValidationError, data: Any, source: str) -> str:
    # A misspelt key is both unknown and missing: naming the unknown one points at the typo.
    first = min(error.errors(), key=lambda problem: problem["type"] != "extra_forbidden")
    location = list(first["loc"])
    where = source
    if len(location) >= 2 and location[0] == "portals" and isinstance(location[1], int):
        index = location[1]
        entry = data["portals"][index] if _indexable(data, index) else None
        name = entry.get("id") if isinstance(entry, dict) else None
        where += f": portal {name!r} (entry {index + 1})" if name else f": entry {index + 1}"
        location = location[2:]
    key = ".".join(str(part) for part in location)
    problem = _PROBLEMS.get(first["type"], first["msg"].removeprefix("Value error, "))
    return f"{where}: {key}: {problem}" if key else f"{where}: {problem}"


def _indexable(data: Any, index: int) -> bool:
    portals = data.get("portals") if isinstance(data, dict) else None
    return isinstance(portals, list) and index < len(portals)
