"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi ...`` (``serve``, ``db``,
``logs``, ``executions``; ``automateos ...`` is the same CLI). Building the app starts
nothing: see automateos/serve.py.

A refused configuration prints one line per bad variable and exits: with code 3 in a
gunicorn worker (WORKER_BOOT_ERROR: the arbiter stops instead of respawning it), else 1.
"""
import sys

from automateos import create_app_or_exit

GUNICORN_WORKER_BOOT_ERROR = 3

app = create_app_or_exit(GUNICORN_WORKER_BOOT_ERROR if "gunicorn.arbiter" in sys.modules else 1)
