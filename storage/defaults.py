"""Where an archive lives when no command line says otherwise: the one `make demo` fills.

Every command (``nianbao crawl`` through its Scrapy settings, the researchers' commands
through ``--db``/``--archive-dir``, or the environment variables NIANBAO_DB_URL and
NIANBAO_ARCHIVE_DIR) falls back to these, so ``make demo`` then ``nianbao query`` works.
"""

DEFAULT_DB_URL = "sqlite:///demo/archive.db"
DEFAULT_ARCHIVE_DIR = "demo/archive"
