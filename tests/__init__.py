"""Tests are a package so that pytest puts the project root on sys.path (and `from .conftest import ...` works)."""
