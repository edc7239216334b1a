"""CSV cells that a spreadsheet will not run.

Staff open exports (the audit log, reports) in Excel or LibreOffice, which treat a cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return as a formula. Text that came from outside (a request path, a name, an
audit detail) is written with a leading apostrophe when it starts that way (OWASP "CSV Injection"); numbers are
written as they are, so "-5.00" stays a number.
"""

import csv
import re

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def cell(value) -> object:
    """The value as it is safe to put in a CSV cell."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START) or _NUMBER.fullmatch(value):
        return value
    return "'" + value


class SafeWriter:
    """csv.writer whose text cells are passed through cell()."""

    def __init__(self, target, **options):
        self._writer = csv.writer(target, **options)

    def writerow(self, row):
        return self._writer.writerow([cell(value) for value in row])
