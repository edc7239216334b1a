"""CSV cells a spreadsheet would run as a formula are written as text; numbers stay numbers."""

import csv
import io

import pytest

from matrix.core.csvsafe import SafeWriter, cell


@pytest.mark.parametrize("value, written", [
    ("=1+1", "'=1+1"), ("+60123", "'+60123"), ("-A1", "'-A1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("-5.00", "-5.00"), ("-12", "-12"), ("Ali bin Abu", "Ali bin Abu"), ("", ""), (12, 12), (None, None),
])
def test_cell(value, written):
    assert cell(value) == written


def test_the_writer_passes_every_cell_through():
    out = io.StringIO()
    SafeWriter(out).writerow(["=2*3", 4, "-1.50"])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=2*3", "4", "-1.50"]
