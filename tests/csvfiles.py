"""Reading protocol CSV outputs in tests."""

import csv


def rows(path):
    """The rows of a CSV file as dicts (values as strings)."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def header(path):
    """The column names of a CSV file."""
    with open(path, newline="") as f:
        return next(csv.reader(f))
