"""``dramatiq tests.deploy.metrics_worker``: worker.py with metrics wired in, until the app
factory does it itself (then init_app here is a no-op)."""
from automateos import metrics
from worker import app, broker  # noqa: F401  (the broker the CLI consumes)

metrics.init_app(app)
