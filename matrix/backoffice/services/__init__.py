"""Back-office writes, one transaction each, one module per flow (re-exported here)."""

from matrix.backoffice.services.signin import (  # noqa: F401
    TOTP_DEVICE_NAME,
    staff_confirmed_device,
    staff_signin_check,
    staff_totp_confirm,
    staff_totp_device_for_enrolment,
    staff_totp_verify,
)
from matrix.backoffice.services.staff import StaffError, staff_create, staff_deactivate  # noqa: F401
