"""Tests of the Captures v2 surface (a package, so that its conftest has its own module name)."""
