"""Backoffice: the spec's reference lists. Every list with its entry count; a list's entries
(search, filters, pages), entries created and edited through a form generated from the list's
fields, deactivated, reactivated, deleted while no request uses them; entries described by
applicants referenced or merged into another entry; CSV export and import (preview, then one
transaction). Also the import plumbing the sessions page shares."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import FormData

from engine.service import reference_admin as admin
from engine.service.catalog import normalise_search
from engine.service.imports import (
    ImportPlan,
    ImportProblem,
    export_list,
    import_list,
    plan_list_import,
)
from engine.spec.reference import ReferenceList
from engine.store.models import ReferenceEntryRow
from engine.translations import N_

from ..deps import Form
from ..forms import form_text
from ..params import Action, Choice, EntryId, Page, SearchText, SpecId
from .access import Desk, ManageDesk
from .manage_pages import (
    ImportForm,
    csv_response,
    expired_form,
    flash,
    import_page,
    import_text,
    import_token_ok,
    not_found,
    redirect,
    said,
    take_flash,
)

router = APIRouter(prefix="/backoffice/{workflow_id}")

PAGE_SIZE = 50
# -- lists --------------------------------------------------------------------------------------


def _entries_query(desk: Desk, list_id: str) -> Any:
    return select(ReferenceEntryRow).where(
        ReferenceEntryRow.workflow_id == desk.compiled.spec.id,
        ReferenceEntryRow.list_id == list_id,
    )


@router.get("/listes", response_class=HTMLResponse)
def lists(desk: ManageDesk) -> HTMLResponse:
    workflow_id = desk.compiled.spec.id
    counts = {
        (list_id, active): int(n)
        for list_id, active, n in desk.db.execute(
            select(ReferenceEntryRow.list_id, ReferenceEntryRow.active, func.count())
            .where(ReferenceEntryRow.workflow_id == workflow_id)
            .group_by(ReferenceEntryRow.list_id, ReferenceEntryRow.active)
        )
    }
    rows = []
    for ref in desk.compiled.spec.reference_lists:
        flag = admin.applicant_status(desk.compiled, ref.id)
        flagged = 0
        if flag is not None:
            flagged = int(
                desk.db.execute(
                    select(func.count()).where(
                        ReferenceEntryRow.workflow_id == workflow_id,
                        ReferenceEntryRow.list_id == ref.id,
                        ReferenceEntryRow.status == flag,
                        ReferenceEntryRow.active.is_(True),
                    )
                ).scalar_one()
            )
        rows.append(
            {
                "id": ref.id,
                "label": desk.text(ref.label),
                "active": counts.get((ref.id, True), 0),
                "inactive": counts.get((ref.id, False), 0),
                "flagged": flagged,
                "flag": flag or "",
                "flag_label": admin.status_labels(desk.compiled, ref).get(flag or "", ""),
                "columns": [desk.text(column.label) for column in ref.fields],
            }
        )
    return desk.page(
        "backoffice/reference_lists.html", title=desk.gettext("Reference lists"), lists=rows
    )


def _find_list(desk: Desk, list_id: str) -> ReferenceList | None:
    return admin.find_list(desk.compiled, list_id)


@router.get("/listes/{list_id}", response_class=HTMLResponse)
def list_entries(
    desk: ManageDesk,
    list_id: SpecId,
    q: SearchText = "",
    statut: Choice = "",
    etat: Choice = "",
    page: Page = 1,
) -> HTMLResponse:
    ref = _find_list(desk, list_id)
    if ref is None:
        return not_found(desk, N_("This list does not exist (or no longer does)."))
    labels = admin.status_labels(desk.compiled, ref)
    flag = admin.applicant_status(desk.compiled, ref.id)
    query = _entries_query(desk, ref.id)
    words = normalise_search(q[:200]).split()[:6]
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(ReferenceEntryRow.search_text.like(f"%{escaped}%", escape="\\"))
    if statut in labels:
        query = query.where(ReferenceEntryRow.status == statut)
    if etat in ("actives", "inactives"):
        query = query.where(ReferenceEntryRow.active.is_(etat == "actives"))
    total = int(desk.db.execute(select(func.count()).select_from(query.subquery())).scalar_one())
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 1), pages)
    order = [ReferenceEntryRow.position, ReferenceEntryRow.label]
    if flag is not None:
        order.insert(0, case((ReferenceEntryRow.status == flag, 0), else_=1))
    rows = desk.db.execute(
        query.order_by(*order).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).scalars()
    usage = admin.usage_by_requests(desk.db, desk.compiled, ref.id)
    lookup = admin.Lookup.load(desk.db, desk.compiled, ref)
    entries = [
        {
            "id": row.entry_id,
            "label": row.label,
            "values": [
                _shown(column, (row.values or {}).get(column.id), lookup) for column in ref.fields
            ],
            "status": labels.get(row.status or "", row.status or ""),
            "flagged": flag is not None and row.status == flag,
            "active": row.active,
            "used": usage.get(row.entry_id, 0),
        }
        for row in rows
    ]

    def page_url(number: int) -> str:
        params = {k: v for k, v in (("q", q), ("statut", statut), ("etat", etat)) if v}
        params["page"] = str(number)
        return f"{desk.base}/listes/{ref.id}?{urlencode(params)}"

    return desk.page(
        "backoffice/reference_list.html",
        title=desk.text(ref.label),
        ref={"id": ref.id, "label": desk.text(ref.label), "item": desk.text(ref.item_label)},
        columns=[desk.text(column.label) for column in ref.fields],
        entries=entries,
        statuses=labels,
        flag=flag or "",
        flag_label=labels.get(flag or "", ""),
        q=q,
        statut=statut,
        etat=etat,
        total=total,
        page=page,
        pages=pages,
        previous_url=page_url(page - 1) if page > 1 else "",
        next_url=page_url(page + 1) if page < pages else "",
        flash=take_flash(desk),
    )


def _shown(column: Any, value: Any, lookup: admin.Lookup) -> str:
    if value is None:
        return ""
    if column.type == "boolean":
        return "oui" if value else "non"
    if column.type == "reference":
        return lookup.labels.get(column.list or "", {}).get(str(value), str(value))
    return str(value)


def _form_fields(
    desk: Desk,
    ref: ReferenceList,
    values: dict[str, Any],
    errors: dict[str, str],
) -> list[dict[str, Any]]:
    """The inputs of an entry's form, generated from the list's fields."""
    fields: list[dict[str, Any]] = [
        {
            "id": "label",
            "label": desk.gettext("Label"),
            "type": "text",
            "required": True,
            "value": values.get("label", ""),
            "error": errors.get("label", ""),
            "options": [],
        }
    ]
    for column in ref.fields:
        options: list[tuple[str, str]] = []
        value = values.get(column.id)
        if column.type == "reference" and column.list:
            rows = desk.db.execute(
                select(
                    ReferenceEntryRow.entry_id, ReferenceEntryRow.label, ReferenceEntryRow.active
                )
                .where(
                    ReferenceEntryRow.workflow_id == desk.compiled.spec.id,
                    ReferenceEntryRow.list_id == column.list,
                )
                .order_by(ReferenceEntryRow.position, ReferenceEntryRow.label)
            )
            options = [(eid, label) for eid, label, active in rows if active or eid == value]
        fields.append(
            {
                "id": column.id,
                "label": desk.text(column.label),
                "type": column.type,
                "required": column.required,
                "value": "" if value is None else value,
                "error": errors.get(column.id, ""),
                "options": options,
            }
        )
    return fields


def _posted_values(ref: ReferenceList, form: FormData) -> dict[str, str]:
    raw = {"label": form_text(form, "label", 400)}
    for column in ref.fields:
        if column.type == "boolean":
            raw[column.id] = "oui" if form.get(column.id) else "non"
        else:
            raw[column.id] = form_text(form, column.id, 400)
    return raw


def _entry_page(
    desk: Desk,
    ref: ReferenceList,
    *,
    row: ReferenceEntryRow | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status_value: str = "",
    status: int = 200,
) -> HTMLResponse:
    errors = {name: desk.gettext(message) for name, message in errors.items()}
    labels = admin.status_labels(desk.compiled, ref)
    flag = admin.applicant_status(desk.compiled, ref.id)
    context: dict[str, Any] = {
        "ref": {"id": ref.id, "label": desk.text(ref.label), "item": desk.text(ref.item_label)},
        "fields": _form_fields(desk, ref, values, errors),
        "errors": [
            (name, message)
            for name in ["label", *(c.id for c in ref.fields)]
            if (message := errors.get(name))
        ],
        "statuses": labels,
        "status_value": status_value,
        "entry": None,
        "targets": [],
        "flash": take_flash(desk),
    }
    if row is not None:
        used = admin.usage_by_requests(desk.db, desk.compiled, ref.id).get(row.entry_id, 0)
        others = admin.usage_by_entries(desk.db, desk.compiled, ref.id, row.entry_id)
        context["entry"] = {
            "id": row.entry_id,
            "label": row.label,
            "active": row.active,
            "status": labels.get(row.status or "", row.status or ""),
            "flagged": flag is not None and row.status == flag,
            "used": used,
            "used_by_entries": others,
            "default_status": labels.get(ref.default_status or "", ""),
        }
        targets = desk.db.execute(
            _entries_query(desk, ref.id)
            .where(
                ReferenceEntryRow.entry_id != row.entry_id,
                ReferenceEntryRow.active.is_(True),
            )
            .order_by(ReferenceEntryRow.label)
        ).scalars()
        context["targets"] = [
            (t.entry_id, t.label) for t in targets if flag is None or t.status != flag
        ]
        title = desk.gettext(
            "{item}: {label}",
            item=desk.text(ref.item_label) or desk.gettext("Entry"),
            label=row.label,
        )
    else:
        title = desk.gettext("New entry — {list}", list=desk.text(ref.label))
    return desk.page("backoffice/reference_entry.html", status=status, title=title, **context)


@router.get("/listes/{list_id}/nouvelle-entree", response_class=HTMLResponse)
def new_entry(desk: ManageDesk, list_id: SpecId) -> HTMLResponse:
    ref = _find_list(desk, list_id)
    if ref is None:
        return not_found(desk, N_("This list does not exist (or no longer does)."))
    return _entry_page(desk, ref, row=None, values={}, errors={})


@router.post("/listes/{list_id}/nouvelle-entree", response_class=HTMLResponse)
def create_entry(desk: ManageDesk, list_id: SpecId, form: Form) -> Response:
    ref = _find_list(desk, list_id)
    if ref is None:
        return not_found(desk, N_("This list does not exist (or no longer does)."))
    if not desk.csrf_ok(form):
        return expired_form(desk)
    raw = _posted_values(ref, form)
    data = admin.read_entry(desk.compiled, ref, raw, admin.Lookup.load(desk.db, desk.compiled, ref))
    if data.errors:
        return _entry_page(desk, ref, row=None, values=raw, errors=data.errors, status=422)
    row = admin.add_entry(desk.db, desk.compiled, ref, data)
    flash(desk, desk.gettext("“{label}” was added to the list.", label=row.label))
    return redirect(f"{desk.base}/listes/{ref.id}/entrees/{row.entry_id}")


def _entry(desk: Desk, ref: ReferenceList, entry_id: str) -> ReferenceEntryRow | None:
    return admin.entry(desk.db, desk.compiled.spec.id, ref.id, entry_id)


@router.get("/listes/{list_id}/entrees/{entry_id}", response_class=HTMLResponse)
def show_entry(desk: ManageDesk, list_id: SpecId, entry_id: EntryId) -> HTMLResponse:
    ref = _find_list(desk, list_id)
    row = _entry(desk, ref, entry_id) if ref else None
    if ref is None or row is None:
        return not_found(desk, N_("This entry does not exist (or no longer does)."))
    values: dict[str, Any] = {"label": row.label, **(row.values or {})}
    return _entry_page(desk, ref, row=row, values=values, errors={}, status_value=row.status or "")


@router.post("/listes/{list_id}/entrees/{entry_id}", response_class=HTMLResponse)
def edit_entry(desk: ManageDesk, list_id: SpecId, entry_id: EntryId, form: Form) -> Response:
    ref = _find_list(desk, list_id)
    row = _entry(desk, ref, entry_id) if ref else None
    if ref is None or row is None:
        return not_found(desk, N_("This entry does not exist (or no longer does)."))
    if not desk.csrf_ok(form):
        return expired_form(desk)
    raw = _posted_values(ref, form)
    status_value = form_text(form, "status", 64)
    data = admin.read_entry(desk.compiled, ref, raw, admin.Lookup.load(desk.db, desk.compiled, ref))
    labels = admin.status_labels(desk.compiled, ref)
    if labels and status_value and status_value not in labels:
        data.errors["status"] = desk.gettext("Unknown status.")
    if data.errors:
        return _entry_page(
            desk,
            ref,
            row=row,
            values=raw,
            errors=data.errors,
            status_value=status_value,
            status=422,
        )
    admin.save_entry(desk.db, row, ref, data, status_value if labels else None)
    flash(desk, desk.gettext("Changes saved."))
    return redirect(f"{desk.base}/listes/{ref.id}/entrees/{row.entry_id}")


@router.post("/listes/{list_id}/entrees/{entry_id}/{action}", response_class=HTMLResponse)
def entry_action(
    desk: ManageDesk, list_id: SpecId, entry_id: EntryId, action: Action, form: Form
) -> Response:
    ref = _find_list(desk, list_id)
    row = _entry(desk, ref, entry_id) if ref else None
    if ref is None or row is None:
        return not_found(desk, N_("This entry does not exist (or no longer does)."))
    if not desk.csrf_ok(form):
        return expired_form(desk)
    here = f"{desk.base}/listes/{ref.id}/entrees/{row.entry_id}"
    label = row.label
    if action == "desactiver":
        admin.set_entry_active(desk.db, row, False)
        flash(desk, desk.gettext("“{label}” is deactivated: it is no longer offered.", label=label))
    elif action == "activer":
        admin.set_entry_active(desk.db, row, True)
        flash(desk, desk.gettext("“{label}” is active again.", label=label))
    elif action == "referencer":
        admin.reference_entry(desk.db, row, ref)
        shown = admin.status_labels(desk.compiled, ref).get(ref.default_status or "", "")
        shown = shown.lower() or desk.gettext("listed")
        flash(desk, desk.gettext("“{label}” is now {status}.", label=label, status=shown))
    elif action == "supprimer":
        try:
            admin.remove_entry(desk.db, desk.compiled, row)
        except admin.EntryInUse as error:
            users = desk.gettext(error.args[0])
            refusal = N_(
                "This entry is used by {users}: it cannot be deleted. Deactivate it so that it "
                "is no longer offered."
            )
            flash(desk, desk.gettext(refusal, users=users), "error")
            return redirect(here)
        flash(desk, desk.gettext("“{label}” was deleted.", label=label))
        return redirect(f"{desk.base}/listes/{ref.id}")
    elif action == "fusionner":
        target = _entry(desk, ref, form_text(form, "target", 64))
        if target is None or target.entry_id == row.entry_id:
            flash(desk, desk.gettext("Choose the entry to merge this one into."), "error")
            return redirect(here)
        delete = form.get("delete") == "on"
        moved = admin.merge_entries(desk.db, desk.compiled, row, target, delete=delete)
        done = desk.gettext("deleted") if delete else desk.gettext("deactivated")
        merged = N_(
            "“{label}” was merged into “{target}”: {moved} request(s) now point to “{target}”, "
            "“{label}” was {done}."
        )
        flash(desk, desk.gettext(merged, label=label, target=target.label, moved=moved, done=done))
        return redirect(f"{desk.base}/listes/{ref.id}/entrees/{target.entry_id}")
    else:
        return not_found(desk, N_("This action does not exist (or no longer does)."))
    return redirect(here)


# -- CSV ----------------------------------------------------------------------------------------


@router.get("/listes/{list_id}/export.csv")
def export_entries(desk: ManageDesk, list_id: SpecId) -> Response:
    ref = _find_list(desk, list_id)
    if ref is None:
        return not_found(desk, N_("This list does not exist (or no longer does)."))
    return csv_response(export_list(desk.db, desk.compiled, ref), f"{ref.id}.csv")


def _list_import_page(desk: Desk, ref: ReferenceList, **context: Any) -> HTMLResponse:
    return import_page(
        desk,
        title=desk.gettext("Import entries — {list}", list=desk.text(ref.label)),
        back=f"{desk.base}/listes/{ref.id}",
        action=f"{desk.base}/listes/{ref.id}/import",
        columns=["id", "label", *(c.id for c in ref.fields), "status", "active"],
        **context,
    )


@router.get("/listes/{list_id}/import", response_class=HTMLResponse)
def import_entries_form(desk: ManageDesk, list_id: SpecId) -> HTMLResponse:
    ref = _find_list(desk, list_id)
    if ref is None:
        return not_found(desk, N_("This list does not exist (or no longer does)."))
    return _list_import_page(desk, ref)


@router.post("/listes/{list_id}/import", response_class=HTMLResponse)
def import_entries(desk: ManageDesk, list_id: SpecId, form: ImportForm) -> Response:
    ref = _find_list(desk, list_id)
    if ref is None:
        return not_found(desk, N_("This list does not exist (or no longer does)."))
    if not desk.csrf_ok(form):
        return expired_form(desk)
    action = f"{desk.base}/listes/{ref.id}/import"
    try:
        text = import_text(form)
        plan = plan_list_import(desk.db, desk.compiled, ref, text, desk.locale)
    except ImportProblem as problem:
        return _list_import_page(desk, ref, problem=said(desk, problem), status=422)
    mode = form_text(form, "_nav", 20)
    if mode not in ("tout", "valides"):
        return _list_import_page(desk, ref, plan=plan, content=text)
    if not import_token_ok(desk, action, text, form_text(form, "token", 600)):
        return _list_import_page(
            desk,
            ref,
            problem=desk.gettext(
                "This preview expired or the content changed: send the file again."
            ),
            status=422,
        )
    if plan.rejected and mode != "valides":
        return _list_import_page(
            desk,
            ref,
            plan=plan,
            content=text,
            problem=desk.gettext("Some lines are rejected: nothing was imported."),
            status=422,
        )
    try:
        import_list(desk.db, desk.compiled, ref, plan)
    except SQLAlchemyError:
        return _list_import_page(
            desk,
            ref,
            plan=plan,
            content=text,
            problem=desk.gettext(
                "The import failed (did the list change meanwhile?): nothing was imported."
            ),
            status=409,
        )
    flash(desk, _import_done(desk, plan))
    return redirect(f"{desk.base}/listes/{ref.id}")


def _import_done(desk: Desk, plan: ImportPlan) -> str:
    created, updated = len(plan.creates), len(plan.updates)
    if plan.rejected:
        return desk.gettext(
            "Import done: {created} created, {updated} updated, {rejected} rejected line(s) "
            "skipped.",
            created=created,
            updated=updated,
            rejected=len(plan.rejected),
        )
    return desk.gettext(
        "Import done: {created} created, {updated} updated.", created=created, updated=updated
    )
