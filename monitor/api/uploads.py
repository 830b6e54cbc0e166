"""Reading an upload from a request: a multipart file, or a JSON rules document."""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException

from calendars.text import unwanted_in
from monitor.api.problems import Problem
from monitor.imports import ImportRequest, UploadedSource, calendar_name, name_from_filename

FORM_FIELDS = ("name", "team", "timezone", "encoding", "format")
TEAM_LENGTH = 200  # the columns that hold them
FILENAME_LENGTH = 255

# Documents the two request bodies for OpenAPI, as the route reads them by hand.
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary",
                                 "description": "An .ics, .csv, .yaml or .json calendar."},
                        "name": {"type": "string",
                                 "description": "Calendar name; default: the file name without extension. "
                                                "Uploading the same name again updates it in place."},
                        "team": {"type": "string"},
                        "timezone": {"type": "string", "description": "IANA zone, e.g. Europe/Berlin."},
                        "encoding": {"type": "string",
                                     "description": "For files not in UTF-8, e.g. latin-1."},
                        "format": {"type": "string", "enum": ["ics", "csv", "rules"]},
                        "mapping": {"type": "string", "format": "binary",
                                    "description": "Mapping rules (YAML) for classification."},
                    },
                }
            },
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["name", "rules"],
                    "properties": {
                        "name": {"type": "string"},
                        "team": {"type": "string"},
                        "timezone": {"type": "string"},
                        "rules": {"type": "object", "description": "A rules document."},
                    },
                }
            },
        },
    }
}  # fmt: skip


async def read_upload(request: Request, *, limit: int) -> ImportRequest:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        return await _read_multipart(request, limit=limit)
    if content_type == "application/json":
        return await _read_json(request)
    raise Problem(
        415,
        f"unsupported content type {content_type or '(none)'!r}: send multipart/form-data "
        "with a file field, or application/json with a rules document",
    )


async def _read_multipart(request: Request, *, limit: int) -> ImportRequest:
    try:
        async with request.form(max_files=2, max_fields=len(FORM_FIELDS) + 2) as form:
            return await _from_form(form, limit=limit)
    except MultiPartException as exc:
        raise Problem(400, f"malformed multipart body: {exc.message}") from None


async def _from_form(form: FormData, *, limit: int) -> ImportRequest:
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise Problem(400, "the form has no file field", field="file")
    data = await _read_limited(file, limit)
    fields = {key: _text_field(form.get(key), key) for key in FORM_FIELDS}
    mapping = form.get("mapping")
    mapping_text = None
    if isinstance(mapping, UploadFile):
        mapping_text = _utf8(await _read_limited(mapping, limit), "mapping")
    elif isinstance(mapping, str) and mapping.strip():
        mapping_text = mapping
    filename = PurePath(file.filename or "upload").name
    name = _name(fields["name"]) if fields["name"] else name_from_filename(PurePath(filename).stem)
    return ImportRequest(
        UploadedSource(
            name=name,
            data=data,
            filename=_line(filename, "file", FILENAME_LENGTH),
            team=_line(fields["team"] or "", "team", TEAM_LENGTH),
            encoding=fields["encoding"],
            mapping=mapping_text,
        ),
        timezone=fields["timezone"],
        format=fields["format"],
    )


async def _read_json(request: Request) -> ImportRequest:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Problem(400, f"the body is not valid JSON: {exc}") from None
    except RecursionError:  # the json module's own guard against deep nesting
        raise Problem(400, "the body is not valid JSON: it is nested too deeply") from None
    if not isinstance(body, dict):
        raise Problem(422, "the body must be an object with name and rules", field="body")
    unknown = set(body) - {"name", "team", "timezone", "rules"}
    if unknown:
        raise Problem(
            422, f"unknown field(s): {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    for key in ("name", "rules"):
        if not body.get(key):
            raise Problem(422, f"{key} is required", field=key)
    if not isinstance(body["rules"], dict):
        raise Problem(422, "rules must be an object (a rules document)", field="rules")
    for key in ("name", "team", "timezone"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise Problem(422, f"{key} must be a string", field=key)
    name = _name(body["name"])
    try:  # kept verbatim as the calendar's source, like an uploaded file
        source = json.dumps(body["rules"], indent=2, ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate, from a "\ud800" escape
        raise Problem(422, "rules hold text that is not valid Unicode", field="rules") from None
    except RecursionError:
        raise Problem(422, "rules are nested too deeply", field="rules") from None
    return ImportRequest(
        UploadedSource(name=name, data=source, filename=f"{name}.json",
                       team=_line(body.get("team") or "", "team", TEAM_LENGTH)),
        timezone=body.get("timezone"),
        format="rules",
    )  # fmt: skip


def _name(name: str) -> str:
    try:
        return calendar_name(name)
    except ValueError as exc:
        raise Problem(422, f"name: {exc}", title="Invalid request", field="name") from None


def _line(text: str, field: str, limit: int) -> str:
    """A one-line text field that fits its column, or a 422 naming the field."""
    found = unwanted_in(text)
    if found:
        raise Problem(422, f"{field}: contains a control character ({found})", field=field)
    if len(text) > limit:
        raise Problem(422, f"{field}: is {len(text):,} characters long; at most {limit} fit", field=field)  # fmt: skip
    return text


async def _read_limited(file: UploadFile, limit: int) -> bytes:
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise Problem(413, f"the upload is larger than the limit of {limit} bytes", limit=limit)
    return data


def _text_field(value: object, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Problem(400, f"{key} must be a text field, not a file", field=key)
    return value.strip() or None


def _utf8(data: bytes, key: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Problem(422, f"{key} is not UTF-8 text", field=key) from None
