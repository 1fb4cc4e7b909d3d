"""The archive: typed SQLAlchemy models, versioned storage, queries and diffs."""
