// Shroud review studio: plain JavaScript over the service's HTTP API (docs/studio.md).
// Nothing is fetched from anywhere but this server; the token stays in sessionStorage.
'use strict';

const $ = (id) => document.getElementById(id);
const KINDS = ['face', 'plate', 'person', 'text', 'custom'];
const METHODS = ['blur', 'pixelate', 'fill', 'seal'];
const COLORS = { blur: '#0a58ca', pixelate: '#6f42c1', fill: '#333', seal: '#d63384' };

const S = {
  token: '', who: null,
  image: null, file: null, boxes: [], nextId: 1, selected: null, detected: 0,
  history: [], future: [], preview: null, previewOn: false, drag: null,
  item: null, regionsItem: null, itemSealed: false, format: '',
  job: null, jobTimer: null, frames: [], fps: 25, frameSize: [0, 0], videoFile: null, vhistory: [], vdrag: null, nextTrack: -1,
};

// ---- errors and API ------------------------------------------------------------------------

function status(text, kind) {
  const el = $('status');
  el.textContent = text;
  el.className = kind || '';
}

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

// Explains a refusal in words a reviewer can act on.
function explain(e) {
  if (!(e instanceof ApiError)) return 'Network error: ' + e.message;
  const hint = {
    401: 'the token is missing, wrong, revoked or expired: sign in again',
    403: 'this token is not allowed to do that',
    404: 'not found (or it belongs to another tenant)',
    409: 'not possible in the current state',
    413: 'too large for this server',
    415: 'not a format the server reads',
    422: 'the file is corrupt or has been tampered with',
    429: 'too many requests: wait a moment',
    503: 'the server is busy: try again shortly',
  }[e.status] || 'request refused';
  return `Refused (${e.status} ${e.code}): ${e.message} — ${hint}.`;
}

async function api(method, path, body, headers) {
  const h = Object.assign({ Authorization: 'Bearer ' + S.token }, headers || {});
  const res = await fetch(path, { method, headers: h, body });
  if (!res.ok) {
    let code = 'error', message = res.statusText;
    try {
      const j = await res.json();
      if (j.error) { code = j.error.code; message = j.error.message; }
    } catch (_) { /* not JSON */ }
    throw new ApiError(res.status, code, message);
  }
  return res;
}

const can = (scope) => !!(S.who && S.who.scopes.includes(scope));

// ---- sign in -------------------------------------------------------------------------------

async function signIn(token) {
  S.token = token.trim();
  try {
    const res = await api('GET', '/v1/whoami');
    S.who = await res.json();
  } catch (e) {
    S.who = null;
    sessionStorage.removeItem('shroud-token');
    status(explain(e), 'error');
    return;
  }
  sessionStorage.setItem('shroud-token', S.token);
  $('who').textContent = `tenant ${S.who.tenant} · token ${S.who.id} · scopes: ${S.who.scopes.join(', ')}`;
  $('signin-panel').hidden = true;
  $('signout').hidden = false;
  $('app').hidden = false;
  // What is shown follows the token's scopes.
  for (const el of document.querySelectorAll('.needs-protect')) el.hidden = !can('protect');
  for (const el of document.querySelectorAll('.needs-review')) el.hidden = !can('review');
  $('original').hidden = true;
  $('tab-video').hidden = !can('protect');
  status('Signed in.', 'ok');
}

function signOut() {
  sessionStorage.removeItem('shroud-token');
  location.reload();
}

// ---- image editing -------------------------------------------------------------------------

function snapshot() {
  S.history.push(JSON.stringify(S.boxes));
  if (S.history.length > 200) S.history.shift();
  S.future = [];
  dropPreview();
}

function undo() {
  if (!S.history.length) return status('Nothing to undo.');
  S.future.push(JSON.stringify(S.boxes));
  S.boxes = JSON.parse(S.history.pop());
  if (!S.boxes.some((b) => b.id === S.selected)) S.selected = null;
  dropPreview();
  render();
  status('Undone.');
}

function redo() {
  if (!S.future.length) return status('Nothing to redo.');
  S.history.push(JSON.stringify(S.boxes));
  S.boxes = JSON.parse(S.future.pop());
  dropPreview();
  render();
  status('Redone.');
}

function dropPreview() {
  S.preview = null;
  S.previewOn = false;
  $('preview').textContent = 'Preview';
}

function loadImage(blob) {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(blob);
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('the browser cannot show this image'));
    img.src = url;
  });
}

async function openFile(file) {
  S.file = file;
  S.removed = 0;
  S.item = null;
  S.itemSealed = false;
  $('result').hidden = true;
  $('original-box').hidden = true;
  $('original').hidden = true;
  try {
    S.image = await loadImage(file);
  } catch (e) {
    return status('Cannot open this image: ' + e.message, 'error');
  }
  S.boxes = [];
  S.history = [];
  S.future = [];
  S.selected = null;
  dropPreview();
  const c = $('canvas');
  c.width = S.image.naturalWidth;
  c.height = S.image.naturalHeight;
  render();
  if (!can('detect')) {
    S.detected = 0;
    return status('Image loaded. This token has no detect scope: draw the regions by hand.');
  }
  status('Detecting…');
  try {
    const res = await api('POST', '/v1/detect', file, { 'Content-Type': 'application/octet-stream' });
    const j = await res.json();
    for (const r of j.regions) {
      S.boxes.push({ id: S.nextId++, kind: r.kind, box: r.box.slice(), score: r.score, detector: r.detector, method: $('new-method').value });
    }
    S.detected = j.regions.length;
    render();
    status(`${j.regions.length} region(s) detected. Check them, add what was missed, remove false ones, then apply.`, 'ok');
  } catch (e) {
    status(explain(e), 'error');
  }
}

async function openItem(id) {
  id = id.trim();
  if (!/^[0-9a-f]{32}$/.test(id)) return status('An item id is 32 hexadecimal digits.', 'error');
  try {
    const res = await api('GET', '/v1/items/' + id);
    const blob = await res.blob();
    S.image = await loadImage(blob);
    S.file = null;
    S.boxes = [];
    S.selected = null;
    S.item = id;
    S.regionsItem = null;
    S.itemSealed = (res.headers.get('X-Shroud-Method') || '').includes('seal');
    dropPreview();
    const c = $('canvas');
    c.width = S.image.naturalWidth;
    c.height = S.image.naturalHeight;
    render();
    showResult();
    status(`Item ${id} opened (protected pixels only).`, 'ok');
  } catch (e) {
    status(explain(e), 'error');
  }
}

function imagePoint(ev) {
  const c = $('canvas');
  const r = c.getBoundingClientRect();
  return [(ev.clientX - r.left) * (c.width / r.width), (ev.clientY - r.top) * (c.height / r.height)];
}

function handleSize() {
  const c = $('canvas');
  return Math.max(6, 10 * c.width / Math.max(1, c.getBoundingClientRect().width));
}

function hit(p) {
  // The selected box's corners first, then the smallest box under the point.
  const hs = handleSize();
  const sel = S.boxes.find((b) => b.id === S.selected);
  if (sel) {
    const [x, y, w, h] = sel.box;
    const corners = [[x, y, 'nw'], [x + w, y, 'ne'], [x, y + h, 'sw'], [x + w, y + h, 'se']];
    for (const [cx, cy, name] of corners) {
      if (Math.abs(p[0] - cx) <= hs && Math.abs(p[1] - cy) <= hs) return { box: sel, corner: name };
    }
  }
  let best = null;
  for (const b of S.boxes) {
    const [x, y, w, h] = b.box;
    if (p[0] >= x && p[0] <= x + w && p[1] >= y && p[1] <= y + h && (!best || w * h < best.box[2] * best.box[3])) best = b;
  }
  return best ? { box: best, corner: null } : null;
}

function clampBox(b) {
  const c = $('canvas');
  let [x, y, w, h] = b.box.map(Math.round);
  w = Math.max(1, Math.min(w, c.width));
  h = Math.max(1, Math.min(h, c.height));
  x = Math.max(0, Math.min(x, c.width - w));
  y = Math.max(0, Math.min(y, c.height - h));
  b.box = [x, y, w, h];
}

function onDown(ev) {
  if (!S.image || !can('protect') || ev.button !== 0) return;
  const p = imagePoint(ev);
  const h = hit(p);
  snapshot();
  if (h) {
    S.selected = h.box.id;
    S.drag = { mode: h.corner ? 'resize' : 'move', corner: h.corner, start: p, orig: h.box.box.slice(), box: h.box, changed: false };
  } else {
    const b = { id: S.nextId++, kind: $('new-kind').value, box: [Math.round(p[0]), Math.round(p[1]), 1, 1], score: 1, detector: 'studio', method: $('new-method').value, added: true };
    S.boxes.push(b);
    S.selected = b.id;
    S.drag = { mode: 'draw', start: p, box: b, changed: false };
  }
  $('canvas').setPointerCapture && ev.pointerId !== undefined && $('canvas').setPointerCapture(ev.pointerId);
  render();
}

function onMove(ev) {
  const d = S.drag;
  if (!d) {
    if (S.image) {
      const h = hit(imagePoint(ev));
      $('canvas').style.cursor = h ? (h.corner ? (h.corner === 'nw' || h.corner === 'se' ? 'nwse-resize' : 'nesw-resize') : 'move') : 'crosshair';
    }
    return;
  }
  const p = imagePoint(ev);
  const dx = p[0] - d.start[0], dy = p[1] - d.start[1];
  d.changed = d.changed || Math.abs(dx) >= 1 || Math.abs(dy) >= 1;
  if (d.mode === 'draw') {
    d.box.box = [Math.min(p[0], d.start[0]), Math.min(p[1], d.start[1]), Math.abs(dx), Math.abs(dy)];
  } else if (d.mode === 'move') {
    d.box.box = [d.orig[0] + dx, d.orig[1] + dy, d.orig[2], d.orig[3]];
  } else {
    let [x, y, w, h] = d.orig;
    let x2 = x + w, y2 = y + h;
    if (d.corner.includes('w')) x += dx; else x2 += dx;
    if (d.corner.includes('n')) y += dy; else y2 += dy;
    d.box.box = [Math.min(x, x2), Math.min(y, y2), Math.abs(x2 - x), Math.abs(y2 - y)];
  }
  clampBox(d.box);
  render();
}

function onUp() {
  const d = S.drag;
  if (!d) return;
  S.drag = null;
  if (d.mode === 'draw' && (d.box.box[2] < 4 || d.box.box[3] < 4)) {
    S.boxes = S.boxes.filter((b) => b !== d.box);   // a click, not a box
    S.selected = null;
    S.history.pop();
  } else if (!d.changed && d.mode !== 'draw') {
    S.history.pop();                                // selection only
  } else if (d.mode !== 'draw') {
    d.box.moved = true;
  }
  render();
}

function selectedBox() { return S.boxes.find((b) => b.id === S.selected); }

function deleteSelected() {
  const b = selectedBox();
  if (!b) return status('Select a box first (click it or press Tab).');
  snapshot();
  S.boxes = S.boxes.filter((x) => x !== b);
  if (!b.added) S.removed = (S.removed || 0) + 1;
  S.selected = null;
  render();
  status('Box deleted (Ctrl+Z to undo).');
}

function setMethod(m) {
  const b = selectedBox();
  if (!b) return;
  snapshot();
  b.method = m;
  b.methodChanged = true;
  render();
}

function render() {
  const c = $('canvas');
  const g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  if (S.image) g.drawImage(S.previewOn && S.preview ? S.preview : S.image, 0, 0);
  const lw = Math.max(2, c.width / 400);
  g.font = `${Math.max(12, Math.round(c.width / 60))}px system-ui, sans-serif`;
  for (const b of S.boxes) {
    const [x, y, w, h] = b.box;
    const sel = b.id === S.selected;
    g.lineWidth = sel ? lw * 2 : lw;
    g.strokeStyle = COLORS[b.method] || '#0a0';
    g.setLineDash(b.added ? [lw * 3, lw * 2] : []);
    g.strokeRect(x, y, w, h);
    g.setLineDash([]);
    const label = `${b.kind} ${(+b.score).toFixed(2)} ${b.method}`;
    g.fillStyle = g.strokeStyle;
    const tw = g.measureText(label).width + 6;
    const th = parseInt(g.font, 10) + 4;
    g.fillRect(x, Math.max(0, y - th), tw, th);
    g.fillStyle = '#fff';
    g.fillText(label, x + 3, Math.max(0, y - th) + th - 5);
    if (sel) {
      const hs = handleSize();
      g.fillStyle = '#fff';
      g.strokeStyle = '#000';
      g.lineWidth = 1;
      for (const [cx, cy] of [[x, y], [x + w, y], [x, y + h], [x + w, y + h]]) {
        g.fillRect(cx - hs / 2, cy - hs / 2, hs, hs);
        g.strokeRect(cx - hs / 2, cy - hs / 2, hs, hs);
      }
    }
  }
  renderList();
}

function renderList() {
  const ol = $('boxes');
  ol.textContent = '';
  $('box-count').textContent = String(S.boxes.length);
  const editable = can('protect') && S.file;
  for (const b of S.boxes) {
    const li = document.createElement('li');
    li.className = 'box-row' + (b.id === S.selected ? ' selected' : '');
    li.dataset.id = b.id;
    const kind = document.createElement('select');
    kind.className = 'box-kind';
    for (const k of KINDS) kind.add(new Option(k, k, false, k === b.kind));
    kind.disabled = !editable;
    kind.onchange = () => { snapshot(); b.kind = kind.value; render(); };
    const method = document.createElement('select');
    method.className = 'box-method';
    for (const m of METHODS) method.add(new Option(m, m, false, m === b.method));
    method.disabled = !editable;
    method.onchange = () => { S.selected = b.id; setMethod(method.value); };
    const info = document.createElement('span');
    info.className = 'muted';
    info.textContent = ` ${(+b.score).toFixed(2)} ${b.detector} [${b.box.join(', ')}] `;
    const del = document.createElement('button');
    del.textContent = '✕';
    del.title = 'delete (Delete)';
    del.className = 'box-delete';
    del.hidden = !editable;
    del.onclick = () => { S.selected = b.id; deleteSelected(); };
    li.append(kind, ' ', method, info, del);
    li.onclick = (ev) => { if (ev.target === li || ev.target === info) { S.selected = b.id; render(); } };
    ol.append(li);
  }
}

// The preview/apply body: the regions JSON, then the image bytes (X-Shroud-Regions-Length).
function editBody() {
  const edits = {
    detected: S.detected,
    added: S.boxes.filter((b) => b.added).length,
    removed: S.removed || 0,
    moved: S.boxes.filter((b) => b.moved && !b.added).length,
    method_changed: S.boxes.filter((b) => b.methodChanged).length,
  };
  const doc = {
    regions: S.boxes.map((b) => ({ kind: b.kind, box: b.box, method: b.method, score: +b.score, detector: b.detector })),
    placeholder: $('placeholder').value,
    edits,
  };
  if ($('format').value) doc.format = $('format').value;
  const json = new TextEncoder().encode(JSON.stringify(doc));
  return { body: new Blob([json, S.file]), headers: { 'X-Shroud-Regions-Length': String(json.length), 'Content-Type': 'application/octet-stream' } };
}

async function togglePreview() {
  if (!S.file) return status('Upload an image first.');
  if (S.previewOn) { S.previewOn = false; $('preview').textContent = 'Preview'; render(); return; }
  status('Rendering preview…');
  try {
    const { body, headers } = editBody();
    const res = await api('POST', '/v1/studio/preview', body, headers);
    S.preview = await loadImage(await res.blob());
    S.previewOn = true;
    $('preview').textContent = 'Hide preview';
    render();
    status('Preview (not stored). Sealed regions show their placeholder.', 'ok');
  } catch (e) {
    status(explain(e), 'error');
  }
}

async function apply() {
  if (!S.file) return status('Upload an image first.');
  status('Applying…');
  try {
    const { body, headers } = editBody();
    const res = await api('POST', '/v1/studio/apply', body, headers);
    const j = await res.json();
    S.item = j.item;
    S.regionsItem = j.regions_item;
    S.format = j.format;
    S.itemSealed = j.sealed > 0;
    showResult();
    status(`Applied: item ${j.item} stored (${j.protected} region(s) protected, ${j.sealed} sealed); recorded in the audit trail.`, 'ok');
  } catch (e) {
    status(explain(e), 'error');
  }
}

function showResult() {
  $('result').hidden = false;
  $('result-item').textContent = S.item;
  $('download-regions').hidden = !S.regionsItem || !can('review');
  $('download-image').hidden = !can('review');
  $('original').hidden = !(can('recover') && S.itemSealed);
}

async function download(path, name) {
  try {
    const res = await api('GET', path);
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    status(`Downloaded ${name}.`, 'ok');
  } catch (e) {
    status(explain(e), 'error');
  }
}

async function showOriginal() {
  const reason = $('reason').value.trim();
  if (reason.length < 4) return status('Give a reason (at least 4 characters): it is recorded in the audit trail.', 'error');
  try {
    const res = await api('POST', `/v1/studio/items/${S.item}/original`, JSON.stringify({ reason }), { 'Content-Type': 'application/json' });
    const img = $('original-img');
    img.src = URL.createObjectURL(await res.blob());
    img.hidden = false;
    status(`Original of ${S.item} shown (${res.headers.get('X-Shroud-Restored')} region(s) restored); your reason is in the audit trail.`, 'ok');
  } catch (e) {
    status(explain(e), 'error');
  }
}

// ---- video ---------------------------------------------------------------------------------

async function startVideo() {
  const f = $('video-file').files[0];
  if (!f) return status('Choose a video first.');
  try {
    const res = await api('POST', '/v1/jobs/video?method=' + encodeURIComponent($('video-method').value), f,
      { 'Content-Type': 'application/octet-stream' });
    S.videoFile = f;
    watchJob((await res.json()).id);
  } catch (e) {
    status(explain(e), 'error');
  }
}

function watchJob(id) {
  S.job = id;
  $('job-id').value = id;
  $('video-cancel').disabled = false;
  clearTimeout(S.jobTimer);
  const poll = async () => {
    try {
      const res = await api('GET', '/v1/jobs/' + id);
      const j = await res.json();
      const total = j.frames_total || 0;
      $('video-progress').max = Math.max(1, total);
      $('video-progress').value = j.frames_done;
      // A re-render says how far each added box was followed by appearance and why it stopped.
      const follow = (j.follow || []).map((f) => `track ${f.track} followed ${f.seed_frame}-${f.last_frame} (${f.end === 'lost' ? `lost on frame ${f.lost_frame}` : f.end === 'listed' ? 'its next box' : 'end of clip'})`);
      $('video-state').textContent = `job ${id}: ${j.state}, ${j.frames_done}/${total || '?'} frames` + (j.error ? ` — ${j.error}` : '') +
        (follow.length ? '; ' + follow.join('; ') : '');
      if (j.state === 'done') {
        $('video-cancel').disabled = true;
        await loadJobResult(id);
        return;
      }
      if (j.state === 'failed' || j.state === 'cancelled') {
        $('video-cancel').disabled = true;
        status(`Job ${j.state}` + (j.error ? `: ${j.error}` : '.'), j.state === 'failed' ? 'error' : '');
        return;
      }
      S.jobTimer = setTimeout(poll, 500);
    } catch (e) {
      status(explain(e), 'error');
    }
  };
  poll();
}

async function cancelJob() {
  if (!S.job) return;
  try {
    await api('DELETE', '/v1/jobs/' + S.job);
    status('Cancel requested.');
  } catch (e) {
    status(explain(e), 'error');
  }
}

async function loadJobResult(id) {
  try {
    const [v, f] = await Promise.all([api('GET', `/v1/jobs/${id}/result`), api('GET', `/v1/jobs/${id}/frames`)]);
    const doc = await f.json();
    S.frames = doc.frames;
    S.fps = doc.fps || 25;
    S.frameSize = [doc.width || 0, doc.height || 0];
    S.vhistory = [];
    const video = $('video');
    video.src = URL.createObjectURL(await v.blob());
    $('scrubber').max = String(Math.max(0, S.frames.length - 1));
    $('scrubber').value = '0';
    video.onloadedmetadata = () => { seekFrame(+$('scrubber').value); };
    seekFrame(0);
    status(`Job done: ${S.frames.length} frames. Scrub to check the tracked boxes.`, 'ok');
  } catch (e) {
    status(explain(e), 'error');
  }
}

function seekFrame(i) {
  const video = $('video');
  if (!S.frames.length) return;
  i = Math.max(0, Math.min(S.frames.length - 1, i));
  video.currentTime = (i + 0.5) / S.fps;
  const fr = S.frames[i];
  $('frame-label').textContent = `frame ${fr.frame} · ${fr.regions.length} box(es)`;
  const ov = $('video-overlay');
  const r = video.getBoundingClientRect();
  ov.width = S.frameSize[0] || video.videoWidth || 16;
  ov.height = S.frameSize[1] || video.videoHeight || 16;
  ov.style.width = r.width + 'px';
  ov.style.height = r.height + 'px';
  const g = ov.getContext('2d');
  g.clearRect(0, 0, ov.width, ov.height);
  g.lineWidth = Math.max(2, ov.width / 300);
  const list = $('frame-boxes');
  list.textContent = '';
  for (const b of fr.regions) {
    g.strokeStyle = COLORS[b.method] || '#0a0';
    g.strokeRect(b.box[0], b.box[1], b.box[2], b.box[3]);
    const li = document.createElement('li');
    li.className = 'frame-box';
    li.textContent = `${b.kind} track ${b.track} ${b.method} [${b.box.join(', ')}]`;
    list.append(li);
  }
  renderTracks();
}

// Tracks of the current per-frame regions: id, kind, first and last frame.
function tracks() {
  const by = new Map();
  for (const fr of S.frames) {
    for (const b of fr.regions) {
      const t = by.get(b.track) || { id: b.track, kind: b.kind, first: fr.frame, last: fr.frame, count: 0 };
      t.first = Math.min(t.first, fr.frame);
      t.last = Math.max(t.last, fr.frame);
      t.count++;
      if (b.follow) t.follow = true;
      by.set(b.track, t);
    }
  }
  return [...by.values()].sort((a, b) => a.first - b.first);
}

function editTracks(fn, message) {
  S.vhistory.push(JSON.stringify(S.frames));
  fn();
  seekFrame(+$('scrubber').value);
  status(message + ' Re-render to apply.', 'ok');
}

function renderTracks() {
  const ol = $('tracks');
  ol.textContent = '';
  const list = tracks();
  $('track-count').textContent = String(list.length);
  const cur = +$('scrubber').value;
  for (const t of list) {
    const li = document.createElement('li');
    li.className = 'track-row';
    li.dataset.track = t.id;
    li.append(`${t.kind} track ${t.id}: frames ${t.first}-${t.last} (${t.count})${t.follow ? ', followed when re-rendered' : ''} `);
    const mk = (label, cls, fn) => { const b = document.createElement('button'); b.textContent = label; b.className = cls; b.onclick = fn; li.append(b, ' '); };
    mk('Delete track', 'track-delete', () => editTracks(() => {
      for (const fr of S.frames) fr.regions = fr.regions.filter((b) => b.track !== t.id);
    }, `Track ${t.id} deleted.`));
    mk('Trim before this frame', 'track-trim-before', () => editTracks(() => {
      for (const fr of S.frames) if (fr.frame < cur) fr.regions = fr.regions.filter((b) => b.track !== t.id);
    }, `Track ${t.id} starts at frame ${cur}.`));
    mk('Trim after this frame', 'track-trim-after', () => editTracks(() => {
      for (const fr of S.frames) if (fr.frame > cur) fr.regions = fr.regions.filter((b) => b.track !== t.id);
    }, `Track ${t.id} ends at frame ${cur}.`));
    ol.append(li);
  }
}

function trackUndo() {
  if (!S.vhistory.length) return status('Nothing to undo.');
  S.frames = JSON.parse(S.vhistory.pop());
  seekFrame(+$('scrubber').value);
  status('Undone.');
}

function overlayPoint(ev) {
  const ov = $('video-overlay');
  const r = ov.getBoundingClientRect();
  return [(ev.clientX - r.left) * (ov.width / r.width), (ev.clientY - r.top) * (ov.height / r.height)];
}

function onOverlayDown(ev) {
  if (!S.frames.length || !can('protect') || ev.button !== 0) return;
  S.vdrag = { start: overlayPoint(ev), end: overlayPoint(ev) };
}

function onOverlayMove(ev) {
  if (!S.vdrag) return;
  S.vdrag.end = overlayPoint(ev);
  seekFrame(+$('scrubber').value);
  const [a, b] = [S.vdrag.start, S.vdrag.end];
  const g = $('video-overlay').getContext('2d');
  g.setLineDash([4, 3]);
  g.strokeStyle = '#0a0';
  g.strokeRect(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]));
  g.setLineDash([]);
}

function onOverlayUp() {
  const d = S.vdrag;
  S.vdrag = null;
  if (!d) return;
  const [a, b] = [d.start, d.end];
  const box = [Math.round(Math.min(a[0], b[0])), Math.round(Math.min(a[1], b[1])), Math.round(Math.abs(a[0] - b[0])), Math.round(Math.abs(a[1] - b[1]))];
  if (box[2] < 3 || box[3] < 3) return seekFrame(+$('scrubber').value);
  const i = +$('scrubber').value;
  const id = S.nextTrack--;
  editTracks(() => {
    const r = { kind: $('new-kind').value, box, method: $('video-method').value, track: id, score: 1 };
    if ($('follow-added').checked) r.follow = true;   // the server follows it through the clip by appearance
    S.frames[i].regions.push(r);
  }, `Box added on frame ${S.frames[i].frame} (track ${id}${$('follow-added').checked ? ', followed when re-rendered' : ''}).`);
}

async function rerender() {
  if (!S.frames.length) return status('Open a finished job first.');
  if (!S.videoFile) return status('Choose the original clip under Video first: the server does not keep originals.', 'error');
  const hold = Math.max(0, Math.min(1000, parseInt($('rerender-hold').value, 10) || 0));
  const json = new TextEncoder().encode(JSON.stringify({ frames: S.frames }));
  try {
    const res = await api('POST', `/v1/jobs/video?method=${encodeURIComponent($('video-method').value)}&hold=${hold}`,
      new Blob([json, S.videoFile]), { 'X-Shroud-Regions-Length': String(json.length), 'Content-Type': 'application/octet-stream' });
    const j = await res.json();
    status(`Re-render queued as job ${j.id}.`, 'ok');
    watchJob(j.id);
  } catch (e) {
    status(explain(e), 'error');
  }
}

// ---- wiring --------------------------------------------------------------------------------

function onKey(ev) {
  if (!S.who) return;
  const t = ev.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
  if ($('image-panel').hidden) {
    if (ev.key === 'u' || ev.key === 'U') return trackUndo();
    if ((ev.key === 'r' || ev.key === 'R') && !ev.ctrlKey && !ev.metaKey) return rerender();
    if (ev.key === ',' || ev.key === '.') {
      const s = $('scrubber');
      s.value = String(Math.max(0, Math.min(+s.max, +s.value + (ev.key === '.' ? 1 : -1))));
      return seekFrame(+s.value);
    }
    return;
  }
  const ctrl = ev.ctrlKey || ev.metaKey;
  const b = selectedBox();
  if (ctrl && ev.key.toLowerCase() === 'z') { ev.preventDefault(); return ev.shiftKey ? redo() : undo(); }
  if (ctrl && ev.key.toLowerCase() === 'y') { ev.preventDefault(); return redo(); }
  if (ctrl && ev.key === 'Enter') { ev.preventDefault(); return apply(); }
  if (ctrl || ev.altKey && !ev.key.startsWith('Arrow')) return;
  if (ev.key === 'Tab' && S.boxes.length) {
    ev.preventDefault();
    const i = S.boxes.findIndex((x) => x.id === S.selected);
    const n = S.boxes.length;
    S.selected = S.boxes[((i < 0 ? (ev.shiftKey ? 0 : -1) : i) + (ev.shiftKey ? n - 1 : 1)) % n].id;
    return render();
  }
  if (ev.key === 'Escape') { S.selected = null; S.previewOn = false; $('preview').textContent = 'Preview'; return render(); }
  if (!can('protect')) return;
  if (ev.key === 'Delete' || ev.key === 'Backspace') { ev.preventDefault(); return deleteSelected(); }
  if (ev.key === 'p' || ev.key === 'P') return togglePreview();
  if ((ev.key === 'o' || ev.key === 'O') && !$('original').hidden) { $('original-box').hidden = false; return $('reason').focus(); }
  if (['1', '2', '3', '4'].includes(ev.key)) return setMethod(METHODS[+ev.key - 1]);
  if ((ev.key === 'k' || ev.key === 'K') && b) {
    snapshot();
    b.kind = KINDS[(KINDS.indexOf(b.kind) + 1) % KINDS.length];
    return render();
  }
  if (ev.key.startsWith('Arrow') && b) {
    ev.preventDefault();
    snapshot();
    const step = ev.shiftKey ? 10 : 1;
    const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[ev.key];
    if (ev.altKey) { b.box[2] += d[0]; b.box[3] += d[1]; } else { b.box[0] += d[0]; b.box[1] += d[1]; }
    b.moved = true;
    clampBox(b);
    render();
  }
}

function switchTab(name) {
  for (const t of document.querySelectorAll('.tab')) t.classList.toggle('active', t.dataset.tab === name);
  $('image-panel').hidden = name !== 'image';
  $('video-panel').hidden = name !== 'video';
}

window.addEventListener('DOMContentLoaded', () => {
  $('signin-form').onsubmit = (ev) => { ev.preventDefault(); signIn($('token').value); };
  $('signout').onclick = signOut;
  $('image-file').onchange = () => { const f = $('image-file').files[0]; if (f) openFile(f); };
  $('open-item').onclick = () => openItem($('item-id').value);
  $('undo').onclick = undo;
  $('redo').onclick = redo;
  $('delete').onclick = deleteSelected;
  $('preview').onclick = togglePreview;
  $('apply').onclick = apply;
  $('original').onclick = () => { $('original-box').hidden = false; $('reason').focus(); };
  $('original-go').onclick = showOriginal;
  $('download-image').onclick = () => download('/v1/items/' + S.item, `protected-${S.item}.${S.format || 'png'}`);
  $('download-regions').onclick = () => download('/v1/items/' + S.regionsItem, `regions-${S.item}.json`);
  const c = $('canvas');
  c.addEventListener('pointerdown', onDown);
  c.addEventListener('pointermove', onMove);
  c.addEventListener('pointerup', onUp);
  c.addEventListener('pointercancel', onUp);
  document.addEventListener('keydown', onKey);
  for (const t of document.querySelectorAll('.tab')) t.onclick = () => switchTab(t.dataset.tab);
  $('video-start').onclick = startVideo;
  $('video-cancel').onclick = cancelJob;
  $('open-job').onclick = () => { const id = $('job-id').value.trim(); if (/^[0-9a-f]{32}$/.test(id)) watchJob(id); else status('A job id is 32 hexadecimal digits.', 'error'); };
  $('scrubber').oninput = () => seekFrame(+$('scrubber').value);
  const ov = $('video-overlay');
  ov.addEventListener('pointerdown', onOverlayDown);
  ov.addEventListener('pointermove', onOverlayMove);
  ov.addEventListener('pointerup', onOverlayUp);
  $('rerender').onclick = rerender;
  $('track-undo').onclick = trackUndo;
  $('video-file').onchange = () => { S.videoFile = $('video-file').files[0] || S.videoFile; };
  $('download-video').onclick = () => S.job && download(`/v1/jobs/${S.job}/result`, `protected-${S.job}.mp4`);
  $('download-frames').onclick = () => S.job && download(`/v1/jobs/${S.job}/frames`, `frames-${S.job}.json`);
  const saved = sessionStorage.getItem('shroud-token');
  if (saved) signIn(saved);
});
