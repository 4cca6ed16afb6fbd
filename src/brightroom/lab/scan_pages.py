"""Synthetic phone photos of pages, with their truth (corners and text), for the scan capability.

A :class:`ScanCase` is a page rendered with Pillow from known text (English, Chinese, mixed;
body text, a table, a receipt) in Debian's fonts (DejaVu, ``fonts-dejavu-core``; Noto Sans CJK,
``fonts-noto-cjk``), then photographed by a pinhole camera: the page is a rectangle in 3-D,
turned in its plane, tilted by up to 40 degrees about a random axis, optionally bent (a
cylinder-like curl), and projected onto a 12 MP frame (4000 x 3000, focal length 0.6 of the
diagonal, a 26 mm-equivalent phone lens) over a real texture from ``skimage.data`` (brick,
grass, gravel, coffee, rocket, astronaut), with another sheet or a finger partly in view, a cast
shadow, uneven light, blur, sensor noise and JPEG compression.

The truth is the projected page corners (top-left, top-right, bottom-right, bottom-left of the
page as it reads) and the text, line by line, as rendered.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from brightroom.errors import InputError

__all__ = ["ScanCase", "scan_case", "SCAN_CASES", "FONTS", "render_page"]

FONTS = {
    "sans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "serif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "mono": "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "cjk": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
}
"""Font files (Debian fonts-dejavu-core and fonts-noto-cjk)."""

_ENG = (
    "Four score and seven years ago our fathers brought forth on this continent, a new nation, "
    "conceived in Liberty, and dedicated to the proposition that all men are created equal. "
    "Now we are engaged in a great civil war, testing whether that nation, or any nation so "
    "conceived and so dedicated, can long endure. We are met on a great battle-field of that war. "
    "We have come to dedicate a portion of that field, as a final resting place for those who here "
    "gave their lives that that nation might live. It is altogether fitting and proper that we "
    "should do this. But, in a larger sense, we can not dedicate, we can not consecrate, we can not "
    "hallow this ground. The brave men, living and dead, who struggled here, have consecrated it, "
    "far above our poor power to add or detract. The world will little note, nor long remember "
    "what we say here, but it can never forget what they did here.")
_ENG2 = (
    "When in the Course of human events, it becomes necessary for one people to dissolve the "
    "political bands which have connected them with another, and to assume among the powers of "
    "the earth, the separate and equal station to which the Laws of Nature and of Nature's God "
    "entitle them, a decent respect to the opinions of mankind requires that they should declare "
    "the causes which impel them to the separation. We hold these truths to be self-evident, that "
    "all men are created equal, that they are endowed by their Creator with certain unalienable "
    "Rights, that among these are Life, Liberty and the pursuit of Happiness.")
_CHI = (
    "在办公室里，大多数人把手机相机当作扫描仪使用：收据、合同、白板和书页。拍照以后，需要先找到纸张的四个角，"
    "再把透视变形校正为真实的长宽比，然后去掉阴影和不均匀的光照，使纸张变白，文字变黑。"
    "接下来，文字识别引擎读出页面上的每一行文字，并把它们放在图像下面一个看不见的文字层里，"
    "这样在阅读器中就可以选择和搜索文字。中文文本中的字与字之间不应该出现多余的空格。"
    "整个过程完全离线完成，模型随软件包一起安装，不需要在运行时下载任何文件。")
_CHI2 = (
    "春天来了，公园里的花都开了。早上七点，我们从家里出发，先坐地铁到市中心，再步行二十分钟到博物馆。"
    "博物馆一共有三层，第一层展出古代的陶器和青铜器，第二层是书法和绘画，第三层介绍城市的历史。"
    "中午我们在附近的小饭馆吃了面条和饺子，价格便宜，味道也很好。下午四点左右，天开始下雨，我们就回家了。")
_MIXED = (
    "本周会议安排：周一上午 9:30 讨论 Q3 预算，地点在 A 座 301 会议室。周三下午进行 Python 培训，"
    "请提前安装 Brightroom 0.1 和 OpenCV。周五提交 report.pdf，截止时间为 18:00。"
    "如有问题，请发邮件至 scan@example.com 联系项目组。")


@dataclass(frozen=True)
class ScanCase:
    """A synthetic photo of a page and its truth.

    Attributes
    ----------
    name, lang, kind
        Case name, ``"eng"``, ``"chi_sim"`` or ``"eng+chi_sim"``, and ``"body"``, ``"table"`` or
        ``"receipt"``.
    photo
        uint8 ``H x W x 3`` RGB after JPEG compression (what a phone would store).
    jpeg
        The JPEG bytes of ``photo``.
    corners
        4 x 2 float (x, y): the page's top-left, top-right, bottom-right, bottom-left as it reads.
    text
        The page's text, line by line.
    tilt, rotation, curl
        Out-of-plane tilt (degrees), in-plane rotation (degrees) and curl (fraction of the page
        width the middle bulges).
    """

    name: str
    lang: str
    kind: str
    photo: np.ndarray
    jpeg: bytes
    corners: np.ndarray
    text: str
    tilt: float
    rotation: float
    curl: float


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(FONTS[name], size)
    except OSError:
        raise InputError(f"{FONTS[name]}: font missing (Debian fonts-dejavu-core / fonts-noto-cjk; "
                         "`make install` installs them)") from None


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, cjk: bool) -> list[str]:
    lines: list[str] = []
    units = list(text) if cjk else text.split(" ")
    cur = ""
    for u in units:
        cand = (cur + u) if (cjk or not cur) else cur + " " + u
        if font.getlength(cand) <= width or not cur:
            cur = cand
        else:
            lines.append(cur.strip())
            cur = u
    if cur.strip():
        lines.append(cur.strip())
    return lines


def render_page(kind: str, lang: str, *, dpi: int = 300, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """A page as paper, uint8 RGB, and its text lines.

    ``kind`` ``"body"`` is an A4 page of paragraphs; ``"table"`` an A4 page with a ruled table;
    ``"receipt"`` an 80 mm wide till receipt.
    """
    rng = np.random.default_rng(seed)
    paper = tuple(int(v) for v in rng.integers(236, 252, 3))
    if kind == "receipt":
        W, H = int(3.15 * dpi), int(8.0 * dpi)
    else:
        W, H = int(8.27 * dpi), int(11.69 * dpi)
    im = PILImage.new("RGB", (W, H), paper)
    d = ImageDraw.Draw(im)
    ink = (20, 20, 25)
    out: list[str] = []
    cjk = lang != "eng"
    if kind == "body":
        size = int(dpi * 11 / 72)
        font = _font("cjk" if cjk else ("serif" if seed % 2 else "sans"), size)
        margin = int(0.9 * dpi)
        y = margin
        texts = {"eng": [_ENG, _ENG2], "chi_sim": [_CHI, _CHI2], "eng+chi_sim": [_MIXED, _CHI]}[lang]
        title = {"eng": "Notes on the Address", "chi_sim": "文档扫描说明",
                 "eng+chi_sim": "项目通知 Project Notice"}[lang]
        tf = _font("cjk" if cjk else "sans", int(size * 1.5))
        d.text((margin, y), title, font=tf, fill=ink)
        out.append(title)
        y += int(size * 2.6)
        for para in texts:
            for line in _wrap(para, font, W - 2 * margin, cjk):
                d.text((margin, y), line, font=font, fill=ink)
                out.append(line)
                y += int(size * 1.55)
            y += int(size * 0.9)
    elif kind == "table":
        size = int(dpi * 11 / 72)
        font = _font("cjk" if cjk else "sans", size)
        margin = int(0.9 * dpi)
        rows = [("Item", "Qty", "Price", "Total")] if not cjk else [("项目", "数量", "单价", "合计")]
        names = (["Paper A4", "Stapler", "Pencils", "Folders", "Ink cartridge", "Notebook", "Tape",
                  "Envelopes", "Marker set", "Ruler"] if not cjk else
                 ["打印纸", "订书机", "铅笔", "文件夹", "墨盒", "笔记本", "胶带", "信封", "记号笔", "直尺"])
        for nm in names:
            q, p = int(rng.integers(1, 20)), float(rng.integers(50, 5000)) / 100
            rows.append((nm, str(q), f"{p:.2f}", f"{q * p:.2f}"))
        cw = [int((W - 2 * margin) * f) for f in (0.4, 0.15, 0.2, 0.25)]
        rh = int(size * 2.0)
        y = margin
        title = "Office supplies, March" if not cjk else "三月办公用品"
        d.text((margin, y), title, font=_font("cjk" if cjk else "sans", int(size * 1.4)), fill=ink)
        out.append(title)
        y += int(size * 3)
        for r in rows:
            x = margin
            for c, wc in zip(r, cw):
                d.rectangle((x, y, x + wc, y + rh), outline=ink, width=max(1, dpi // 150))
                d.text((x + size // 2, y + (rh - size) // 2 - size // 8), c, font=font, fill=ink)
                x += wc
            out.append(" ".join(r))
            y += rh
    elif kind == "receipt":
        size = int(dpi * 9 / 72)
        font = _font("cjk" if cjk else "mono", size)
        margin = int(0.2 * dpi)
        y = margin
        items = [("COFFEE", 3.50), ("BAGEL", 2.25), ("ORANGE JUICE", 4.10), ("MUFFIN", 2.95),
                 ("TEA", 2.00), ("SANDWICH", 7.80)]
        lines = ["CORNER CAFE", "12 MAIN STREET", "2026-03-14 08:42"]
        lines += [f"{n:<16}{p:>7.2f}" for n, p in items]
        lines += [f"{'TOTAL':<16}{sum(p for _, p in items):>7.2f}", "THANK YOU"]
        for line in lines:
            d.text((margin, y), line, font=font, fill=ink)
            out.append(line)
            y += int(size * 1.6)
    else:
        raise ValueError(kind)
    return np.asarray(im), out


@cache
def _texture(name: str) -> np.ndarray:
    from skimage import data  # lazy: skimage.data loads its registry, only for the lab's scenes
    a = getattr(data, name)()
    if a.ndim == 2:
        a = np.dstack([a] * 3)
    return a[..., :3]


def _background(name: str, rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    H, W = size
    t = _texture(name).astype(np.float32) / 255
    if name in ("brick", "grass", "gravel"):
        tint = np.array({"brick": (0.75, 0.45, 0.35), "grass": (0.45, 0.6, 0.35),
                         "gravel": (0.6, 0.55, 0.5)}[name], np.float32)
        t = t * tint
        reps = (math.ceil(H / t.shape[0] / 1.5) + 1, math.ceil(W / t.shape[1] / 1.5) + 1)
        t = cv2.resize(t, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_LINEAR)
        t = np.concatenate([np.concatenate([t if (i + j) % 2 == 0 else t[::-1, ::-1] for j in range(reps[1])],
                                           axis=1) for i in range(reps[0])], axis=0)
        return np.ascontiguousarray(t[:H, :W])
    return cv2.resize(t, (W, H), interpolation=cv2.INTER_CUBIC)


_CASES = [
    # name, lang, kind, background, tilt, rotation, curl, extras
    ("eng-body-flat", "eng", "body", "brick", 5, 2, 0.0, ""),
    ("eng-body-tilt20", "eng", "body", "gravel", 20, -8, 0.0, "shadow"),
    ("eng-body-tilt35", "eng", "body", "grass", 35, 12, 0.0, "finger"),
    ("eng-body-rot90", "eng", "body", "coffee", 15, 90, 0.0, "paper"),
    ("eng-table", "eng", "table", "brick", 25, -5, 0.0, "shadow"),
    ("eng-receipt", "eng", "receipt", "gravel", 30, 20, 0.0, ""),
    ("eng-body-tilt40", "eng", "body", "rocket", 40, 4, 0.0, "light"),
    ("eng-body-curl", "eng", "body", "brick", 15, -3, 0.02, "shadow"),
    ("chi-body-flat", "chi_sim", "body", "grass", 8, -2, 0.0, "light"),
    ("chi-body-tilt25", "chi_sim", "body", "brick", 25, 6, 0.0, "shadow"),
    ("chi-body-tilt40", "chi_sim", "body", "gravel", 40, -15, 0.0, "finger"),
    ("chi-body-rot180", "chi_sim", "body", "astronaut", 12, 180, 0.0, ""),
    ("chi-table", "chi_sim", "table", "coffee", 20, 10, 0.0, "paper"),
    ("chi-body-curl", "chi_sim", "body", "gravel", 10, 3, 0.02, "light"),
    ("mixed-body", "eng+chi_sim", "body", "brick", 18, -10, 0.0, "shadow"),
    ("mixed-body-rot270", "eng+chi_sim", "body", "grass", 22, 270, 0.0, ""),
]
SCAN_CASES = tuple(c[0] for c in _CASES)
"""The names of the synthetic scan cases."""


def _rot(axis: np.ndarray, ang: float) -> np.ndarray:
    return cv2.Rodrigues((axis / np.linalg.norm(axis) * ang).astype(np.float64))[0]


def scan_case(name: str, *, size: tuple[int, int] = (3000, 4000), dpi: int = 300) -> ScanCase:
    """Render the case ``name`` (one of :data:`SCAN_CASES`) at ``size`` (rows, columns;
    default 12 MP)."""
    spec = {c[0]: c for c in _CASES}.get(name)
    if spec is None:
        raise ValueError(f"unknown scan case {name!r}; known: {', '.join(SCAN_CASES)}")
    _, lang, kind, bgname, tilt, rotation, curl, extras = spec
    seed = SCAN_CASES.index(name) + 7
    rng = np.random.default_rng(seed)
    page, lines = render_page(kind, lang, dpi=dpi, seed=seed)
    ph, pw = page.shape[:2]
    H, W = size
    diag = math.hypot(H, W)
    f = 0.6 * diag
    # the page in 3-D (units: page pixels), centred, turned in-plane, tilted about a random axis
    c = np.array([[-pw / 2, -ph / 2, 0], [pw / 2, -ph / 2, 0], [pw / 2, ph / 2, 0], [-pw / 2, ph / 2, 0]])
    Rz = _rot(np.array([0, 0, 1.0]), math.radians(rotation))
    ax = rng.normal(size=2)
    Rt = _rot(np.array([ax[0], ax[1], 0.0]), math.radians(tilt))
    R = Rt @ Rz
    # distance so that the page's extent is ~70 % of the frame's short side
    span = max(ph, pw)
    dist = f * span / (0.72 * min(H, W))
    off = np.array([rng.uniform(-0.06, 0.06) * W, rng.uniform(-0.05, 0.05) * H])

    def project(P: np.ndarray) -> np.ndarray:
        X = P @ R.T + np.array([0, 0, dist])
        return f * X[:, :2] / X[:, 2:3] + np.array([W / 2, H / 2]) + off

    quad = project(c)
    Hm = cv2.getPerspectiveTransform(np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32),
                                     quad.astype(np.float32))
    pagef = page.astype(np.float32) / 255
    if curl > 0:  # the middle of the page bulges towards the camera and down: text lines bow
        xs = np.arange(pw, dtype=np.float32)
        bow = (curl * pw * np.sin(np.pi * xs / pw)).astype(np.float32)
        mx = np.broadcast_to(xs[None, :], (ph, pw)).astype(np.float32)
        my = (np.arange(ph, dtype=np.float32)[:, None] - bow[None, :] * np.sin(
            np.pi * np.arange(ph, dtype=np.float32)[:, None] / ph))
        pagef = cv2.remap(pagef, mx, my.astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    bg = _background(bgname, rng, (H, W)) * np.float32(rng.uniform(0.55, 0.85))
    if "paper" in extras:  # another sheet partly in view, in a corner away from the page
        other = np.array([[0, 0], [0.3 * W, 0], [0.25 * W, 0.22 * H], [0, 0.3 * H]], np.int32)
        corner = int(np.argmax([np.min(np.hypot(*(quad - p).T)) for p in
                                ([0, 0], [W, 0], [W, H], [0, H])]))
        flips = [(1, 1), (-1, 1), (-1, -1), (1, -1)][corner]
        pts = other.copy()
        pts[:, 0] = pts[:, 0] if flips[0] == 1 else W - 1 - pts[:, 0]
        pts[:, 1] = pts[:, 1] if flips[1] == 1 else H - 1 - pts[:, 1]
        cv2.fillConvexPoly(bg, pts, (0.85, 0.85, 0.83), lineType=cv2.LINE_AA)
    warped = cv2.warpPerspective(pagef, Hm, (W, H), flags=cv2.INTER_AREA if tilt < 20 else cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((ph, pw), np.float32), Hm, (W, H), flags=cv2.INTER_LINEAR)[..., None]
    img = bg * (1 - mask) + warped * mask
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    light = np.ones((H, W), np.float32)
    if "light" in extras or "shadow" in extras:
        gx, gy = rng.normal(size=2)
        light *= 1 - 0.25 * ((xx / W - 0.5) * gx + (yy / H - 0.5) * gy) / max(abs(gx), abs(gy))
    if "shadow" in extras:  # a soft-edged cast shadow over part of the page (a phone, a hand)
        a = rng.uniform(0, 2 * np.pi)
        cx, cy = quad.mean(axis=0) + rng.uniform(-0.2, 0.1) * min(H, W) * np.array([np.cos(a), np.sin(a)])
        s = (xx - cx) * np.cos(a) + (yy - cy) * np.sin(a)
        edge = 1 / (1 + np.exp(-s / (0.02 * min(H, W))))
        light *= 1 - rng.uniform(0.35, 0.5) * edge
    img = img * light[..., None]
    if "finger" in extras:  # a finger holding the page at a side's middle
        i = int(rng.integers(0, 4))
        p = 0.5 * (quad[i] + quad[(i + 1) % 4])
        d = quad[(i + 1) % 4] - quad[i]
        n = np.array([d[1], -d[0]]) / np.hypot(*d)
        ctr = p - n * 0.03 * min(H, W)
        ang = math.degrees(math.atan2(n[1], n[0]))
        fm = np.zeros((H, W), np.float32)
        cv2.ellipse(fm, (int(ctr[0]), int(ctr[1])), (int(0.11 * min(H, W)), int(0.035 * min(H, W))), ang,
                    0, 360, 1.0, -1, cv2.LINE_AA)
        fm = cv2.GaussianBlur(fm, (0, 0), 3)[..., None]
        img = img * (1 - fm) + np.array([0.85, 0.62, 0.5], np.float32) * 0.8 * fm
    sigma = rng.uniform(0.6, 1.4)
    img = cv2.GaussianBlur(img, (0, 0), sigma)
    img = img + rng.normal(0, rng.uniform(0.005, 0.012), img.shape).astype(np.float32)
    u8 = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
    buf = io.BytesIO()
    PILImage.fromarray(u8).save(buf, format="JPEG", quality=int(rng.integers(78, 92)))
    jpeg = buf.getvalue()
    photo = np.asarray(PILImage.open(io.BytesIO(jpeg)).convert("RGB"))
    return ScanCase(name, lang, kind, photo, jpeg, quad, "\n".join(lines), float(tilt), float(rotation),
                    float(curl))
