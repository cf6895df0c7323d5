"""Two nodes: one that only computes, one that calls an HTTP API with a credential."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from automateos.nodes.base import Node, NodeContext, NodeError
from automateos.nodes.http import raise_for_status


class GreetParams(Schema):
    """Params of ``example_greet``; each may be an expression such as ``{{ input.name }}``."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"description": "Who to greet."})
    shout = fields.Boolean(load_default=False, metadata={"description": "Greet in capitals."})


class Greet(Node):
    """Outputs ``{greeting}``: "Hello, <name>!"."""

    type = "example_greet"
    name = "Greet"
    description = "Builds a greeting for a name."
    category = "action"
    version = 1
    params_schema = GreetParams
    blocking = False  # it only computes: the engine runs it inline with its neighbours
    timeout_seconds = 5.0

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> dict[str, str]:
        """Return the greeting."""
        greeting = f"Hello, {params['name']}!"
        return {"greeting": greeting.upper() if params["shout"] else greeting}


class CreateItemParams(Schema):
    """Params of ``example_create_item`` (the ``credential`` param is added for you)."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          metadata={"description": "Title of the new item."})
    tags = fields.List(fields.String(), load_default=list, metadata={"description": "Tags of the item."})


class CreateItem(Node):
    """POSTs ``{title, tags}`` to ``<base_url>/items`` and outputs the created item."""

    type = "example_create_item"
    name = "Create item"
    description = "Creates an item through the Example API."
    category = "action"
    version = 1
    params_schema = CreateItemParams
    credential_type = "example_api"  # the user picks one of their saved Example API keys
    max_retries = 3  # a 5xx, 429 or a dropped connection is retried with this backoff
    retry_backoff = 2.0
    timeout_seconds = 30.0

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> dict[str, Any]:
        """Create the item; a refused request fails the step, a passing failure retries it."""
        assert ctx.credential is not None  # the engine fills it: credential_type is set
        base_url = ctx.credential["base_url"].rstrip("/")
        response = ctx.http.post(
            f"{base_url}/items",
            json={"title": params["title"], "tags": params["tags"]},
            headers={"Authorization": f"Bearer {ctx.credential['api_key']}"},
            timeout=10,
        )
        raise_for_status(response, what="the Example API")  # 4xx: NodeError; 5xx/429: retried
        item = response.json()
        if "id" not in item:
            raise NodeError(f"the Example API answered without an item id: {str(item)[:200]}")
        ctx.log.info("created item %s", item["id"])  # shown in the run's detail; no secrets here
        return item
