"""Sandboxed ``{{ ... }}`` expressions in node params: checked when a workflow is saved
(:func:`expression_problem`), evaluated when a step runs (:func:`evaluate_params`).

Below both ``nodes`` and ``engine``: it imports neither.
"""
from __future__ import annotations

from .evaluate import ExpressionError, evaluate_params, expression_problem, is_expression

__all__ = ["ExpressionError", "evaluate_params", "expression_problem", "is_expression"]
