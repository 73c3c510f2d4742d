import os

from django.core.wsgi import get_wsgi_application

from config.heap import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
application = get_wsgi_application()
# With gunicorn's preload_app this runs once in the master, before forking:
# every worker starts with the loaded code frozen (config/heap.py).
settle()
