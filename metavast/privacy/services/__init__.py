"""Writes of the privacy centre, by flow: `export` (download my data), `erasure` (erase my
account). Each module's functions run inside transactions and audit in the same one."""
