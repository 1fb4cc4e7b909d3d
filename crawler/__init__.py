"""Everything that talks to the network: the portal spider, its pipelines and the CLI."""

import os

# Scrapy's cookie middleware asks tldextract for public suffixes, which by default
# downloads the list from GitHub on first use: a request to an address no crawl chose.
# The snapshot bundled with tldextract is enough to refuse cookies set on a public suffix.
# Read when Scrapy builds its extractor, so this must run before Scrapy's middlewares load.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
