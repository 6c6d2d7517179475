"""Email through Django's configured email backend, with errors sorted into retry or not."""

from __future__ import annotations

import smtplib
import uuid
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from metavast.notifications.backends import PermanentDeliveryError, RetryableDeliveryError


class EmailNotConfigured(Exception):
    pass


class NotConfiguredEmailBackend(BaseEmailBackend):
    """Production without EMAIL_URL: keep emails waiting in the outbox.

    Django's console backend would print addresses and codes into the logs; this one
    refuses, so messages stay pending (retried with back-off) until EMAIL_URL is set.
    """

    def send_messages(self, email_messages):
        if self.fail_silently:
            return 0
        raise EmailNotConfigured


def _message_id_domain() -> str:
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return address.rpartition("@")[2] or "metavast.ir"


def send_email(
    *,
    message_id: uuid.UUID,
    to: str,
    subject: str,
    body: str,
    html_body: str = "",
    headers: dict[str, str] | None = None,
) -> str:
    """Send one email; return its Message-ID. Raises a DeliveryError on failure.

    `html_body` and `headers` are for promotions (List-Unsubscribe, RFC 8058); our own
    Message-ID and Auto-Submitted always win over a caller's header of the same name."""
    header_id = f"<{message_id}@{_message_id_domain()}>"
    email = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            **(headers or {}),
            "Message-ID": header_id,
            "Auto-Submitted": "auto-generated",
        },
    )
    if html_body:
        email.attach_alternative(html_body, "text/html")
    try:
        connection = get_connection(fail_silently=False)
        sent = connection.send_messages([email])
    except EmailNotConfigured:
        raise RetryableDeliveryError("email_not_configured") from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            raise PermanentDeliveryError(f"smtp_recipient_refused_{codes[0]}") from None
        raise RetryableDeliveryError("smtp_recipient_deferred") from None
    except smtplib.SMTPResponseException as exc:
        # 5xx to a whole message (not to a recipient) is usually our fault or config
        # (auth, policy); retrying later after a fix is right, so only 550-554 to the
        # sender's data are final.
        if exc.smtp_code in (550, 551, 552, 553, 554) and not isinstance(
            exc, smtplib.SMTPAuthenticationError
        ):
            raise PermanentDeliveryError(f"smtp_{exc.smtp_code}") from None
        raise RetryableDeliveryError(f"smtp_{exc.smtp_code}") from None
    except TimeoutError:
        raise RetryableDeliveryError("smtp_timeout") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise RetryableDeliveryError(f"smtp_{type(exc).__name__}") from None
    if sent != 1:
        raise RetryableDeliveryError("smtp_not_sent")
    return header_id
