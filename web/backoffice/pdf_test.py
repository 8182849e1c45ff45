"""Backoffice: trying the spec's documents — each PDF rendered with sample data, or for a real
request chosen by its reference, and answered as a download. Nothing is stored."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response
from jinja2 import TemplateError
from sqlalchemy import select

from engine.samples import sample_session_context, sample_snapshot
from engine.service.requests import RequestService
from engine.store.models import RequestRow

from ..params import RequestReference, SpecId
from .access import Desk, ManageDesk
from .export import download_headers

router = APIRouter(prefix="/backoffice/{workflow_id}")


def _page(
    desk: Desk, *, error: str = "", reference: str = "", document: str = "", status: int = 200
) -> HTMLResponse:
    documents = [
        {
            "id": d.id,
            "title": desk.text(d.title) or d.id,
            "layout": d.layout,
            "filename": d.filename,
            "sample_href": f"{desk.base}/pdf/{d.id}",
        }
        for d in desk.compiled.spec.documents
        if d.kind == "pdf"
    ]
    return desk.page(
        "backoffice/pdf.html",
        status=status,
        title=desk.gettext("PDF test"),
        documents=documents,
        error=error,
        reference=reference,
        chosen=document,
    )


@router.get("/pdf", response_class=HTMLResponse)
def pdf_page(desk: ManageDesk) -> HTMLResponse:
    return _page(desk)


@router.get("/pdf/{document_id}", response_model=None)
def pdf_file(desk: ManageDesk, document_id: SpecId, reference: RequestReference = "") -> Response:
    """The PDF with sample data, or for the request `?reference=...`."""
    spec_document = desk.compiled.documents.get(document_id)
    if spec_document is None or spec_document.layout is None:
        raise HTTPException(status_code=404)
    reference = reference.strip()
    compiled = desk.compiled
    if spec_document.of == "session":
        return _session_sample(desk, document_id)
    if reference:
        row = desk.db.execute(
            select(RequestRow).where(
                RequestRow.workflow_id == compiled.spec.id, RequestRow.reference == reference
            )
        ).scalar_one_or_none()
        if row is None:
            return _page(
                desk,
                error=desk.gettext(
                    "No request of this process has the reference “{reference}”.",
                    reference=reference,
                ),
                reference=reference,
                document=document_id,
                status=404,
            )
        service = RequestService(desk.db, desk.runtime)
        compiled = service.compiled_for(row)
        spec_document = compiled.documents.get(document_id)
        if spec_document is None:
            return _page(
                desk,
                error=desk.gettext(
                    "The request {reference} follows a version of the process without this "
                    "document.",
                    reference=reference,
                ),
                reference=reference,
                document=document_id,
                status=400,
            )
        snapshot = service.snapshot(row, compiled)
        fallback = f"{document_id}-{reference}.pdf"
    else:
        snapshot = sample_snapshot(compiled, desk.runtime.today())
        fallback = f"{document_id}-exemple.pdf"
    # Imported on the first test render, not at start-up: fpdf2, fontTools and Pillow take
    # longer to import than the rest of the web application.
    from engine.delivery.pdf import DocumentError, render_document

    try:
        content = render_document(
            compiled, spec_document.layout or "", snapshot, created_at=desk.runtime.now()
        )
    except DocumentError as error:
        return _page(
            desk,
            error=desk.gettext("The document could not be made: {error}", error=error),
            reference=reference,
            document=document_id,
            status=500,
        )
    try:
        context = compiled.template_context(snapshot)
        name = " ".join(compiled.render_string(spec_document.filename, context).split())
    except TemplateError:  # a file name that does not render: the PDF is still worth seeing
        name = ""
    filename = name if name.lower().endswith(".pdf") else fallback
    if not reference:
        filename = f"exemple-{filename}"
    return Response(content, media_type="application/pdf", headers=download_headers(filename))


def _session_sample(desk: Desk, document_id: str) -> Response:
    """A training session's document with sample participants (a real session's is made from
    its page)."""
    from engine.delivery.pdf import DocumentError, render_context_document  # as above: fpdf2

    compiled = desk.compiled
    document = compiled.documents[document_id]
    context = sample_session_context(compiled)
    try:
        content = render_context_document(
            compiled, document.layout, context, created_at=desk.runtime.now()
        )
        name = " ".join(compiled.render_string(document.filename, context).split())
    except (DocumentError, TemplateError) as error:
        return _page(
            desk,
            error=desk.gettext("The document could not be made: {error}", error=error),
            document=document_id,
            status=500,
        )
    filename = name if name.lower().endswith(".pdf") else f"{document_id}.pdf"
    return Response(
        content, media_type="application/pdf", headers=download_headers(f"exemple-{filename}")
    )
