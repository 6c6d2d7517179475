"""An SMS backend for tests: keeps messages in memory, like Django's locmem email backend."""

from __future__ import annotations

import threading

from metavast.notifications.backends import SMS

outbox: list[SMS] = []
_lock = threading.Lock()


class LocmemSMSBackend:
    def send(self, sms: SMS) -> str:
        with _lock:
            outbox.append(sms)
            return f"locmem-{len(outbox)}"
