"""A registration being filled in: the form's answers in the session, its checked uploads in private storage
(`drafts/<server-made name>`), so nothing is lost between the form and the check-your-answers page."""

from matrix.registrations.uploads import draft_file_delete, draft_file_exists, draft_file_save

SESSION_KEY = "registration_draft"


def draft_get(session, *, sector_code: str) -> dict | None:
    draft = session.get(SESSION_KEY)
    if not isinstance(draft, dict) or draft.get("sector") != sector_code:
        return None
    # A kept file that is gone (purged as abandoned by `uploads.draft_files_purge`) must be chosen again,
    # not announced as "Uploaded".
    files = {
        name: meta for name, meta in (draft.get("files") or {}).items()
        if isinstance(meta, dict) and draft_file_exists(meta.get("storage_name", ""))
    }
    return {"sector": sector_code, "data": draft.get("data") or {}, "files": files,
            "complete": bool(draft.get("complete"))}


def draft_files(session, *, sector_code: str) -> dict:
    draft = draft_get(session, sector_code=sector_code)
    return draft["files"] if draft else {}


def draft_save(session, *, sector_code: str, data: dict, uploads: dict, checked: dict, complete: bool) -> None:
    """Store the answers and keep each newly checked upload (replacing the one it supersedes)."""
    previous = session.get(SESSION_KEY)
    if isinstance(previous, dict) and previous.get("sector") != sector_code:
        draft_clear(session)
    files = dict(draft_files(session, sector_code=sector_code))
    for name, upload in uploads.items():
        if name not in checked:
            continue
        if name in files:
            draft_file_delete(files[name]["storage_name"])
        meta = checked[name]
        files[name] = {
            "storage_name": draft_file_save(upload),
            "original_name": meta.original_name,
            "content_type": meta.content_type,
            "size": meta.size,
        }
    session[SESSION_KEY] = {"sector": sector_code, "data": data, "files": files, "complete": complete}


def draft_clear(session, *, delete_files: bool = True) -> None:
    draft = session.pop(SESSION_KEY, None)
    if delete_files and isinstance(draft, dict):
        for meta in (draft.get("files") or {}).values():
            if isinstance(meta, dict):
                draft_file_delete(meta.get("storage_name", ""))
