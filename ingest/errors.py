class IngestError(Exception):
    """A file that cannot be ingested; the message says why, in words a user understands."""
