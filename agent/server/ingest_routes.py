"""``POST /v1/ingest``: multipart upload into a collection (agent/server/uploads.py).

The key is checked before the body is read, and the body is bounded
(VERAZ_SERVER_MAX_UPLOAD_MB in body_limit.py, then VERAZ_MAX_FILE_MB per file), so an
unauthenticated or oversize upload costs the server nothing but the refusal.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from agent.server.auth import CallerKey, require_collection
from agent.server.errors import APIError
from agent.server.state import ServerState
from agent.server.uploads import Upload, ingest_uploads, upload_folder
from agent.types import IngestReport

FILE_FIELDS = ("files", "file")
MAX_TEXT_FIELD_BYTES = 64 * 1024


router = APIRouter()


@router.post("/v1/ingest")
async def ingest(request: Request, key: CallerKey) -> dict[str, Any]:
    state: ServerState = request.app.state.veraz
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise APIError(
            400,
            "send the files as multipart/form-data, in the field 'files' "
            "(and the collection in the field 'collection')",
            code="not_multipart",
        )
    form = await request.form(
        max_files=state.server.max_upload_files,
        max_fields=16,
        max_part_size=MAX_TEXT_FIELD_BYTES,
    )
    try:
        collection = form.get("collection") or state.settings.collection
        if not isinstance(collection, str):
            raise APIError(400, "collection must be a text field", param="collection")
        settings = state.engines.settings_for(collection, "collection")
        require_collection(request, key, collection, "collection")
        files = [
            value
            for name, value in form.multi_items()
            if name in FILE_FIELDS and isinstance(value, UploadFile)
        ]
        if not files:
            raise APIError(400, "no files: send them in the multipart field 'files'", param="files")
        uploads = [Upload(f.filename or "", f.file, f.size or 0) for f in files]

        def run() -> IngestReport:
            with state.ingest_lock(collection):
                return ingest_uploads(
                    upload_folder(settings.home, collection),
                    uploads,
                    settings.max_file_bytes,
                    lambda: state.engines.get(collection),
                    ocr=settings.ocr,
                )

        report = await run_in_threadpool(run)
    finally:
        await form.close()
    for result in ("added", "updated", "unchanged"):
        state.metrics.ingested.labels(result).inc(getattr(report, result))
    state.metrics.ingested.labels("failed").inc(len(report.failed))
    return {"collection": collection, **report.to_dict()}
