"""For tests that open the Django admin, which needs a superuser verified by a second factor
(matrix/backoffice/admin_site.py):

    from tests.backoffice.otp import otp_verified
    otp_verified(client, user)   # after client.force_login(user): as if the TOTP step had been passed
"""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def otp_verified(client, user):
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
