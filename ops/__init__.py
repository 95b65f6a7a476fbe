"""Operator CLI: ``python -m ops --help``."""
