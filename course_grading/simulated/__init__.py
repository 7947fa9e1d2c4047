"""Helpers for the nbgrader tests: a temporary course directory and simulated students."""
