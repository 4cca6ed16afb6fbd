// Brightroom Studio's page: plain JavaScript, no framework, no request beyond the app itself.
"use strict";

const token = new URLSearchParams(location.search).get("token");
const $ = (id) => document.getElementById(id);
const state = { photos: [], current: null, selected: new Set(), focus: null, job: null,
                renderAbort: null, pending: false, looks: [], heal: [], healing: false, corners: null,
                hsl: { hue: Array(8).fill(0), saturation: Array(8).fill(0), luminance: Array(8).fill(0) } };

function withToken(url) {
  return token ? url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : url;
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token) headers["Authorization"] = "Bearer " + token;
  const res = await fetch(path, Object.assign({}, options, { headers }));
  if (!res.ok) {
    let text = res.status + " " + res.statusText;
    try { text = (await res.json()).error || text; } catch (e) { /* not JSON */ }
    const err = new Error(text);
    err.status = res.status;
    throw err;
  }
  return res;
}

function message(text, ok = false) {
  const box = $("message");
  box.textContent = text;
  box.className = ok ? "ok" : "";
  box.hidden = !text;
  if (text) clearTimeout(message.timer), (message.timer = setTimeout(() => (box.hidden = true), 8000));
}

function show(view) {
  document.querySelectorAll(".view").forEach((v) => v.classList.toggle("active", v.id === view));
  document.querySelectorAll("nav button").forEach((b) => b.classList.toggle("active", b.dataset.view === view));
  if (view === "lab") loadLeaderboard();
}

// ------------------------------------------------------------------ library

async function loadPhotos() {
  try {
    const data = await (await api("/api/photos")).json();
    const known = state.photos.map((p) => p.id + p.mtime).join();
    state.photos = data.photos;
    if (known !== state.photos.map((p) => p.id + p.mtime).join()) drawGrid();
  } catch (e) { message(e.message); }
}

function drawGrid() {
  const grid = $("grid");
  grid.replaceChildren();
  $("empty").hidden = state.photos.length > 0;
  for (const p of state.photos) {
    const tile = document.createElement("div");
    tile.className = "tile" + (state.selected.has(p.id) ? " selected" : "");
    tile.dataset.id = p.id;
    tile.tabIndex = 0;
    const img = document.createElement("img");
    img.loading = "lazy";
    img.alt = p.name;
    img.src = withToken(`/api/photos/${p.id}/thumbnail?v=${p.mtime}`);
    img.onerror = () => { img.alt = p.name + " (no preview)"; };
    const name = document.createElement("span");
    name.textContent = `${p.name} · ${p.kind}`;
    tile.append(img, name);
    tile.addEventListener("click", (ev) => {
      if (ev.shiftKey || ev.ctrlKey || ev.metaKey) {
        state.selected.has(p.id) ? state.selected.delete(p.id) : state.selected.add(p.id);
        tile.classList.toggle("selected");
        const raws = [...state.selected].filter((id) => (state.photos.find((q) => q.id === id) || {}).kind === "raw");
        $("night").disabled = $("hdr").disabled = raws.length < 2;
        $("batch").disabled = raws.length < 1;
      } else {
        openPhoto(p);
      }
    });
    tile.addEventListener("keydown", (ev) => { if (ev.key === "Enter") openPhoto(p); });
    grid.append(tile);
  }
}

async function upload(files) {
  for (const file of files) {
    const form = new FormData();
    form.append("file", file);
    try {
      await api("/api/photos", { method: "POST", body: form });
      message(`${file.name} added`, true);
    } catch (e) { message(`${file.name}: ${e.message}`); }
  }
  await loadPhotos();
}

// ------------------------------------------------------------------ editor

// The editor's basic panel: Lightroom's names and ranges (brightroom.edit's BasicPanel)
const BASIC = [["exposure", -5, 5, 0.05], ["contrast", -100, 100, 1], ["highlights", -100, 100, 1],
  ["shadows", -100, 100, 1], ["whites", -100, 100, 1], ["blacks", -100, 100, 1],
  ["vibrance", -100, 100, 1], ["saturation", -100, 100, 1], ["texture", -100, 100, 1],
  ["clarity", -100, 100, 1], ["dehaze", -100, 100, 1]];

// HSL: brightroom.edit's eight bands; geometry: straighten angle and a crop inset per side (%)
const BANDS = ["red", "orange", "yellow", "green", "aqua", "blue", "purple", "magenta"];
const CROP = ["left", "top", "right", "bottom"];

function cropBox() {
  const [l, t, r, b] = CROP.map((side) => parseFloat($("crop-" + side).value) / 100);
  return (l || t || r || b) && l + r < 0.95 && t + b < 0.95 ? [l, t, 1 - l - r, 1 - t - b] : null;
}

function edits() {
  const out = {};
  const basic = {};
  for (const [name] of BASIC) {
    const v = parseFloat($("basic-" + name).value);
    if (v !== 0) basic[name] = v;
  }
  if (Object.keys(basic).length) out.basic = basic;
  const hsl = {};
  for (const [k, v] of Object.entries(state.hsl)) if (v.some((x) => x !== 0)) hsl[k] = v.slice();
  if (Object.keys(hsl).length) out.hsl = hsl;
  const geometry = {};
  const angle = parseFloat($("angle").value);
  if (angle !== 0) geometry.angle = angle;
  const crop = cropBox();
  if (crop) geometry.crop = crop;
  if (Object.keys(geometry).length) out.geometry = geometry;
  if (state.heal.length) out.heal = state.heal.map((h) => Object.assign({}, h));
  return Object.keys(out).length ? out : null;
}

function drawHsl() {
  const band = $("hsl-band");
  for (const name of BANDS) band.append(Object.assign(document.createElement("option"), { value: name, textContent: name }));
  const sync = () => {
    const i = BANDS.indexOf(band.value);
    for (const k of ["hue", "saturation", "luminance"]) {
      $("hsl-" + k).value = state.hsl[k][i];
      $("hsl-" + k).nextElementSibling.textContent = state.hsl[k][i];
    }
  };
  band.addEventListener("change", sync);
  for (const k of ["hue", "saturation", "luminance"]) {
    $("hsl-" + k).addEventListener("input", () => {
      state.hsl[k][BANDS.indexOf(band.value)] = parseFloat($("hsl-" + k).value);
      $("hsl-" + k).nextElementSibling.textContent = $("hsl-" + k).value;
      renderPreview();
    });
  }
  $("hsl-reset").addEventListener("click", () => {
    for (const k of Object.keys(state.hsl)) state.hsl[k].fill(0);
    sync();
    renderPreview();
  });
  for (const id of ["angle", ...CROP.map((side) => "crop-" + side)]) {
    $(id).addEventListener("input", () => { $(id).nextElementSibling.textContent = $(id).value; renderPreview(); });
  }
  $("heal-mode").addEventListener("click", () => {
    state.healing = !state.healing;
    $("heal-mode").setAttribute("aria-pressed", String(state.healing));
    message(state.healing ? "click a spot on the photo to heal it" : "clicks set the focus point", true);
  });
  $("heal-clear").addEventListener("click", () => { state.heal = []; $("heal-count").textContent = "0"; renderPreview(); });
}

// a click on the preview, in fractions of the photo before geometry (the crop undone; a
// straighten angle is small and left out)
function beforeGeometry(u, v) {
  const crop = cropBox();
  return crop ? [crop[0] + u * crop[2], crop[1] + v * crop[3]] : [u, v];
}

function settings() {
  return { recipe: $("recipe").value, wb: $("wb").value || null, look: $("look").value || null,
           strength: parseFloat($("strength").value), edits: edits() };
}

function drawBasic() {
  const box = $("basic");
  for (const [name, lo, hi, step] of BASIC) {
    const label = document.createElement("label");
    label.textContent = name[0].toUpperCase() + name.slice(1) + " ";
    const input = Object.assign(document.createElement("input"),
      { type: "range", min: lo, max: hi, step, value: 0, id: "basic-" + name });
    const out = Object.assign(document.createElement("output"), { textContent: "0" });
    input.addEventListener("input", () => { out.textContent = input.value; renderPreview(); });
    input.addEventListener("dblclick", () => { input.value = 0; out.textContent = "0"; renderPreview(); });
    label.append(input, out);
    box.append(label);
  }
  $("reset").addEventListener("click", () => {
    for (const [name] of BASIC) { $("basic-" + name).value = 0; $("basic-" + name).nextSibling.textContent = "0"; }
    renderPreview();
  });
}

function previewWidth() {
  const w = $("compare").clientWidth || 1200;
  return Math.max(320, Math.min(1600, Math.round(w * (window.devicePixelRatio || 1))));
}

async function renderPreview() {
  if (!state.current) return;
  if (state.renderAbort) { state.pending = true; return; }  // one at a time, the latest wins
  const controller = new AbortController();
  state.renderAbort = controller;
  const body = Object.assign(settings(), { width: previewWidth() });
  try {
    const res = await api(`/api/photos/${state.current.id}/render`, {
      method: "POST", body: JSON.stringify(body), signal: controller.signal,
      headers: { "Content-Type": "application/json" } });
    const url = URL.createObjectURL(await res.blob());
    const img = $("preview");
    const old = img.src;
    img.onload = () => { drawHistogram(img); if (old.startsWith("blob:")) URL.revokeObjectURL(old); };
    img.src = url;
    img.dataset.rendered = JSON.stringify(body);
  } catch (e) {
    if (e.name !== "AbortError") message(e.message);
  } finally {
    state.renderAbort = null;
    if (state.pending) { state.pending = false; renderPreview(); }
  }
}

async function renderBefore() {
  const body = { recipe: $("recipe").value, width: previewWidth() };
  try {
    const res = await api(`/api/photos/${state.current.id}/render`, {
      method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
    $("before").src = URL.createObjectURL(await res.blob());
  } catch (e) { /* the preview reports errors */ }
}

function drawHistogram(img) {
  const canvas = $("histogram");
  const ctx = canvas.getContext("2d");
  const w = 256, h = Math.max(1, Math.round(256 * img.naturalHeight / img.naturalWidth));
  const off = new OffscreenCanvas(w, h);
  const octx = off.getContext("2d");
  octx.drawImage(img, 0, 0, w, h);
  const px = octx.getImageData(0, 0, w, h).data;
  const bins = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  for (let i = 0; i < px.length; i += 4) { bins[0][px[i]]++; bins[1][px[i + 1]]++; bins[2][px[i + 2]]++; }
  const max = Math.max(1, ...bins.map((b) => Math.max(...b.slice(1, 255))));
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.globalCompositeOperation = "lighter";
  ["#c33", "#3a3", "#36c"].forEach((color, c) => {
    ctx.fillStyle = color;
    for (let x = 0; x < 256; x++) {
      const v = Math.min(1, bins[c][x] / max) * canvas.height;
      ctx.fillRect(x, canvas.height - v, 1, v);
    }
  });
  ctx.globalCompositeOperation = "source-over";
}

function openPhoto(p) {
  state.current = p;
  state.focus = null;
  state.heal = [];
  state.corners = null;
  drawCorners();
  $("page-corners").setAttribute("aria-pressed", "false");
  $("heal-count").textContent = "0";
  $("photo-name").textContent = p.name;
  $("recipe").disabled = $("wb").disabled = p.kind !== "raw";
  $("download").replaceChildren();
  show("editor");
  if (p.kind === "video") {
    $("preview").src = withToken(`/api/photos/${p.id}/thumbnail`);
    $("looks").replaceChildren();
    return;
  }
  renderBefore();
  renderPreview();
  drawLookThumbs();
}

function drawLookThumbs() {
  const box = $("looks");
  box.replaceChildren();
  for (const name of state.looks.slice(0, 9)) {
    const img = document.createElement("img");
    img.alt = img.title = name;
    img.className = $("look").value === name ? "selected" : "";
    api(`/api/photos/${state.current.id}/render`, { method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ recipe: $("recipe").value, look: name, width: 160 }) })
      .then((r) => r.blob()).then((b) => { img.src = URL.createObjectURL(b); }).catch(() => {});
    img.addEventListener("click", () => { $("look").value = name; drawLookThumbs(); renderPreview(); });
    box.append(img);
  }
}

// ------------------------------------------------------------------ page corners

// The page's corners for a scan, in fractions of the photo as the preview shows it: found by
// the server (/api/photos/{id}/page), then dragged; the scan job takes them as they are.
const SVG = () => $("corners").namespaceURI;  // the SVG namespace, from the page itself

function imageBox() {
  // the unedited picture's box inside #compare (letterboxed by object-fit: contain)
  const img = $("before").naturalWidth ? $("before") : $("preview");
  const c = $("compare").getBoundingClientRect(), r = img.getBoundingClientRect();
  const ar = (img.naturalWidth || 4) / (img.naturalHeight || 3);
  const w = Math.min(r.width, r.height * ar), h = w / ar;
  return { left: r.left - c.left + (r.width - w) / 2, top: r.top - c.top + (r.height - h) / 2, width: w, height: h };
}

function drawCorners() {
  const svg = $("corners");
  svg.hidden = !state.corners;
  if (!state.corners) return;
  const b = imageBox();
  Object.assign(svg.style, { left: b.left + "px", top: b.top + "px", width: b.width + "px", height: b.height + "px" });
  svg.setAttribute("viewBox", `0 0 ${b.width} ${b.height}`);
  if (svg.childElementCount !== 5) buildCorners(svg);
  const pts = state.corners.map(([u, v]) => [u * b.width, v * b.height]);
  svg.querySelector("polygon").setAttribute("points", pts.map((p) => p.join(",")).join(" "));
  svg.querySelectorAll("circle").forEach((dot, i) => { dot.setAttribute("cx", pts[i][0]); dot.setAttribute("cy", pts[i][1]); });
}

function buildCorners(svg) {
  // a polygon and four handles, made once; a handle follows the pointer while it is held
  svg.replaceChildren(document.createElementNS(SVG(), "polygon"));
  for (let i = 0; i < 4; i++) {
    const dot = document.createElementNS(SVG(), "circle");
    dot.setAttribute("r", 9);
    dot.dataset.corner = i;
    dot.addEventListener("pointerdown", (ev) => {
      ev.preventDefault();
      dot.setPointerCapture(ev.pointerId);
      dot.dataset.held = "1";
    });
    dot.addEventListener("pointermove", (ev) => {
      if (!dot.dataset.held || !state.corners) return;
      const r = svg.getBoundingClientRect();
      const clamp = (t) => +Math.max(0, Math.min(1, t)).toFixed(5);
      state.corners[i] = [clamp((ev.clientX - r.left) / r.width), clamp((ev.clientY - r.top) / r.height)];
      drawCorners();
    });
    for (const end of ["pointerup", "pointercancel"]) dot.addEventListener(end, () => { delete dot.dataset.held; });
    svg.append(dot);
  }
}

async function toggleCorners() {
  if (!state.current) return;
  if (state.corners) { state.corners = null; drawCorners(); $("page-corners").setAttribute("aria-pressed", "false"); return; }
  if (state.current.kind !== "image") { message("page corners need a photo (JPEG, HEIC, PNG, TIFF)"); return; }
  $("page-corners").disabled = true;
  try {
    const data = await (await api(`/api/photos/${state.current.id}/page`)).json();
    state.corners = data.corners || [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9]];
    message(data.note ? data.note.replace(/;.*$/, "") + ": drag the corners onto the page" : "drag the corners to adjust the page", !data.note);
    $("page-corners").setAttribute("aria-pressed", "true");
    $("split").value = 0;  // the photo as it is, without the edits (the scan reads the original)
    $("split").dispatchEvent(new Event("input"));
    drawCorners();
  } catch (e) { message(e.message); }
  finally { $("page-corners").disabled = false; }
}

// ------------------------------------------------------------------ jobs

async function startJob(body, statusEl = $("job-status")) {
  try {
    const job = await (await api("/api/jobs", { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json" } })).json();
    state.job = job.id;
    $("progress").hidden = false;
    $("cancel").hidden = false;
    statusEl.textContent = `${body.kind}: queued`;
    return await new Promise((resolve) => {
      const events = new EventSource(withToken(`/api/jobs/${job.id}/events`));
      events.onmessage = (ev) => {
        const e = JSON.parse(ev.data);
        if (e.event === "started") statusEl.textContent = `${body.kind}: running`;
        if (e.event === "error") message(e.error);
        if (e.event === "end") {
          events.close();
          $("progress").hidden = true;
          $("cancel").hidden = true;
          state.job = null;
          statusEl.textContent = `${body.kind}: ${e.state}` + (e.error ? ` (${e.error})` : "");
          if (e.state === "done" && body.kind === "batch") message(`developed into exports/${e.output}`, true);
          if (e.state === "done" && e.output && body.kind !== "lab_score" && body.kind !== "batch") {
            const a = document.createElement("a");
            a.href = withToken(`/api/exports/${encodeURIComponent(e.output)}`);
            a.textContent = `Download ${e.output}`;
            a.download = e.output;
            a.id = "download-link";
            $("download").replaceChildren(a);
          }
          resolve(e);
        }
      };
      events.onerror = () => { /* the browser retries; the end event closes it */ };
    });
  } catch (e) { message(e.message); return null; }
}

async function loadLeaderboard() {
  try {
    const data = await (await api("/api/lab/leaderboard?plan=quick")).json();
    const body = $("leaderboard").querySelector("tbody");
    body.replaceChildren();
    (data.ranking || []).forEach((r, i) => {
      const tr = document.createElement("tr");
      for (const v of [i + 1, r.pipeline, r.camera, Number(r.overall).toFixed(1)]) {
        const td = document.createElement("td");
        td.textContent = v;
        tr.append(td);
      }
      body.append(tr);
    });
    $("lab-status").textContent = data.note || "";
  } catch (e) { message(e.message); }
}

// ------------------------------------------------------------------ wiring

async function init() {
  drawBasic();
  drawHsl();
  document.querySelectorAll("nav button").forEach((b) => b.addEventListener("click", () => show(b.dataset.view)));
  $("upload").addEventListener("change", (ev) => upload(ev.target.files));
  try {
    const meta = await (await api("/api/looks")).json();
    state.looks = meta.looks;
    for (const r of meta.recipes) $("recipe").append(new Option(r, r, r === "default", r === "default"));
    for (const l of meta.looks) $("look").append(new Option(l, l));
  } catch (e) { message(e.message); }
  for (const id of ["recipe", "wb", "look"]) $(id).addEventListener("change", () => { renderPreview(); if (id !== "look") renderBefore(); });
  $("strength").addEventListener("input", () => {
    $("strength-value").textContent = Number($("strength").value).toFixed(2);
    renderPreview();
  });
  $("aperture").addEventListener("input", () => { $("aperture-value").textContent = Number($("aperture").value).toFixed(1); });
  $("split").addEventListener("input", () => {
    $("before").style.clipPath = `inset(0 0 0 ${$("split").value}%)`;
  });
  $("preview").addEventListener("click", (ev) => {
    const r = ev.target.getBoundingClientRect();
    if (state.healing) {
      const [x, y] = beforeGeometry((ev.clientX - r.left) / r.width, (ev.clientY - r.top) / r.height);
      state.heal.push({ x: +x.toFixed(4), y: +y.toFixed(4), radius: parseFloat($("heal-radius").value) / 100 });
      $("heal-count").textContent = String(state.heal.length);
      renderPreview();
      return;
    }
    state.focus = `${((ev.clientX - r.left) / r.width * 100).toFixed(1)}%,${((ev.clientY - r.top) / r.height * 100).toFixed(1)}%`;
    message(`focus set at ${state.focus}`, true);
  });
  $("export").addEventListener("click", () => state.current && startJob(Object.assign({ kind: "export", photo: state.current.id }, settings())));
  $("portrait").addEventListener("click", () => state.current && startJob({ kind: "portrait", photo: state.current.id,
    aperture: parseFloat($("aperture").value), focus: state.focus }));
  $("scan").addEventListener("click", () => state.current && startJob(Object.assign({ kind: "scan", photo: state.current.id },
    state.corners ? { corners: state.corners.map((c) => c.slice()) } : {})));
  $("page-corners").addEventListener("click", toggleCorners);
  window.addEventListener("resize", drawCorners);
  $("before").addEventListener("load", drawCorners);
  $("animate").addEventListener("click", () => state.current && startJob({ kind: "animate", photo: state.current.id,
    max_size: $("max-size").value || null, width: 480, start: parseFloat($("clip-start").value) || 0,
    duration: parseFloat($("clip-length").value) || null }));
  $("stabilize").addEventListener("click", () => state.current && startJob({ kind: "stabilize", photo: state.current.id }));
  $("cancel").addEventListener("click", () => state.job && api(`/api/jobs/${state.job}`, { method: "DELETE" }));
  $("batch").addEventListener("click", () => startJob({ kind: "batch", photos: [...state.selected].filter((id) =>
    (state.photos.find((q) => q.id === id) || {}).kind === "raw"), recipe: $("recipe").value, look: $("look").value || null },
    $("job-status")));
  for (const mode of ["night", "hdr"]) {
    $(mode).addEventListener("click", () => startJob({ kind: mode, photos: [...state.selected] }, $("job-status")).then(() => show("editor")));
  }
  $("score").addEventListener("click", async () => {
    const end = await startJob({ kind: "lab_score", pipeline: $("pipeline").value, plan: "quick" }, $("lab-status"));
    if (end && end.state === "done" && end.output) {
      const a = Object.assign(document.createElement("a"), { id: "lab-report", target: "_blank",
        href: withToken(`/api/exports/${encodeURIComponent(end.output)}/report`), textContent: "Open the report" });
      $("lab-links").replaceChildren(a);
    }
    loadLeaderboard();
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.target.tagName === "INPUT" || ev.target.tagName === "SELECT") return;
    if (ev.key === "l") show("library");
    if (ev.key === "r") $("reset").click();
    if (ev.key === "e" && state.current) show("editor");
    if (ev.key === "x") $("export").click();
    if (ev.key === "h") $("heal-mode").click();
    if (ev.key === "p") $("portrait").click();
    if (ev.key === "s") $("scan").click();
    if (ev.key === "c") $("page-corners").click();
    if (ev.key === "a") $("animate").click();
    if (ev.key === "\\") { $("split").value = $("split").value === "100" ? "50" : "100"; $("split").dispatchEvent(new Event("input")); }
    if ((ev.key === "ArrowRight" || ev.key === "ArrowLeft") && state.current) {
      const i = state.photos.findIndex((p) => p.id === state.current.id);
      const next = state.photos[(i + (ev.key === "ArrowRight" ? 1 : state.photos.length - 1)) % state.photos.length];
      if (next) openPhoto(next);
    }
  });
  await loadPhotos();
  setInterval(loadPhotos, 5000);  // the folder is watched: new files appear
}

init();
