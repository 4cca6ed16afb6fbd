"""The studio's HTTP API, described for ``/openapi.json`` (OpenAPI 3.1)."""

from __future__ import annotations

from typing import Any

__all__ = ["OPENAPI"]

_ERR = {"description": "an error", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}}}}
_JPEG = {"description": "a JPEG", "content": {"image/jpeg": {}}}
_JSON = {"description": "JSON", "content": {"application/json": {}}}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Brightroom Studio", "version": "1",
             "description": "A local web app over Brightroom's Python API. With a token, every "
             "request needs `Authorization: Bearer <token>` (or `?token=`). Errors are JSON "
             "`{\"error\": ...}` with the status."},
    "paths": {
        "/api/photos": {
            "get": {"summary": "The library's photos (the folder is listed on each call)",
                    "responses": {"200": _JSON}},
            "post": {"summary": "Upload a photo, raw or video (multipart field `file`)",
                     "requestBody": {"content": {"multipart/form-data": {"schema": {
                         "type": "object", "properties": {"file": {"type": "string",
                                                                   "format": "binary"}}}}}},
                     "responses": {"201": _JSON, "413": _ERR, "415": _ERR, "400": _ERR}},
        },
        "/api/photos/{id}/thumbnail": {"get": {
            "summary": "A 256-pixel JPEG thumbnail", "parameters": _ID,
            "responses": {"200": _JPEG, "404": _ERR, "413": _ERR}}},
        "/api/photos/{id}/render": {"post": {
            "summary": "A preview rendered on the server at `width` pixels",
            "parameters": _ID,
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "recipe": {"type": "string"}, "wb": {"type": "string"},
                    "edits": {"type": "object"}, "look": {"type": "string"},
                    "strength": {"type": "number"}, "width": {"type": "integer"}}}}}},
            "responses": {"200": _JPEG, "400": _ERR, "404": _ERR, "413": _ERR, "503": _ERR}}},
        "/api/photos/{id}/page": {"get": {
            "summary": "The page's four corners found in a photo, in fractions of the preview "
                       "(`corners`: four [x, y], or null with a `note` when no page is found), "
                       "for a scan job's `corners`",
            "parameters": _ID,
            "responses": {"200": _JSON, "404": _ERR, "413": _ERR, "415": _ERR}}},
        "/api/looks": {"get": {"summary": "Built-in looks and shipped recipes",
                               "responses": {"200": _JSON}}},
        "/api/jobs": {"post": {
            "summary": "Start a job: export, portrait, night, hdr, scan, animate, stabilize, "
                       "lab_score, batch (develop the raws of `photos` into exports/batch-N)",
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "kind": {"type": "string",
                             "enum": ["export", "portrait", "night", "hdr", "scan", "animate",
                                      "stabilize", "lab_score", "batch"]},
                    "photo": {"type": "string"}, "photos": {"type": "array"},
                    "recipe": {"type": "string"}, "look": {"type": "string"},
                    "format": {"type": "string"}, "aperture": {"type": "number"},
                    "focus": {"type": "string"}, "pipeline": {"type": "string"},
                    "mode": {"type": "string", "enum": ["color", "gray", "bw"]},
                    "corners": {"description": "scan: four [x, y] in fractions of the preview "
                                               "(as /page gives them), or a string "
                                               "x1,y1,...,x4,y4 in the photo's pixels"}},
                "required": ["kind"]}}}},
            "responses": {"202": _JSON, "400": _ERR, "404": _ERR, "503": _ERR}}},
        "/api/jobs/{id}": {
            "get": {"summary": "A job's state", "parameters": _ID,
                    "responses": {"200": _JSON, "404": _ERR}},
            "delete": {"summary": "Cancel a job", "parameters": _ID,
                       "responses": {"200": _JSON, "404": _ERR}}},
        "/api/jobs/{id}/events": {"get": {
            "summary": "The job's events as server-sent events (queued, started, done/error, "
            "end)", "parameters": _ID,
            "responses": {"200": {"description": "text/event-stream"}, "404": _ERR}}},
        "/api/exports/{name}": {"get": {
            "summary": "Download an export", "parameters": [
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "the file"}, "404": _ERR}}},
        "/api/exports/{name}/report": {"get": {
            "summary": "A lab score job's report (its `output` folder's report.html), as a page",
            "parameters": [
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "text/html"}, "404": _ERR}}},
        "/api/lab/leaderboard": {"get": {
            "summary": "The lab's leaderboard (plan `quick` by default)",
            "parameters": [{"name": "plan", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": _JSON}}},
    },
}
