"""Who the seeded people are (no Django needed: the Locust journey imports it): their IC numbers and password."""

from datetime import date, timedelta

SCALE_PASSWORD = "matrix-scale-2026"
# MyKad place-of-birth codes of the states (stdnum.my.nric accepts them).
BIRTH_PLACES = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14"]
BIRTH_DAYS = 15000  # birth dates from 1 January 1950 on


def scale_id_number(index: int) -> str:
    """The IC number of seeded person `index` (0-based): a valid MyKad (date, place of birth), serials 9000+
    so they never meet the demo account's."""
    day = date(1950, 1, 1) + timedelta(days=index % BIRTH_DAYS)
    rest = index // BIRTH_DAYS
    place = BIRTH_PLACES[rest % len(BIRTH_PLACES)]
    serial = 9000 + rest // len(BIRTH_PLACES)
    return f"{day:%y%m%d}{place}{serial:04d}"
