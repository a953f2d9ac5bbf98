"""The package version, in one place (read by the run file's metadata and ``--version``)."""

__version__ = "0.1.0"
