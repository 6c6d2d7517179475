#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    from config.owner_only import restrict_to_owner

    restrict_to_owner()  # before anything creates a file under var/
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
