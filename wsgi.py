"""Production entry point: `gunicorn wsgi:app`."""

from b24app import create_app

app = create_app()
