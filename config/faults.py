"""Fault injection for the one-machine topology's fault suite (config.settings.topology only).

`FaultInjectingFileSMSBackend` is the file SMS backend of `make run`, with one switch: while
the file FAULTS_DIR/sms_delay holds a number of seconds, every send first writes
FAULTS_DIR/sms_started/<message id>.<pid> and then sleeps that long, so a test can kill -9
the Celery worker in the middle of a delivery. Every completed send appends its message id to
FAULTS_DIR/sms_sent.log: what "delivered exactly once" is counted from. Without the switch
file it behaves exactly like FileSMSBackend. Never configured for a real shop.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings

from metavast.notifications.backends.filebased import FileSMSBackend


def faults_dir() -> Path:
    return Path(settings.VAR_DIR) / "faults"


class FaultInjectingFileSMSBackend(FileSMSBackend):
    def send(self, sms) -> str:
        directory = faults_dir()
        delay_file = directory / "sms_delay"
        if delay_file.exists():
            started = directory / "sms_started"
            started.mkdir(parents=True, exist_ok=True)
            (started / f"{sms.message_id}.{os.getpid()}").touch()
            time.sleep(float(delay_file.read_text().strip() or 0))
        result = super().send(sms)
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / "sms_sent.log", "a") as log:
            log.write(f"{sms.message_id}\n")
        return result
