"""statement-search indexer: corpus files -> documents -> chunks -> a published hybrid index."""

__version__ = "0.1.0"
