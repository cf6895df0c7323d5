"""Example AutomateOS nodes (a template to copy): ``example_greet`` and ``example_create_item``."""
