"""Token revocation hooked to the accounts app without changing it: when an account's password is saved (change,
reset by link or by SMS code, staff), every API session issued under the old password is revoked, in the same
transaction as the change."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from matrix.api.tokens import api_sessions_revoke_stale


@receiver(post_save, sender=get_user_model(), dispatch_uid="matrix.api.password_change_revokes_tokens")
def password_saved(sender, instance, created, update_fields=None, **kwargs):
    if created:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    api_sessions_revoke_stale(user=instance)
