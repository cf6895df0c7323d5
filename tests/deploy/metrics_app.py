"""``gunicorn tests.deploy.metrics_app:app``: the WSGI app with metrics and security headers
wired in, until the app factory does it itself (then init_app here is a no-op)."""
from automateos import metrics, security_headers
from wsgi import app

metrics.init_app(app)
security_headers.init_app(app)
