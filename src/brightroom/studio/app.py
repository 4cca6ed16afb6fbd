"""Brightroom Studio's ASGI app (Starlette): the page, the HTTP API, previews, jobs.

Previews render on the server at screen size through the public API (:func:`brightroom.develop`
once per photo and recipe, kept in a small cache; then :func:`brightroom.look_apply` on the
downscaled photo), so that moving a slider costs a resize-free look and a JPEG encode. Exports
are jobs that run the same API calls as the CLI on the full-resolution file, so an export is the
CLI's output. See :mod:`.library` for what the studio may touch and :mod:`.jobs` for the pool.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import hmac
import json
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import cv2
import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

import brightroom
from brightroom.errors import BrightroomError, OutputExistsError, ParameterError
from brightroom.files import atomic_write
from brightroom.studio.jobs import JOB_KINDS, JobManager, Saturated
from brightroom.studio.library import Library, Photo, UnsupportedMediaError
from brightroom.studio.openapi import OPENAPI

__all__ = ["create_app", "StudioConfig"]

STATIC = Path(__file__).parent / "static"


@dataclasses.dataclass(frozen=True)
class StudioConfig:
    """How a studio runs.

    Attributes
    ----------
    library
        The folder of photos.
    token
        When set, every request needs ``Authorization: Bearer <token>`` (or ``?token=``).
    max_upload
        Largest upload, bytes (413 beyond).
    max_pixels
        Largest photo the studio decodes, pixels (a decompression bomb is refused unread).
    job_workers, job_queue
        Job processes at once, and jobs that may wait (503 beyond).
    render_threads, render_queue
        Previews rendered at once, and previews that may wait (503 beyond).
    leaderboard
        The lab's leaderboard database (``None``: the user's default).
    """

    library: Path
    token: str | None = None
    max_upload: int = 200 * 2**20
    max_pixels: int = 300_000_000
    job_workers: int = 1
    job_queue: int = 8
    render_threads: int = 2
    render_queue: int = 32
    leaderboard: Path | None = None


class HTTPError(Exception):
    """An error answered as ``{"error": message}`` with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": " ".join(str(message).split())}, status_code=status)


def _declared_size(photo: Photo) -> tuple[int, int] | None:
    """Width and height from the file's header, without decoding the picture."""
    try:
        if photo.kind == "raw":
            import rawpy  # lazy: only for raw headers

            with rawpy.RawPy() as raw:
                raw.open_file(str(photo.path))
                return int(raw.sizes.raw_width), int(raw.sizes.raw_height)
        if photo.kind == "image":
            import pillow_heif  # lazy: HEIC/AVIF headers
            from PIL import Image as PILImage  # lazy: header reads only

            pillow_heif.register_heif_opener()
            PILImage.MAX_IMAGE_PIXELS = None  # the studio's own cap applies, below
            with PILImage.open(photo.path) as im:
                return im.size
    except Exception:  # noqa: BLE001 - the decoder reports what is wrong later
        return None
    return None


# EXIF orientation o as a map of fractions (u, v) of the stored picture to fractions of the
# picture displayed upright (Exif 2.3, 4.6.4; the same turns as brightroom's exif_orient)
_ORIENT_UV: dict[int, Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]] = {
    1: lambda u, v: (u, v), 2: lambda u, v: (1 - u, v), 3: lambda u, v: (1 - u, 1 - v),
    4: lambda u, v: (u, 1 - v), 5: lambda u, v: (v, u), 6: lambda u, v: (1 - v, u),
    7: lambda u, v: (1 - v, 1 - u), 8: lambda u, v: (v, 1 - u)}


def _orient_points(uv: np.ndarray, o: int, *, inverse: bool = False) -> np.ndarray:
    """Points ``N x 2`` (fractions of the picture as stored, as the previews show it) on the
    picture turned upright as EXIF orientation ``o`` says (what :func:`brightroom.scan` and
    :func:`brightroom.find_page` see); ``inverse``: back. 6 and 8 undo each other, the other
    orientations undo themselves."""
    o = int(o) if int(o) in _ORIENT_UV else 1
    if inverse:
        o = {6: 8, 8: 6}.get(o, o)
    uv = np.asarray(uv, np.float64).reshape(-1, 2)
    u, v = _ORIENT_UV[o](uv[:, 0], uv[:, 1])
    return np.stack([u, v], axis=1)


def _corner_fractions(data: Any) -> np.ndarray:
    """The request's ``corners`` as 4 x 2 fractions of the preview, or a 400."""
    try:
        q = np.asarray(data, np.float64)
    except (TypeError, ValueError):
        q = np.zeros(0)
    if q.shape != (4, 2) or not np.all(np.isfinite(q)) or q.min() < -1 or q.max() > 2:
        raise HTTPError(400, "corners: four [x, y] pairs in fractions of the preview (0..1), "
                        "or a string x1,y1,...,x4,y4 in the photo's pixels")
    return q


class _Renderer:
    """Server-side previews: the developed photo per (photo, recipe, wb), a screen-size copy per
    width, then the look on that copy (see the module docstring)."""

    def __init__(self, cfg: StudioConfig) -> None:
        self.cfg = cfg
        self._base: collections.OrderedDict[tuple, Any] = collections.OrderedDict()
        self._small: collections.OrderedDict[tuple, Any] = collections.OrderedDict()
        self._lock = threading.Lock()
        self._busy = threading.Semaphore(cfg.render_threads)
        self.waiting = 0

    def check_pixels(self, photo: Photo) -> None:
        size = _declared_size(photo)
        if size is not None and size[0] * size[1] > self.cfg.max_pixels:
            raise HTTPError(413, f"{photo.name}: declares {size[0]}x{size[1]} pixels "
                            f"({size[0] * size[1] / 1e6:.0f} MP), more than the studio's limit of "
                            f"{self.cfg.max_pixels / 1e6:.0f} MP (--max-pixels)")

    def base(self, photo: Photo, recipe: str, wb: str | None) -> Any:
        key = (photo.id, photo.mtime, recipe if photo.kind == "raw" else None, wb)
        with self._lock:
            if key in self._base:
                self._base.move_to_end(key)
                return self._base[key]
        self.check_pixels(photo)
        if photo.kind == "raw":
            img = brightroom.develop(photo.path, recipe=recipe, wb=wb)
        elif photo.kind == "image":
            img = brightroom.read_image(photo.path)
        else:
            raise HTTPError(415, f"{photo.name}: a video has no photo preview; use a job")
        with self._lock:
            self._base[key] = img
            while len(self._base) > 2:
                self._base.popitem(last=False)
        return img

    def small(self, photo: Photo, recipe: str, wb: str | None, width: int) -> Any:
        key = (photo.id, photo.mtime, recipe, wb, width)
        with self._lock:
            if key in self._small:
                self._small.move_to_end(key)
                return self._small[key]
        img = self.base(photo, recipe, wb)
        h, w = img.data.shape[:2]
        if width < w:
            size = (width, max(1, round(h * width / w)))
            data = cv2.resize(img.data, size, interpolation=cv2.INTER_AREA)
            img = dataclasses.replace(img, data=np.ascontiguousarray(data, np.float32))
        with self._lock:
            self._small[key] = img
            while len(self._small) > 8:
                self._small.popitem(last=False)
        return img

    def render(self, photo: Photo, params: dict[str, Any]) -> bytes:
        recipe = str(params.get("recipe") or "default")
        wb = params.get("wb") or None
        look = params.get("look") or None
        strength = float(params.get("strength", 1.0))
        width = int(params.get("width") or 1600)
        if not 16 <= width <= 8192:
            raise ParameterError(f"width must be 16-8192 pixels, got {width}")
        edits = _edit_list(params.get("edits"))
        with self._busy:
            if edits is None:
                img = self.small(photo, recipe, wb, width)
            else:
                img = self.edited(photo, recipe, width, edits)
            if look:
                img = brightroom.look_apply(img, look, strength=strength)
            return _jpeg(img, int(params.get("quality", 85)))

    def edited(self, photo: Photo, recipe: str, width: int, edits: Any) -> Any:
        """The preview with an edit list applied, through :func:`brightroom.edit_preview`
        (developed once per photo, recipe and width; each edit re-renders in tens of ms)."""
        key = ("edit", photo.id, photo.mtime, recipe if photo.kind == "raw" else None, width)
        with self._lock:
            preview = self._small.get(key)
        if preview is None:
            self.check_pixels(photo)
            size = _declared_size(photo)
            aspect = size[1] / size[0] if size else 0.75
            budget = max(1, int(width * width * aspect))
            source = photo.path if photo.kind in ("raw", "image") else None
            if source is None:
                raise HTTPError(415, f"{photo.name}: a video has no photo preview; use a job")
            preview = brightroom.edit_preview(source, recipe=recipe, max_pixels=budget)
            with self._lock:
                self._small[key] = preview
                while len(self._small) > 8:
                    self._small.popitem(last=False)
        data = preview.render_display(edits)
        return brightroom.Image(np.ascontiguousarray(data, np.float32), space="display",
                                transfer="sRGB")


def _edit_list(data: Any) -> Any:
    """The request's ``edits`` (an edit list's mapping, as in its TOML file) as an
    :class:`~brightroom.EditList`, or ``None`` for none."""
    if not data:
        return None
    if not isinstance(data, dict):
        raise ParameterError("edits must be an object like {\"basic\": {\"exposure\": 1.0}}")
    edits = brightroom.EditList.from_mapping(data, source="edits")
    return None if edits.is_identity() else edits


def _jpeg(img: Any, quality: int) -> bytes:
    data = np.clip(img.data, 0.0, 1.0)
    if img.space != "display":  # linear light: the sRGB curve for the screen
        data = np.where(data <= 0.0031308, 12.92 * data, 1.055 * np.power(data, 1 / 2.4) - 0.055)
    u8 = (data * 255.0 + 0.5).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(u8, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, int(np.clip(quality, 1, 100))])
    if not ok:
        raise BrightroomError("could not encode the preview")
    return buf.tobytes()


def _thumbnail(photo: Photo, cache: Path, edge: int = 256) -> Path:
    """A JPEG thumbnail (cached under ``.brightroom-studio/thumbs``): the embedded preview of a
    raw, a reduced decode of a JPEG, the first frame of a video, else the decoded photo."""
    target = cache / f"{photo.id}-{int(photo.mtime)}-{photo.size}.jpg"
    if target.exists():
        return target
    rgb = None
    if photo.kind == "raw":
        import rawpy  # lazy: embedded previews of raws

        try:
            with rawpy.imread(str(photo.path)) as raw:
                thumb = raw.extract_thumb()
            if thumb.format == rawpy.ThumbFormat.JPEG:
                arr = cv2.imdecode(np.frombuffer(thumb.data, np.uint8), cv2.IMREAD_REDUCED_COLOR_4)
                rgb = None if arr is None else cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)
            else:
                rgb = np.asarray(thumb.data)
        except Exception:  # noqa: BLE001 - no embedded preview: develop below
            rgb = None
        if rgb is None:
            img = brightroom.develop(photo.path, recipe="default")
            rgb = (np.clip(img.data, 0, 1) * 255 + 0.5).astype(np.uint8)
    elif photo.kind == "video":
        import av  # lazy: first frame of a video

        with av.open(str(photo.path)) as box:
            frame = next(box.decode(video=0))
            rgb = frame.to_ndarray(format="rgb24")
    else:
        arr = None
        if photo.path.suffix.lower() in (".jpg", ".jpeg"):
            # libjpeg's DCT scaling: the smallest reduced decode that still covers `edge`
            for flag in (cv2.IMREAD_REDUCED_COLOR_8, cv2.IMREAD_REDUCED_COLOR_4,
                         cv2.IMREAD_REDUCED_COLOR_2, cv2.IMREAD_COLOR):
                arr = cv2.imread(str(photo.path), flag)
                if arr is None or max(arr.shape[:2]) >= edge:
                    break
        if arr is not None:
            rgb = cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)
        else:
            img = brightroom.read_image(photo.path)
            rgb = (np.clip(img.data, 0, 1) * 255 + 0.5).astype(np.uint8)
    h, w = rgb.shape[:2]
    s = edge / max(h, w)
    if s < 1:
        rgb = cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))),
                         interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, 80])
    with atomic_write(target, overwrite=True) as tmp:
        tmp.write_bytes(buf.tobytes())
    return target


def create_app(cfg: StudioConfig) -> Starlette:
    """The studio's ASGI app for ``cfg`` (serve it with uvicorn: :func:`brightroom.studio.serve`)."""
    library = Library(cfg.library)
    library.scan()
    renderer = _Renderer(cfg)
    jobs = JobManager(cfg.job_workers, cfg.job_queue)
    thumbs = library.studio_dir / "thumbs"
    thumb_lock = threading.Semaphore(2)

    async def in_thread(fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    def photo_or_404(request: Request) -> Photo:
        try:
            return library.get(request.path_params["id"])
        except KeyError:
            raise HTTPError(404, "no such photo in the library") from None

    async def json_body(request: Request) -> dict[str, Any]:
        raw = await _read_capped(request, 1 << 20)
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise HTTPError(400, "the request body is not JSON") from None
        if not isinstance(body, dict):
            raise HTTPError(400, "the request body must be a JSON object")
        return body

    async def _read_capped(request: Request, cap: int) -> bytes:
        length = request.headers.get("content-length")
        if length is not None:
            try:
                if int(length) > cap:
                    raise HTTPError(413, f"the upload is {int(length)} bytes, more than the "
                                    f"limit of {cap} bytes (--max-upload)")
            except ValueError:
                raise HTTPError(400, "bad Content-Length") from None
        chunks, total = [], 0
        async for chunk in request.stream():
            total += len(chunk)
            if total > cap:
                raise HTTPError(413, f"the upload is more than the limit of {cap} bytes "
                                "(--max-upload)")
            chunks.append(chunk)
        body = b"".join(chunks)
        request._body = body  # let request.form() parse what was read
        return body

    # ---------------------------------------------------------------- routes

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    async def openapi(request: Request) -> Response:
        return JSONResponse(OPENAPI)

    async def list_photos(request: Request) -> Response:
        photos = await in_thread(library.scan)
        return JSONResponse({"photos": [p.to_dict() for p in photos]})

    async def upload(request: Request) -> Response:
        await _read_capped(request, cfg.max_upload + 64 * 1024)
        try:
            form = await request.form(max_files=1, max_part_size=cfg.max_upload)
        except Exception as e:  # noqa: BLE001 - a malformed multipart body
            raise HTTPError(400, f"not a multipart upload: {e}") from None
        item = form.get("file")
        if item is None or isinstance(item, str):
            raise HTTPError(400, "send the photo as the multipart field 'file'")
        data = await item.read()
        if len(data) > cfg.max_upload:
            raise HTTPError(413, f"the upload is more than the limit of {cfg.max_upload} bytes")
        photo = await in_thread(library.add, item.filename or "upload", data)
        try:
            renderer.check_pixels(photo)
        except HTTPError:
            photo.path.unlink(missing_ok=True)
            library.scan()
            raise
        return JSONResponse({"id": photo.id, **photo.to_dict()}, status_code=201)

    async def thumbnail(request: Request) -> Response:
        photo = photo_or_404(request)

        def make() -> Path:
            renderer.check_pixels(photo)
            with thumb_lock:
                return _thumbnail(photo, thumbs)

        path = await in_thread(make)
        return FileResponse(path, media_type="image/jpeg",
                            headers={"Cache-Control": "private, max-age=3600"})

    async def render(request: Request) -> Response:
        photo = photo_or_404(request)
        params = await json_body(request)
        if renderer.waiting >= cfg.render_queue:
            raise HTTPError(503, "too many previews waiting; try again")
        renderer.waiting += 1
        try:
            data = await in_thread(renderer.render, photo, params)
        finally:
            renderer.waiting -= 1
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})

    async def page_corners(request: Request) -> Response:
        photo = photo_or_404(request)
        if photo.kind != "image":
            raise HTTPError(415, f"{photo.name}: a page scan needs a photo (JPEG, HEIC, PNG, TIFF)")

        def find() -> dict[str, Any]:
            with renderer._busy:
                img = renderer.base(photo, "default", None)
                o = int(img.metadata.get("orientation", 1) or 1)
                h, w = img.data.shape[:2]
                uw, uh = (h, w) if o >= 5 else (w, h)
                try:
                    q, score = brightroom.find_page(img)
                except brightroom.PageNotFoundError as e:
                    return {"corners": None, "score": 0.0, "note": " ".join(str(e).split())}
            uv = _orient_points(q / np.array([uw, uh], np.float64), o, inverse=True)
            return {"corners": np.round(uv, 5).tolist(), "score": round(float(score), 3),
                    "note": None}

        return JSONResponse(await in_thread(find))

    async def looks(request: Request) -> Response:
        return JSONResponse({"looks": [lk.name for lk in brightroom.look_list()],
                             "recipes": brightroom.list_recipes()})

    async def submit_job(request: Request) -> Response:
        body = await json_body(request)
        kind = body.get("kind")
        if kind not in JOB_KINDS:
            raise HTTPError(400, f"unknown job kind {kind!r}; one of {', '.join(JOB_KINDS)}")
        params = await in_thread(_job_params, kind, body)
        try:
            job = jobs.submit(kind, params)
        except Saturated as e:
            raise HTTPError(503, str(e)) from None
        return JSONResponse({"id": job.id, **job.to_dict()}, status_code=202)

    def _job_params(kind: str, body: dict[str, Any]) -> dict[str, Any]:
        library.exports.mkdir(exist_ok=True)
        fmt = str(body.get("format", "jpg")).lower()
        if f".{fmt}" not in brightroom.WRITE_EXTENSIONS:
            raise ParameterError(f"unknown format {fmt!r}")
        if kind == "lab_score":
            name = f"lab-{body.get('pipeline', 'default')}-{len(jobs.jobs) + 1}"
            out = library.exports / "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
            return {"pipeline": str(body.get("pipeline", "default")),
                    "plan": str(body.get("plan", "quick")), "output": str(out),
                    "leaderboard": str(cfg.leaderboard) if cfg.leaderboard else None}
        if kind == "batch":
            ids = body.get("photos") or []
            photos = [library.get(i) for i in ids] if isinstance(ids, list) else []
            if not photos or any(p.kind != "raw" for p in photos):
                raise ParameterError("a batch develops one or more raw photos ('photos': [ids])")
            n = 1
            while (out := library.exports / f"batch-{n}").exists():
                n += 1
            return {"inputs": [str(p.path) for p in photos], "output": str(out), "format": fmt,
                    "recipe": str(body.get("recipe") or "default"), "look": body.get("look") or None}
        if kind in ("night", "hdr"):
            ids = body.get("photos") or []
            photos = [library.get(i) for i in ids] if isinstance(ids, list) else []
            if len(photos) < 2 or any(p.kind != "raw" for p in photos):
                raise ParameterError("a burst needs two or more raw photos ('photos': [ids])")
            out = _free_name(library.exports, f"{photos[0].path.stem}-{kind}", fmt)
            return {"inputs": [str(p.path) for p in photos], "output": str(out),
                    "recipe": str(body.get("recipe", "default"))}
        try:
            photo = library.get(str(body.get("photo", "")))
        except KeyError:
            raise HTTPError(404, "no such photo in the library") from None
        renderer.check_pixels(photo)
        if kind == "scan":
            corners = body.get("corners")
            if isinstance(corners, list):  # dragged on the page: fractions of the preview
                o = int(renderer.base(photo, "default", None).metadata.get("orientation", 1) or 1)
                up = _orient_points(_corner_fractions(corners), o)
                corners = ",".join(f"{100 * c:.4f}%" for c in up.ravel())
            return {"input": str(photo.path), "mode": str(body.get("mode", "color")),
                    "corners": None if corners is None else str(corners),
                    "output": str(_free_name(library.exports, f"{photo.path.stem}-scan", "pdf"))}
        if kind == "animate":
            if fmt not in ("gif", "webp", "png", "apng"):
                fmt = "gif"
            ids = body.get("photos")
            inputs = ([str(library.get(i).path) for i in ids] if isinstance(ids, list) and ids
                      else str(photo.path))
            return {"inputs": inputs, "fps": body.get("fps"), "width": body.get("width"),
                    "start": float(body.get("start", 0.0)), "duration": body.get("duration"),
                    "max_size": body.get("max_size"),
                    "output": str(_free_name(library.exports, f"{photo.path.stem}-anim", fmt))}
        if kind == "stabilize":
            if photo.kind != "video":
                raise ParameterError(f"{photo.name}: stabilize needs a video")
            return {"input": str(photo.path), "smoothness": float(body.get("smoothness", 1.0)),
                    "output": str(_free_name(library.exports, f"{photo.path.stem}-stable", "mp4"))}
        if kind == "portrait":
            out = _free_name(library.exports, f"{photo.path.stem}-portrait", fmt)
            focus = body.get("focus")
            return {"input": str(photo.path), "output": str(out),
                    "aperture": float(body.get("aperture", 2.0)),
                    "focus": None if focus is None else str(focus)}
        edits = _edit_list(body.get("edits"))
        out = _free_name(library.exports, photo.path.stem, fmt)
        return {"input": str(photo.path), "raw": photo.kind == "raw", "output": str(out),
                "edits": None if edits is None else edits.to_toml(),
                "recipe": str(body.get("recipe") or "default"), "wb": body.get("wb") or None,
                "look": body.get("look") or None, "strength": float(body.get("strength", 1.0)),
                "quality": int(body.get("quality", 92))}

    def job_or_404(request: Request):  # noqa: ANN202
        job = jobs.jobs.get(request.path_params["id"])
        if job is None:
            raise HTTPError(404, "no such job")
        return job

    async def get_job(request: Request) -> Response:
        return JSONResponse(job_or_404(request).to_dict())

    async def cancel_job(request: Request) -> Response:
        job = job_or_404(request)
        return JSONResponse(jobs.cancel(job.id).to_dict())

    async def job_events(request: Request) -> Response:
        job = job_or_404(request)

        async def stream():  # noqa: ANN202
            sent = 0
            while True:
                while sent < len(job.events):
                    yield f"data: {json.dumps(job.events[sent])}\n\n"
                    sent += 1
                if job.state in ("done", "failed", "cancelled") and sent >= len(job.events):
                    yield f"data: {json.dumps({'event': 'end', **job.to_dict()})}\n\n"
                    return
                if await request.is_disconnected():
                    return
                await asyncio.sleep(0.1)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    async def export_file(request: Request) -> Response:
        try:
            path = library.export_path(request.path_params["name"])
        except KeyError:
            raise HTTPError(404, "no such export") from None
        return FileResponse(path, filename=path.name)

    async def lab_report(request: Request) -> Response:
        try:
            path = library.report_path(request.path_params["name"])
        except KeyError:
            raise HTTPError(404, "no such lab report") from None
        return FileResponse(path, media_type="text/html")  # the report is one self-contained page

    async def leaderboard(request: Request) -> Response:
        plan = request.query_params.get("plan", "quick")
        try:
            ranking = await in_thread(lambda: brightroom.lab_compare(
                plan=plan, leaderboard=cfg.leaderboard))
        except BrightroomError as e:
            if "no results" in str(e).lower() or "empty" in str(e).lower():
                return JSONResponse({"ranking": [], "note": " ".join(str(e).split())})
            raise
        return JSONResponse(ranking.to_dict())

    routes = [
        Route("/", index),
        Route("/openapi.json", openapi),
        Route("/api/photos", list_photos, methods=["GET"]),
        Route("/api/photos", upload, methods=["POST"]),
        Route("/api/photos/{id}/thumbnail", thumbnail),
        Route("/api/photos/{id}/render", render, methods=["POST"]),
        Route("/api/photos/{id}/page", page_corners, methods=["GET"]),
        Route("/api/looks", looks),
        Route("/api/jobs", submit_job, methods=["POST"]),
        Route("/api/jobs/{id}", get_job, methods=["GET"]),
        Route("/api/jobs/{id}", cancel_job, methods=["DELETE"]),
        Route("/api/jobs/{id}/events", job_events),
        Route("/api/exports/{name}", export_file),
        Route("/api/exports/{name}/report", lab_report),
        Route("/api/lab/leaderboard", leaderboard),
        Mount("/static", StaticFiles(directory=STATIC)),
    ]

    async def on_http_error(request: Request, exc: Exception) -> Response:
        return _error(exc.status, str(exc))  # type: ignore[attr-defined]

    async def on_brightroom_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, UnsupportedMediaError):
            return _error(415, str(exc))
        if isinstance(exc, OutputExistsError):
            return _error(409, str(exc))
        if isinstance(exc, ParameterError):
            return _error(400, str(exc))
        return _error(422, str(exc))

    async def on_other(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        detail = getattr(exc, "detail", None) or f"internal error: {type(exc).__name__}: {exc}"
        return _error(status, str(detail))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):  # noqa: ANN202
        try:
            yield
        finally:
            jobs.close()

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        HTTPError: on_http_error, BrightroomError: on_brightroom_error, Exception: on_other,
        404: on_other, 405: on_other})
    app.add_middleware(_TokenMiddleware, token=cfg.token)
    app.state.jobs = jobs
    app.state.library = library
    return app


def _free_name(folder: Path, stem: str, fmt: str) -> Path:
    target = folder / f"{stem}.{fmt}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{stem}-{n}.{fmt}"
    return target


class _TokenMiddleware:
    """With a token, every request needs ``Authorization: Bearer <token>`` or ``?token=``."""

    def __init__(self, app: Callable[..., Awaitable[None]], token: str | None) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if self.token is None or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        auth = headers.get(b"authorization", b"").decode("latin-1")
        given = auth[7:] if auth.lower().startswith("bearer ") else None
        if given is None:
            qs = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            given = (qs.get("token") or [None])[0]
        if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
            await _error(401, "this studio needs its token: Authorization: Bearer <token>")(
                scope, receive, send)
            return
        await self.app(scope, receive, send)
