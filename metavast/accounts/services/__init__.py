"""Writes of the accounts domain, by topic: codes, auth, contacts, addresses, sessions, staff."""
