"""Load AutomateOS's kit as a pytest plugin: the fixtures run_node and check_node_contract."""
pytest_plugins = ["automateos.testing.pytest_plugin"]
