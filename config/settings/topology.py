"""The production topology on one machine (`make prod`, deploy/topology.py) and its fault suite.

Production settings, every secret and check included, with the two things a test shop needs
that a real one must never have: the sandbox bank (so a purchase can be paid end to end) and
SMS written to files under var/ (so a test can read the sign-in code). Never for a real shop.
"""

from config.settings.production import *  # noqa: F403

SANDBOX_GATEWAY_ENABLED = True
# The fault suite kills a worker in the middle of a send (config/faults.py); its claim must
# lapse within the test's patience. A real shop keeps the base setting (300 s).
SMS_BACKEND = "config.faults.FaultInjectingFileSMSBackend"
NOTIFICATIONS_LEASE_SECONDS = 20
# The sweep that re-claims a dead worker's message runs every 10 s here, not 30: after a
# kill -9 the sign-in code is sent again 20–30 s after its claim (lease + one sweep), not up to
# 50 s. The code's message lapses 2 minutes after it was made, and a re-claim after that only
# marks it failed ("expired"): on a busy 2-core machine right after a cold start, with the
# claim itself late, 50 s left too thin a margin.
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,  # noqa: F405
    "notifications-deliver-due": {
        **CELERY_BEAT_SCHEDULE["notifications-deliver-due"],  # noqa: F405
        "schedule": 10.0,
    },
}
