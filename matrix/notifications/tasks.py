import base64

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from matrix.notifications.backends import sms_deliver


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def sms_send_task(to: str, text: str) -> None:
    sms_deliver(to=to, text=text)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def email_send_task(to: str, subject: str, text: str, html: str = "", attachments=None) -> None:
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    if html:
        message.attach_alternative(html, "text/html")
    for name, content_b64, mimetype in attachments or []:
        message.attach(name, base64.b64decode(content_b64), mimetype)
    message.send()
