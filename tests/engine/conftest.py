"""Engine tests use the shared loopback HTTP server."""
from tests.http_server import server, start_server  # noqa: F401  (fixtures)
