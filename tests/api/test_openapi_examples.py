"""The OpenAPI document shows an example for every JSON body a route takes or returns."""

from __future__ import annotations

import json
import re

from tests.api.conftest import World


def _has_example(node: object, components: dict) -> bool:
    text = json.dumps(node)
    if '"example' in text:
        return True
    return any(_has_example(components[name], components)
               for name in re.findall(r'"#/components/schemas/([^"]+)"', text)
               if name in components and components[name] is not node)


def test_every_json_body_has_an_example(world: World) -> None:
    spec = world.client.get("/openapi.json").json()
    components = spec["components"]["schemas"]
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and not _has_example(body, components):
                missing.append(f"{method.upper()} {path} request")
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json")
                if (status.startswith("2") and content and content.get("schema")
                        and not _has_example(content, components)):
                    missing.append(f"{method.upper()} {path} {status}")
    assert missing == []
