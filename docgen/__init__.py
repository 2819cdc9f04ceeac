"""docgen: filled Office forms in, validated records and the next forms out."""

__version__ = "0.1.0"
