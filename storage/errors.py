"""The few named exceptions of the archive.

Callers catch exactly these, record a fault and go on; anything else is a bug. Every
message is one line that says what failed and what to do about it.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """The archive cannot do what was asked: a database that cannot be opened, a raw
    folder that cannot be written, a report that has no key to store it under."""


class SchemaMismatch(ArchiveError):
    """The database's schema is not the one this code was written for."""


class VersionConflict(ArchiveError):
    """Concurrent writers kept colliding on the same report after every retry."""


class UnkeyedReport(ArchiveError):
    """A parsed report without an agency or a year: there is no key to store it under."""


class ArchiveUnwritable(ArchiveError):
    """The archive's folder or database cannot take more writes (a full disk, a read-only
    folder): no later write will do better, so a crawl stops rather than go on."""
