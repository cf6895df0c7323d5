"""The plugin author's kit: run a node as the engine would, check its declaration.

    from automateos.testing import check_node_contract, run_node

    def test_contract():
        check_node_contract(MyNode)

    def test_posts():
        run = run_node(MyNode, {"text": "{{ input.name }}"}, {"name": "Ada"}, credentials={"token": "x"})
        assert run.ok, run.error
        assert run.output == {...}

No server and no database: expressions, params validation, the time limit, retries with
backoff and typed errors are the engine's own. ``automateos.testing.pytest_plugin`` gives
both as fixtures.
"""
from __future__ import annotations

from .contract import NodeContractError, check_node_contract, contract_report
from .run import Attempt, NodeRun, run_node

__all__ = ["Attempt", "NodeContractError", "NodeRun", "check_node_contract", "contract_report", "run_node"]
