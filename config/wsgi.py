import os

from django.core.wsgi import get_wsgi_application

from config.owner_only import restrict_to_owner

restrict_to_owner()  # before anything creates a file under var/
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_wsgi_application()
