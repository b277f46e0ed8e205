"""Data-quality suites for the staged tables, run with great-expectations 1.x directly."""
