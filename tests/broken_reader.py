"""``nianbao`` whose parse workers carry a planted reader bug (tests.planted_bug).

Run as ``python -m tests.broken_reader crawl ...``; the crawl tests use it to prove that an
unexpected error is a fault row, counted, and parsed again by the next crawl. The workers
are forked from a forkserver, so the bug goes in through what that server preloads.
"""

from __future__ import annotations

import multiprocessing

import parsers.worker  # noqa: F401 (sets the forkserver's preload, which this then extends)
from nianbao.cli import main

if __name__ == "__main__":
    multiprocessing.get_context("forkserver").set_forkserver_preload(["parsers.parse_file", "tests.planted_bug"])
    main()
