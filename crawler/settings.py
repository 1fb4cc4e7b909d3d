"""Scrapy settings of nianbao: polite by default, archival (no HTTP cache, no delta-fetch).

nianbao's own settings (``NIANBAO_*``) are declared once, with their help, in
``crawler/config.py``; this module only loads their defaults. Override any of them per run:
``scrapy crawl portal -s NIANBAO_DB_URL=sqlite:///a.db`` or ``nianbao crawl --db ...``.
Pause and resume a crawl with ``-s JOBDIR=crawls/run-1`` (stop it once, with Ctrl-C).
"""

from crawler.config import defaults

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

globals().update(defaults())  # the NIANBAO_* table of crawler/config.py, declared there once

# Politeness: robots.txt (with Crawl-delay, see crawler.extensions.HostPoliteness), an
# identifying User-Agent (the add-on builds it from NIANBAO_CONTACT_URL), at most two
# requests in flight per host, at least a second between them, slower when the host is.
ADDONS = {"crawler.config.IdentifyingUserAgent": 0, "crawler.browser.BrowserAddon": 10}
ROBOTSTXT_OBEY = True
ROBOTSTXT_USER_AGENT = "nianbao"
CONCURRENT_REQUESTS = 64  # many hosts at once; each host is held to the two below
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Hand the next request to the host with the fewest in flight, so a slow or backed-off
# host does not hold the whole crawl's concurrency.
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
# A report that is a hash route of one shell page (detail.html#/detail/123) is a request of its own.
REQUEST_FINGERPRINTER_CLASS = "crawler.routes.RouteFingerprinter"
TELNETCONSOLE_ENABLED = False  # no listening ports
REMOTE_CONTROL_ENABLED = False

# Limits: documents over 200 MB are not reports (the parsers refuse them too).
DOWNLOAD_MAXSIZE = 200 * 1024 * 1024
DOWNLOAD_WARNSIZE = 32 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60
# Longer than Scrapy's 2,083 (an old browser's limit): search and list APIs put their
# whole query in the URL. A longer one is a fault 'url_too_long' (crawler.middlewares).
URLLENGTH_LIMIT = 8192

# Retries: the same codes as Scrapy, with exponential back-off and Retry-After
# (crawler.middlewares.BackoffRetryMiddleware replaces Scrapy's immediate retries).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

DOWNLOADER_MIDDLEWARES = {
    "crawler.slots.HostSlotMiddleware": 1,  # first: every later one keys on the host:port slot
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.PortalOffsiteMiddleware": 50,
    "crawler.middlewares.UrlLengthLimit": 60,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.Rfc9309RobotsTxtMiddleware": 100,  # a robots.txt that cannot be read allows nothing
    "crawler.robots.RobotsStatusMiddleware": 540,  # below the retries: sees the answer they ended with
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.ConditionalGetMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.LoopRedirectMiddleware": 600,  # Scrapy's place for it
    "crawler.middlewares.BlockPageMiddleware": 585,  # sees decompressed bodies (590) before retries
    "crawler.warcrecords.WarcRecordMiddleware": 890,  # every answer as the server sent it, before all above
    "crawler.hostslots.SharedHostSlots": 940,  # with a frontier: holds a slot of the host in Redis
    "crawler.browser.BrowserMiddleware": 950,  # last before the handler: only render requests
}
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,  # dropped links silently
    "crawler.frontier.LeaseKeeper": 10,  # with a frontier: sees the callbacks' final output
    "crawler.middlewares.PrefetchValidators": 100,  # after Scrapy's filters (500-900): only requests kept
}
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.extensions.ConditionalAutoThrottle": 0,
    "crawler.extensions.ArchiveExtension": 10,
    "crawler.extensions.HostPoliteness": 100,  # after the throttle (0): its floor wins
    "crawler.extensions.CrawlProgress": 500,
    "crawler.frontier.FrontierIdle": 600,
    "crawler.stopping.StopWhenAsked": 700,
}
ITEM_PIPELINES = {
    "crawler.pipelines.StoreCapturePipeline": 100,
    "crawler.pipelines.ParseReportPipeline": 200,
    "crawler.pipelines.StoreReportPipeline": 300,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
