"""The embedded default's SMS backend: one file per message under SMS_FILE_PATH.

`make run` needs no SMS provider; a developer (or a browser test) reads the code from
var/outbox/sms/. The file name is the message id, so a retried message overwrites itself
instead of appearing twice.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from metavast.notifications.backends import SMS, RetryableDeliveryError


class FileSMSBackend:
    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, sms: SMS) -> str:
        record = {
            "message_id": str(sms.message_id),
            "receptor": sms.receptor,
            "body": sms.body,
            "provider_template": sms.provider_template,
            "provider_token": sms.provider_token,
            "at": timezone.now().isoformat(),
        }
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            target = self.path / f"{sms.message_id}.json"
            temporary = target.with_suffix(".tmp")
            temporary.write_text(json.dumps(record, ensure_ascii=False, indent=2), "utf-8")
            temporary.replace(target)
        except OSError:
            raise RetryableDeliveryError("file_write_failed") from None
        return f"file-{sms.message_id}"
