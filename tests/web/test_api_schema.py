"""A property-based run against the API's own OpenAPI document (schemathesis), on SQLite and
PostgreSQL: for every operation, requests generated from the document (valid ones and, for the
bodies and parameters, some that break it) never get a 5xx, and every answer, errors included,
has a status, a content type and a body that the document declares.

The database holds a submitted request, its session and the reference entries, and the token
is an admin's, so that generated calls reach the handlers rather than stopping at 401."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from engine.service.api_tokens import create_token
from engine.store.models import RequestRow

from .conftest import Site
from .journey import CODE
from .test_delivery import confirm, submitted

KNOWN = {"workflow_id": "onboarding", "list_id": "establishments", "code": CODE}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_every_answer_is_declared_and_none_is_a_server_error(site: Site) -> None:
    request_id = submitted(site)
    confirm(site, request_id)
    with site.db() as db:
        token = create_token(db, "propriétés", "admin", {"admin"}, created_by="test").token
        reference = db.get(RequestRow, request_id).reference
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", site.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    known = {**KNOWN, "reference": reference}
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        workflow = {"workflow_id": "onboarding"} if "workflow_id" in names else {}
        # Generated addresses (mostly naming nothing), some in a workflow that exists, others
        # naming what exists, and requests that break the document (a wrong type, a missing
        # field, an unknown key...).
        strategy = st.one_of(
            operation.as_strategy(),
            operation.as_strategy(path_parameters=workflow),
            operation.as_strategy(path_parameters={k: v for k, v in known.items() if k in names}),
            operation.as_strategy(
                path_parameters=workflow, generation_mode=GenerationMode.NEGATIVE
            ),
        )

        @given(case=strategy)
        @settings(
            max_examples=40,
            deadline=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def calls(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        calls()


def test_the_document_declares_every_error_as_json(site: Site) -> None:
    document = TestClient(site.app).get("/api/v1/openapi.json").json()
    assert document["servers"] == [{"url": "/api/v1"}]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            declared = operation["responses"]
            for status in ("401", "403", "404", "422"):
                content = declared[status]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/ErrorBody"}, (path, method)
            if method == "post" and "transitions" in path:
                assert "409" in declared
