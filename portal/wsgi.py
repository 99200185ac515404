"""WSGI entry point for serving CKAN with gunicorn (CKAN_INI names the config file)."""

import os

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app

application = make_app(CKANConfigLoader(os.environ["CKAN_INI"]).get_config())
