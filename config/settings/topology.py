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
