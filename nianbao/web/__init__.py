"""``nianbao serve``: a small read-only web view over the archive."""
