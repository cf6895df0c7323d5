"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi ...`` (``serve``, ``db``,
``logs``, ``executions``). Building the app starts nothing: see automateos/serve.py."""
from automateos import create_app

app = create_app()
