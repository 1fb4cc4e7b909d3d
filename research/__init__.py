"""The researchers' side: queries, diffs, search, exports and their renderers, read from the archive."""
