// SPDX-License-Identifier: Apache-2.0
//
// mesoskit console: one page, hash routes, a model fed by the master's operator event stream
// (POST /api/v1 SUBSCRIBE, JSON RecordIO), agents' sandboxes read through the files API with JSONP.
'use strict';

const MASTERS = JSON.parse(document.getElementById('config').textContent || 'null') || [];
const PAGE_SIZE = 50;
const EVENTS_KEPT = 40;

// ---------- the model ----------
const M = {
  master: null,        // GET_MASTER response body
  frameworks: new Map(), // id -> v1 master Response.GetFrameworks.Framework
  completedFrameworks: new Map(),
  agents: new Map(),   // id -> Response.GetAgents.Agent
  tasks: new Map(),    // framework id + '\u0000' + task id -> v1 Task
  executors: [],       // {executor_info, agent_id}
  events: [],          // {time, text, link}
  suppressed: new Map(), // framework id -> [role]
  usage: new Map(),    // agent or framework id -> /master/state-summary entry (resources in use now)
  version: 0,          // bumped on every change (render caches key on it)
  heartbeat: 15,
};
const tkey = (fw, id) => fw + '\u0000' + id;
const val = (x) => (x && x.value !== undefined ? x.value : x || '');

function resetModel(state) {
  M.frameworks.clear(); M.completedFrameworks.clear(); M.agents.clear(); M.tasks.clear();
  const fws = state.get_frameworks || {};
  for (const f of fws.frameworks || []) M.frameworks.set(val(f.framework_info.id), f);
  for (const f of fws.completed_frameworks || []) M.completedFrameworks.set(val(f.framework_info.id), f);
  for (const a of (state.get_agents || {}).agents || []) M.agents.set(val(a.agent_info.id), a);
  const ts = state.get_tasks || {};
  for (const list of [ts.tasks, ts.unreachable_tasks, ts.completed_tasks, ts.orphan_tasks]) {
    for (const t of list || []) M.tasks.set(tkey(val(t.framework_id), val(t.task_id)), t);
  }
  M.executors = (state.get_executors || {}).executors || [];
  M.version++;
}

function note(text, link) {
  M.events.unshift({ time: Date.now() / 1000, text, link });
  if (M.events.length > EVENTS_KEPT) M.events.length = EVENTS_KEPT;
}

function applyEvent(ev) {
  switch (ev.type) {
    case 'SUBSCRIBED':
      resetModel(ev.subscribed.get_state || {});
      M.heartbeat = ev.subscribed.heartbeat_interval_seconds || 15;
      note('Subscribed to the leading master: ' + M.tasks.size + ' tasks, ' + M.agents.size + ' agents');
      addRecentCompleted(generation);
      break;
    case 'TASK_ADDED': {
      const t = ev.task_added.task;
      M.tasks.set(tkey(val(t.framework_id), val(t.task_id)), t);
      note('Task ' + val(t.task_id) + ' added', taskHref(t));
      break;
    }
    case 'TASK_UPDATED': {
      const u = ev.task_updated, st = u.status;
      const k = tkey(val(u.framework_id), val(st.task_id));
      let t = M.tasks.get(k);
      if (!t) { t = { task_id: st.task_id, framework_id: u.framework_id, agent_id: st.agent_id, name: '', statuses: [] }; M.tasks.set(k, t); }
      t.state = u.state;
      t.statuses = (t.statuses || []).concat([st]);
      note('Task ' + val(st.task_id) + ' is ' + u.state + (st.message ? ': ' + st.message : ''), taskHref(t));
      break;
    }
    case 'FRAMEWORK_ADDED': case 'FRAMEWORK_UPDATED': {
      const f = (ev.framework_added || ev.framework_updated).framework;
      M.frameworks.set(val(f.framework_info.id), f);
      note('Framework ' + f.framework_info.name + (ev.type === 'FRAMEWORK_ADDED' ? ' added' : ' updated'), '#/frameworks/' + enc(val(f.framework_info.id)));
      break;
    }
    case 'FRAMEWORK_REMOVED': {
      const fi = ev.framework_removed.framework_info, id = val(fi.id);
      const f = M.frameworks.get(id);
      M.frameworks.delete(id);
      if (f) M.completedFrameworks.set(id, f);
      note('Framework ' + fi.name + ' removed');
      break;
    }
    case 'AGENT_ADDED': {
      const a = ev.agent_added.agent;
      M.agents.set(val(a.agent_info.id), a);
      note('Agent ' + a.agent_info.hostname + ' added', '#/agents/' + enc(val(a.agent_info.id)));
      break;
    }
    case 'AGENT_REMOVED': {
      const id = val(ev.agent_removed.agent_id);
      M.agents.delete(id);
      note('Agent ' + id + ' removed');
      break;
    }
    case 'HEARTBEAT':
      return;
    default:
      return;
  }
  M.version++;
  scheduleRender();
}

// ---------- talking to the master ----------
// timing: when (performance.now(), ms) the first SUBSCRIBE's headers came, its SUBSCRIBED record was
// complete and parsed, and how many bytes it had (the benchmark reads it).
const timing = {};
let generation = 0; // bumped on every (re)synchronisation; stale loops stop
let abortCtl = null;

function setConn(text, cls) {
  const el = document.getElementById('conn');
  el.textContent = text;
  el.className = 'conn ' + (cls || '');
}
function banner(text) {
  const b = document.getElementById('banner');
  b.hidden = !text;
  b.textContent = text || '';
}

function operatorCall(body, signal) {
  return fetch('/api/v1', {
    method: 'POST', redirect: 'manual', signal, cache: 'no-store',
    headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
    body: JSON.stringify(body),
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// start finds the leader and subscribes; on any loss it runs again (resynchronising from SUBSCRIBED).
async function start() {
  const gen = ++generation;
  if (abortCtl) abortCtl.abort();
  let delay = 250;
  while (gen === generation) {
    let resp;
    try {
      resp = await operatorCall({ type: 'GET_MASTER' });
    } catch (e) {
      setConn('master unreachable', 'down');
      if (await tryOtherMasters()) return;
      banner('Cannot reach the master at ' + location.host + ' or any other known master; retrying.');
      await sleep(delay); delay = Math.min(delay * 2, 5000);
      continue;
    }
    if (resp.type === 'opaqueredirect' || resp.status === 307) {
      // Not the leader: Master::Http::redirect sends a browser to the leader's root; the hash (route) stays.
      setConn('following leader…');
      location.replace('/master/redirect' + location.hash);
      return;
    }
    if (resp.status !== 200) {
      const text = await resp.text().catch(() => '');
      banner('Master answered ' + resp.status + (text ? ': ' + text : '') + '; retrying.');
      setConn('no leader', 'down');
      await sleep(delay); delay = Math.min(delay * 2, 5000);
      continue;
    }
    M.master = (await resp.json()).get_master;
    banner('');
    refreshSuppressed();
    refreshUsage();
    const err = await subscribe(gen);
    if (gen !== generation) return;
    setConn('resynchronising…', 'down');
    banner('Lost the event stream (' + err + '); resynchronising.');
    await sleep(200);
    delay = 250;
  }
}

// tryOtherMasters is for a page whose own master died: it opens the console of the first other master
// that answers (which itself follows /master/redirect to the leader).
async function tryOtherMasters() {
  for (const m of MASTERS) {
    let u;
    try { u = new URL(m); } catch (e) { continue; }
    if (u.host === location.host) continue;
    try {
      await fetch(m + '/', { mode: 'no-cors', cache: 'no-store' });
      location.replace(m.replace(/\/+$/, '') + '/' + location.hash);
      return true;
    } catch (e) { /* next */ }
  }
  return false;
}

// subscribe reads the RecordIO JSON stream ("<length>\n<bytes>" records) until it ends; it returns why.
async function subscribe(gen) {
  abortCtl = new AbortController();
  const ctl = abortCtl;
  let resp;
  try {
    resp = await operatorCall({ type: 'SUBSCRIBE' }, ctl.signal);
  } catch (e) { return 'subscribe failed: ' + e.message; }
  if (resp.status !== 200) return 'SUBSCRIBE answered ' + resp.status;
  timing.headers = performance.now();
  setConn('live', 'live');
  const reader = resp.body.getReader();
  const dec = new TextDecoder();
  const rb = new RecordBuffer();
  let last = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - last > 3 * M.heartbeat * 1000 + 2000) ctl.abort();
  }, 1000);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 'stream ended';
      if (gen !== generation) { ctl.abort(); return 'superseded'; }
      last = Date.now();
      rb.push(value);
      for (;;) {
        const rec = rb.next();
        if (rec === null) break;
        if (rec === undefined) return 'bad record length';
        if (!timing.record) { timing.record = performance.now(); timing.bytes = rec.length; }
        const ev = JSON.parse(dec.decode(rec));
        if (!timing.parsed) timing.parsed = performance.now();
        applyEvent(ev);
      }
    }
  } catch (e) {
    return e.name === 'AbortError' ? 'no heartbeat' : e.message;
  } finally {
    clearInterval(watchdog);
  }
}

// RecordBuffer splits RecordIO ("<length>\n<bytes>") out of stream chunks. It keeps the chunks as they
// came and joins them once per record, so a record of many megabytes (SUBSCRIBED at scale) costs one copy.
class RecordBuffer {
  constructor() { this.chunks = []; this.size = 0; this.want = -1; }
  push(c) { this.chunks.push(c); this.size += c.length; }
  take(n) { // the first n bytes, removed
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0], k = Math.min(c.length, n - off);
      out.set(c.subarray(0, k), off);
      off += k;
      if (k === c.length) this.chunks.shift(); else this.chunks[0] = c.subarray(k);
    }
    this.size -= n;
    return out;
  }
  // next returns the next record, null when more bytes are needed, undefined on a bad length.
  next() {
    if (this.want < 0) {
      let n = 0, i = 0, found = false;
      outer: for (const c of this.chunks) {
        for (let j = 0; j < c.length; j++, i++) {
          if (c[j] === 10) { found = true; break outer; }
          if (c[j] < 48 || c[j] > 57 || i > 12) return undefined;
          n = n * 10 + (c[j] - 48);
        }
      }
      if (!found) return null;
      this.take(i + 1);
      this.want = n;
    }
    if (this.size < this.want) return null;
    const rec = this.take(this.want);
    this.want = -1;
    return rec;
  }
}

// refreshSuppressed reads the allocator's per-framework role gauges
// (".../<framework id>/roles/<role>/suppressed", src/master/allocator/mesos/metrics.cpp FrameworkMetrics).
async function refreshSuppressed() {
  try {
    const r = await fetch('/metrics/snapshot', { cache: 'no-store', redirect: 'manual' });
    if (r.status !== 200) return;
    const snap = await r.json();
    M.suppressed.clear();
    for (const [k, v] of Object.entries(snap)) {
      const m = /\/([^/]+)\/roles\/(.+)\/suppressed$/.exec(k);
      if (!m || !v) continue;
      if (!M.suppressed.has(m[1])) M.suppressed.set(m[1], []);
      M.suppressed.get(m[1]).push(decodeURIComponent(m[2]));
    }
    M.version++;
    scheduleRender();
  } catch (e) { /* metrics are optional */ }
}

// refreshUsage reads /master/state-summary (no tasks in it, so small at any scale) for what agents and
// frameworks use and are offered now: the operator event stream has no event for allocation changes.
async function refreshUsage() {
  try {
    const r = await fetch('/master/state-summary', { cache: 'no-store', redirect: 'manual' });
    if (r.status !== 200) return;
    const sum = await r.json();
    M.usage.clear();
    for (const x of (sum.slaves || []).concat(sum.frameworks || [])) M.usage.set(x.id, x);
    M.version++;
    scheduleRender();
  } catch (e) { /* the stream's figures stay */ }
}
// addRecentCompleted adds the newest terminal tasks the master's read-only /master/tasks knows but the
// SUBSCRIBED state lacks (a master whose GET_STATE leaves its completed-task cache out). That model has no
// status messages or reasons (src/common/http.cpp model(TaskStatus)); such tasks are marked.
async function addRecentCompleted(gen) {
  try {
    const r = await fetch('/master/tasks?limit=1000&order=desc', { cache: 'no-store', redirect: 'manual' });
    if (r.status !== 200 || gen !== generation) return;
    let added = 0;
    for (const t of (await r.json()).tasks || []) {
      const k = tkey(t.framework_id, t.id);
      if (!terminal(t.state) || M.tasks.has(k)) continue;
      M.tasks.set(k, {
        task_id: { value: t.id }, framework_id: { value: t.framework_id }, agent_id: { value: t.slave_id },
        executor_id: t.executor_id ? { value: t.executor_id } : undefined, name: t.name, state: t.state,
        resources: t.resources, fromReadonly: true,
        statuses: (t.statuses || []).map((x) => ({ state: x.state, timestamp: x.timestamp, healthy: x.healthy, container_status: x.container_status })),
      });
      added++;
    }
    if (added) { M.version++; scheduleRender(); }
  } catch (e) { /* optional */ }
}

// used, offered, total: a summary's resources objects when known, else the stream's lists.
function usedOf(id, list) { const u = M.usage.get(id); return u ? u.used_resources : list; }
function offeredOf(id, list) { const u = M.usage.get(id); return u ? u.offered_resources : list; }

// ---------- agents, through JSONP ----------
let jsonpSeq = 0;
function jsonp(url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const cb = '__mkc' + (++jsonpSeq);
    const s = document.createElement('script');
    const done = (f, x) => { delete window[cb]; s.remove(); clearTimeout(timer); f(x); };
    const timer = setTimeout(() => done(reject, new Error('timed out')), timeoutMs || 5000);
    window[cb] = (data) => done(resolve, data);
    s.onerror = () => done(reject, new Error('cannot read ' + url.split('?')[0]));
    s.src = url + (url.includes('?') ? '&' : '?') + 'jsonp=' + cb;
    document.head.appendChild(s);
  });
}
function agentURL(agentID) {
  const a = M.agents.get(agentID);
  if (!a) return '';
  const ai = a.agent_info;
  return location.protocol + '//' + ai.hostname + ':' + (ai.port || 5051);
}

// ---------- formatting ----------
function esc(s) {
  return String(s === undefined || s === null ? '' : s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
const enc = encodeURIComponent;
function ago(sec) {
  if (!sec) return '';
  const d = Math.max(0, Date.now() / 1000 - sec);
  if (d < 60) return Math.floor(d) + ' s ago';
  if (d < 3600) return Math.floor(d / 60) + ' min ago';
  if (d < 86400) return Math.floor(d / 3600) + ' h ago';
  return Math.floor(d / 86400) + ' d ago';
}
function when(sec) {
  if (!sec) return '<span class="muted">—</span>';
  return '<time data-ts="' + sec + '" title="' + esc(new Date(sec * 1000).toISOString()) + '">' + ago(sec) + '</time>';
}
const nanos = (ti) => (ti && ti.nanoseconds !== undefined ? Number(ti.nanoseconds) / 1e9 : 0);
function stateBadge(s) { return '<span class="state ' + esc(s) + '">' + esc((s || '').replace(/^TASK_/, '')) + '</span>'; }

// scalars sums scalar resources by name; ranges are listed.
function resourceSummary(list) {
  const out = {};
  if (list && !Array.isArray(list)) { // {"cpus":0.5,"ports":"[31000-31001]"} (src/common/http.cpp model(Resources))
    for (const [k, v] of Object.entries(list)) if (v && v !== '[]') out[k] = typeof v === 'number' ? v : String(v).replace(/^\[|\]$/g, '');
    return out;
  }
  for (const r of list || []) {
    if (r.type === 'SCALAR' || r.scalar) out[r.name] = (out[r.name] || 0) + Number(r.scalar.value);
    else if (r.ranges) out[r.name] = (out[r.name] ? out[r.name] + ',' : '') + (r.ranges.range || []).map((x) => x.begin + '-' + x.end).join(',');
  }
  return out;
}
function fmtRes(name, v) {
  if (typeof v !== 'number') return esc(v);
  if (name === 'mem' || name === 'disk') return v >= 1024 ? (v / 1024).toFixed(1) + ' GB' : Math.round(v) + ' MB';
  return String(Math.round(v * 100) / 100);
}
function resText(list) {
  const s = resourceSummary(list);
  return Object.keys(s).sort().map((k) => esc(k) + ' ' + fmtRes(k, s[k])).join(', ') || '<span class="muted">none</span>';
}
function lastStatus(t) { const s = t.statuses || []; return s.length ? s[s.length - 1] : null; }
function taskTime(t) { const s = lastStatus(t); return s ? Number(s.timestamp) : 0; }
function taskHref(t) { return '#/tasks/' + enc(val(t.framework_id)) + '/' + enc(val(t.task_id)); }
function fwName(id) { const f = M.frameworks.get(id) || M.completedFrameworks.get(id); return f ? f.framework_info.name : id; }
function agentHost(id) { const a = M.agents.get(id); return a ? a.agent_info.hostname + ':' + a.agent_info.port : id; }

// ---------- tables: sort on a header click, paging ----------
const tableState = {}; // id -> {col, dir, page}
const tableCache = {}; // id -> {key, rows}

function table(id, cols, rows, opts) {
  opts = opts || {};
  const ts = tableState[id] || (tableState[id] = { col: opts.sort || 0, dir: opts.dir || 1, page: 0 });
  const key = M.version + '|' + ts.col + '|' + ts.dir + '|' + (opts.key || '') + '|' + rows.length;
  let sorted;
  const c = tableCache[id];
  if (c && c.key === key) sorted = c.rows;
  else {
    const f = cols[ts.col].sort || ((r) => cols[ts.col].text(r));
    const keyed = rows.map((r) => [f(r), r]);
    keyed.sort((a, b) => (a[0] < b[0] ? -ts.dir : a[0] > b[0] ? ts.dir : 0));
    sorted = keyed.map((x) => x[1]);
    tableCache[id] = { key, rows: sorted };
  }
  const pages = Math.max(1, Math.ceil(sorted.length / PAGE_SIZE));
  if (ts.page >= pages) ts.page = pages - 1;
  const slice = sorted.slice(ts.page * PAGE_SIZE, (ts.page + 1) * PAGE_SIZE);
  let h = '<table data-table="' + esc(id) + '"><thead><tr>';
  cols.forEach((col, i) => {
    h += '<th data-col="' + i + '" class="' + (i === ts.col ? (ts.dir > 0 ? 'asc' : 'desc') : '') + '">' + esc(col.title) + '</th>';
  });
  h += '</tr></thead><tbody>';
  for (const r of slice) {
    h += '<tr>' + cols.map((col) => '<td' + (col.num ? ' class="num"' : '') + '>' + (col.html ? col.html(r) : esc(col.text(r))) + '</td>').join('') + '</tr>';
  }
  if (!slice.length) h += '<tr><td colspan="' + cols.length + '" class="muted">' + esc(opts.empty || 'None') + '</td></tr>';
  h += '</tbody></table>';
  if (sorted.length > PAGE_SIZE) {
    h += '<div class="pager" data-table="' + esc(id) + '"><button data-page="' + (ts.page - 1) + '"' + (ts.page === 0 ? ' disabled' : '') + '>‹ Prev</button>' +
      '<span>' + (ts.page * PAGE_SIZE + 1) + '–' + Math.min(sorted.length, (ts.page + 1) * PAGE_SIZE) + ' of ' + sorted.length + '</span>' +
      '<button data-page="' + (ts.page + 1) + '"' + (ts.page >= pages - 1 ? ' disabled' : '') + '>Next ›</button></div>';
  }
  return h;
}

document.addEventListener('click', (e) => {
  const th = e.target.closest('th[data-col]');
  if (th) {
    const id = th.closest('table').dataset.table, col = Number(th.dataset.col);
    const ts = tableState[id];
    if (ts.col === col) ts.dir = -ts.dir; else { ts.col = col; ts.dir = 1; }
    ts.page = 0;
    render();
    return;
  }
  const pb = e.target.closest('.pager button');
  if (pb && !pb.disabled) {
    tableState[pb.parentElement.dataset.table].page = Number(pb.dataset.page);
    render();
  }
});

// ---------- task columns and filtering ----------
const taskCols = (withFw) => [
  { title: 'Task ID', text: (t) => val(t.task_id), html: (t) => '<a href="' + taskHref(t) + '">' + esc(val(t.task_id)) + '</a>' },
  { title: 'Name', text: (t) => t.name || '' },
  { title: 'State', text: (t) => t.state || '', html: (t) => stateBadge(t.state) },
  ...(withFw ? [{ title: 'Framework', text: (t) => fwName(val(t.framework_id)), html: (t) => '<a href="#/frameworks/' + enc(val(t.framework_id)) + '">' + esc(fwName(val(t.framework_id))) + '</a>' }] : []),
  { title: 'Agent', text: (t) => agentHost(val(t.agent_id)), html: (t) => '<a href="#/agents/' + enc(val(t.agent_id)) + '">' + esc(agentHost(val(t.agent_id))) + '</a>' },
  { title: 'Message', text: (t) => (lastStatus(t) || {}).message || '' },
  { title: 'Updated', sort: taskTime, text: taskTime, html: (t) => when(taskTime(t)) },
];
function filterText() { return document.getElementById('filter').value.trim(); }
function filtered(tasks) {
  const q = filterText().toLowerCase();
  if (!q) return tasks;
  return tasks.filter((t) => val(t.task_id).toLowerCase().includes(q));
}
function taskTable(id, tasks, withFw) {
  const q = filterText();
  const rows = filtered(tasks);
  return (q ? '<p class="muted">' + rows.length + ' of ' + tasks.length + ' tasks match “' + esc(q) + '”</p>' : '') +
    table(id, taskCols(withFw), rows, { key: q, sort: withFw ? 6 : 5, dir: -1, empty: q ? 'No task ID matches' : 'No tasks' });
}

// ---------- pages ----------
function routeOf() {
  const h = location.hash.replace(/^#/, '') || '/';
  const [path, query] = h.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query || '') };
}

function pageOverview() {
  const mi = (M.master || {}).master_info || {};
  const counts = {};
  for (const t of M.tasks.values()) counts[t.state] = (counts[t.state] || 0) + 1;
  let h = '<h1>Cluster</h1><div class="cards">' +
    card('Leader', esc((mi.hostname || '') + ':' + (mi.port || ''))) +
    card('Version', esc(mi.version || '')) +
    card('Elected', when(Number((M.master || {}).elected_time || 0))) +
    card('Agents', M.agents.size) + card('Frameworks', M.frameworks.size) + card('Tasks', M.tasks.size) + '</div>';
  h += '<h2>Tasks by state</h2><div class="cards">' + (Object.keys(counts).sort().map((s) =>
    '<div class="card"><div class="k">' + stateBadge(s) + '</div><div class="v">' + counts[s] + '</div></div>').join('') || '<span class="muted">No tasks</span>') + '</div>';
  h += '<h2>Masters</h2>' + mastersTable();
  h += '<h2>Frameworks</h2>' + table('frameworks', fwCols(), [...M.frameworks.values()], { empty: 'No framework is subscribed' });
  h += '<h2>Agents</h2>' + table('agents', agentCols(), [...M.agents.values()], { empty: 'No agents' });
  h += '<h2>Recent events</h2><ul class="events">' + (M.events.map((e) =>
    '<li>' + when(e.time) + ' — ' + (e.link ? '<a href="' + e.link + '">' + esc(e.text) + '</a>' : esc(e.text)) + '</li>').join('') || '<li class="muted">None yet</li>') + '</ul>';
  return h;
}
function card(k, v) { return '<div class="card"><div class="k">' + esc(k) + '</div><div class="v">' + v + '</div></div>'; }

const masterHealth = new Map(); // url -> 'up' | 'down'
function mastersTable() {
  const mi = (M.master || {}).master_info || {};
  const leader = (mi.hostname || '') + ':' + (mi.port || '');
  const list = MASTERS.length ? MASTERS : [location.origin];
  const rows = list.map((u) => { let host = u; try { host = new URL(u).host; } catch (e) { /* keep */ } return { u, host }; });
  return table('masters', [
    { title: 'Master', text: (r) => r.host, html: (r) => '<a href="' + esc(r.u) + '/">' + esc(r.host) + '</a>' },
    { title: 'Role', text: (r) => (r.host === leader ? 'leading' : 'standby'), html: (r) => (r.host === leader ? '<span class="ok">leading</span>' : 'standby') },
    { title: 'Reachable', text: (r) => masterHealth.get(r.u) || '…', html: (r) => { const s = masterHealth.get(r.u); return s === 'up' ? '<span class="ok">yes</span>' : s === 'down' ? '<span class="bad">no</span>' : '…'; } },
  ], rows);
}
async function probeMasters() {
  for (const u of MASTERS) {
    let s = 'down';
    try { await fetch(u.replace(/\/+$/, '') + '/', { mode: 'no-cors', cache: 'no-store' }); s = 'up'; } catch (e) { /* down */ }
    if (masterHealth.get(u) !== s) { masterHealth.set(u, s); M.version++; scheduleRender(); }
  }
}

function fwCols() {
  return [
    { title: 'Name', text: (f) => f.framework_info.name, html: (f) => '<a href="#/frameworks/' + enc(val(f.framework_info.id)) + '">' + esc(f.framework_info.name) + '</a>' },
    { title: 'ID', text: (f) => val(f.framework_info.id) },
    { title: 'Roles', text: (f) => fwRoles(f).join(', ') },
    { title: 'State', text: fwConn, html: (f) => { const c = fwConn(f); return c === 'connected' ? '<span class="ok">connected</span>' : '<span class="bad">' + esc(c) + '</span>'; } },
    { title: 'Tasks', num: true, sort: (f) => fwTasks(val(f.framework_info.id)).filter((t) => !terminal(t.state)).length, text: (f) => fwTasks(val(f.framework_info.id)).filter((t) => !terminal(t.state)).length },
    { title: 'Allocated', text: (f) => '', html: (f) => resText(usedOf(val(f.framework_info.id), f.allocated_resources)) },
    { title: 'Registered', sort: (f) => nanos(f.registered_time), text: (f) => nanos(f.registered_time), html: (f) => when(nanos(f.registered_time)) },
  ];
}
function fwRoles(f) { const fi = f.framework_info; return fi.roles && fi.roles.length ? fi.roles : [fi.role || '*']; }
function fwConn(f) { return f.connected ? (f.active ? 'connected' : 'connected, inactive') : (f.recovered ? 'recovered, not reconnected' : 'disconnected'); }
const TERMINAL = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR']);
function terminal(s) { return TERMINAL.has(s); }
let byFwCache = { v: -1, m: new Map() };
function fwTasks(id) {
  if (byFwCache.v !== M.version) {
    const m = new Map();
    for (const t of M.tasks.values()) { const f = val(t.framework_id); if (!m.has(f)) m.set(f, []); m.get(f).push(t); }
    byFwCache = { v: M.version, m };
  }
  return byFwCache.m.get(id) || [];
}

function agentCols() {
  const used = (a) => resourceSummary(usedOf(val(a.agent_info.id), a.allocated_resources));
  const total = (a) => resourceSummary(a.total_resources);
  const bar = (a, r) => { const t = total(a)[r] || 0, u = used(a)[r] || 0; return fmtRes(r, u) + ' / ' + fmtRes(r, t) + '<span class="bar"><span style="width:' + (t ? Math.min(100, 100 * u / t) : 0) + '%"></span></span>'; };
  return [
    { title: 'Host', text: (a) => a.agent_info.hostname + ':' + a.agent_info.port, html: (a) => '<a href="#/agents/' + enc(val(a.agent_info.id)) + '">' + esc(a.agent_info.hostname + ':' + a.agent_info.port) + '</a>' },
    { title: 'ID', text: (a) => val(a.agent_info.id) },
    { title: 'CPUs used / total', sort: (a) => used(a).cpus || 0, text: () => '', html: (a) => bar(a, 'cpus') },
    { title: 'Mem used / total', sort: (a) => used(a).mem || 0, text: () => '', html: (a) => bar(a, 'mem') },
    { title: 'Free', text: () => '', html: (a) => freeText(a) },
    { title: 'Active', text: (a) => (a.active ? 'yes' : 'no') },
    { title: 'Registered', sort: (a) => nanos(a.registered_time), text: (a) => nanos(a.registered_time), html: (a) => when(nanos(a.registered_time)) },
  ];
}
function freeText(a) {
  const t = resourceSummary(a.total_resources), u = resourceSummary(usedOf(val(a.agent_info.id), a.allocated_resources));
  return Object.keys(t).filter((k) => typeof t[k] === 'number').sort().map((k) => esc(k) + ' ' + fmtRes(k, t[k] - (u[k] || 0))).join(', ');
}

function pageFramework(id) {
  const f = M.frameworks.get(id) || M.completedFrameworks.get(id);
  if (!f) return '<h1>Framework ' + esc(id) + '</h1><p class="muted">Not known to the leading master.</p>';
  const fi = f.framework_info;
  const supp = M.suppressed.get(id);
  let h = '<h1>Framework ' + esc(fi.name) + '</h1><dl class="kv">' +
    kv('ID', esc(id)) + kv('User', esc(fi.user)) + kv('Principal', esc(fi.principal || '')) +
    kv('Roles', esc(fwRoles(f).join(', '))) +
    kv('Suppressed roles', supp ? esc(supp.join(', ') || 'none') : '<span class="muted">not reported by the master</span>') +
    kv('Connection', esc(fwConn(f)) + (M.completedFrameworks.has(id) ? ' (completed)' : '')) +
    kv('Failover timeout', esc((fi.failover_timeout || 0) + ' s')) +
    kv('Checkpoint', fi.checkpoint ? 'yes' : 'no') + kv('Hostname', esc(fi.hostname || '')) +
    (fi.webui_url ? kv('Web UI', '<a href="' + esc(fi.webui_url) + '">' + esc(fi.webui_url) + '</a>') : '') +
    kv('Capabilities', esc((fi.capabilities || []).map((c) => c.type).join(', '))) +
    kv('Registered', when(nanos(f.registered_time))) + kv('Reregistered', when(nanos(f.reregistered_time))) +
    kv('Allocated', resText(usedOf(id, f.allocated_resources))) + kv('Offered', resText(offeredOf(id, f.offered_resources))) + '</dl>';
  h += '<h2>Outstanding offers</h2>' + table('offers-' + id, [
    { title: 'Offer ID', text: (o) => val(o.id) },
    { title: 'Agent', text: (o) => agentHost(val(o.agent_id)), html: (o) => '<a href="#/agents/' + enc(val(o.agent_id)) + '">' + esc(agentHost(val(o.agent_id))) + '</a>' },
    { title: 'Resources', text: () => '', html: (o) => resText(o.resources) },
  ], f.offers || [], { empty: 'No outstanding offers' });
  h += '<h2>Tasks</h2>' + taskTable('fwtasks-' + id, fwTasks(id), false);
  return h;
}
function kv(k, v) { return '<dt>' + esc(k) + '</dt><dd>' + v + '</dd>'; }

function pageAgent(id) {
  const a = M.agents.get(id);
  if (!a) return '<h1>Agent ' + esc(id) + '</h1><p class="muted">Not registered with the leading master.</p>';
  const ai = a.agent_info;
  let h = '<h1>Agent ' + esc(ai.hostname + ':' + ai.port) + '</h1><dl class="kv">' +
    kv('ID', esc(id)) + kv('PID', esc(a.pid || '')) + kv('Active', a.active ? 'yes' : 'no') + kv('Version', esc(a.version || '')) +
    kv('Registered', when(nanos(a.registered_time))) + kv('Total', resText(a.total_resources)) +
    kv('Allocated', resText(usedOf(id, a.allocated_resources))) + kv('Offered', resText(offeredOf(id, a.offered_resources))) + kv('Free', freeText(a)) +
    kv('Attributes', esc((ai.attributes || []).map((x) => x.name + ':' + (x.text ? x.text.value : x.scalar ? x.scalar.value : '')).join(', '))) + '</dl>';
  h += '<h2>Executors</h2>' + table('execs-' + id, [
    { title: 'Executor ID', text: (e) => val(e.executor_info.executor_id) },
    { title: 'Framework', text: (e) => fwName(val(e.executor_info.framework_id)), html: (e) => '<a href="#/frameworks/' + enc(val(e.executor_info.framework_id)) + '">' + esc(fwName(val(e.executor_info.framework_id))) + '</a>' },
    { title: 'Name', text: (e) => e.executor_info.name || '' },
    { title: 'Command', text: (e) => ((e.executor_info.command || {}).value || '') },
  ], M.executors.filter((e) => val(e.agent_id) === id), { empty: 'No custom executors' });
  const tasks = [...M.tasks.values()].filter((t) => val(t.agent_id) === id);
  h += '<h2>Tasks</h2>' + taskTable('agenttasks-' + id, tasks, true);
  return h;
}

function pageTasks() {
  return '<h1>Tasks</h1>' + taskTable('alltasks', [...M.tasks.values()], true);
}

function pageTask(fwID, taskID) {
  const t = M.tasks.get(tkey(fwID, taskID));
  if (!t) return '<h1>Task ' + esc(taskID) + '</h1><p class="muted">Not known to the leading master.</p>';
  const ls = lastStatus(t) || {};
  const cs = ls.container_status || {};
  const ips = [];
  for (const s of t.statuses || []) for (const ni of (s.container_status || {}).network_infos || []) for (const ip of ni.ip_addresses || []) if (ip.ip_address && !ips.includes(ip.ip_address)) ips.push(ip.ip_address);
  let health = '<span class="muted">no health check</span>';
  const hs = [...(t.statuses || [])].reverse().find((s) => s.healthy !== undefined);
  if (hs) health = hs.healthy ? '<span class="ok">healthy</span>' : '<span class="bad">unhealthy</span>';
  else if (t.health_check) health = '<span class="muted">checked, no result yet</span>';
  const c = t.container || {};
  let h = '<h1>Task ' + esc(taskID) + ' ' + stateBadge(t.state) + '</h1><dl class="kv">' +
    kv('Name', esc(t.name || '')) +
    kv('Framework', '<a href="#/frameworks/' + enc(fwID) + '">' + esc(fwName(fwID)) + '</a>') +
    kv('Agent', '<a href="#/agents/' + enc(val(t.agent_id)) + '">' + esc(agentHost(val(t.agent_id))) + '</a>') +
    kv('Executor', esc(val(t.executor_id) || '(command executor)')) +
    kv('Health', health) +
    kv('Resources', resText(t.resources)) +
    kv('Container', esc(c.type ? c.type + (c.docker ? ' ' + c.docker.image : '') + ((c.mesos || {}).image ? ' image' : '') : 'none')) +
    kv('Container ID', esc(val(cs.container_id))) +
    kv('IP addresses', esc(ips.join(', ') || '—')) +
    kv('Networks', esc((c.network_infos || []).map((n) => n.name || '(default)').join(', ') || '—')) +
    (t.labels && t.labels.labels ? kv('Labels', esc(t.labels.labels.map((l) => l.key + '=' + (l.value || '')).join(', '))) : '') + '</dl>';
  if (t.fromReadonly) h += '<p class="muted">Known from /master/tasks only: the master\'s event stream did not carry this finished task, so reasons and messages are not shown.</p>';
  h += '<h2>Status history</h2>' + table('statuses-' + fwID + '/' + taskID, [
    { title: 'State', text: (s) => s.state, html: (s) => stateBadge(s.state) },
    { title: 'Time', sort: (s) => Number(s.timestamp), text: (s) => Number(s.timestamp), html: (s) => when(Number(s.timestamp)) },
    { title: 'Source', text: (s) => (s.source || '').replace(/^SOURCE_/, '') },
    { title: 'Reason', text: (s) => (s.reason || '').replace(/^REASON_/, '') },
    { title: 'Message', text: (s) => s.message || '' },
    { title: 'Healthy', text: (s) => (s.healthy === undefined ? '' : s.healthy ? 'yes' : 'no') },
  ], (t.statuses || []).map((s, i) => Object.assign({ i }, s)), { sort: 1, dir: 1 });
  h += '<h2>Sandbox</h2><div id="sandbox"></div>';
  return h;
}

// ---------- the sandbox: file list and a live tail through /files/read ----------
const sandbox = { key: '', files: null, file: '', offset: 0, text: '', error: '', timer: 0 };
function sandboxPath(t) {
  // The agent attaches every executor run at this virtual path too (src/slave/paths.cpp
  // getExecutorVirtualPath); a command task's executor has the task's id.
  return '/frameworks/' + val(t.framework_id) + '/executors/' + (val(t.executor_id) || val(t.task_id)) + '/runs/latest';
}
function sandboxFor(fwID, taskID) {
  const k = fwID + '/' + taskID;
  if (sandbox.key !== k) {
    clearTimeout(sandbox.timer);
    Object.assign(sandbox, { key: k, files: null, file: 'stdout', offset: 0, text: '', error: '' });
    tailSandbox(fwID, taskID, k);
  }
  drawSandbox(fwID, taskID);
}
async function tailSandbox(fwID, taskID, k) {
  const t = M.tasks.get(tkey(fwID, taskID));
  if (sandbox.key !== k) return;
  if (!t) { sandbox.timer = setTimeout(() => tailSandbox(fwID, taskID, k), 500); return; } // not synchronised yet
  const base = agentURL(val(t.agent_id)), dir = sandboxPath(t);
  try {
    if (!base) throw new Error('agent ' + val(t.agent_id) + ' is not registered');
    const files = await jsonp(base + '/files/browse?path=' + enc(dir));
    if (sandbox.key !== k) return;
    sandbox.files = files;
    for (let i = 0; i < 8; i++) { // bounded catch-up per tick
      const r = await jsonp(base + '/files/read?path=' + enc(dir + '/' + sandbox.file) + '&offset=' + sandbox.offset + '&length=65536');
      if (sandbox.key !== k) return;
      if (!r.data) break;
      sandbox.text += r.data;
      sandbox.offset = Number(r.offset) + r.data.length; // ASCII-safe; /files/read counts bytes
      if (sandbox.text.length > 200000) sandbox.text = sandbox.text.slice(-150000);
    }
    sandbox.error = '';
  } catch (e) {
    if (sandbox.key !== k) return;
    sandbox.error = e.message;
  }
  drawSandbox(fwID, taskID);
  sandbox.timer = setTimeout(() => tailSandbox(fwID, taskID, k), 1000);
}
function drawSandbox(fwID, taskID) {
  const el = document.getElementById('sandbox');
  if (!el || sandbox.key !== fwID + '/' + taskID) return;
  let h = '';
  if (sandbox.files) {
    h += table('files-' + sandbox.key, [
      { title: 'Path', text: (f) => f.path.split('/').pop() },
      { title: 'Mode', text: (f) => f.mode },
      { title: 'Size', num: true, sort: (f) => f.size, text: (f) => f.size },
      { title: 'Modified', sort: (f) => f.mtime, text: (f) => f.mtime, html: (f) => when(f.mtime) },
    ], sandbox.files, { empty: 'Empty sandbox' });
  }
  h += '<div class="tabs">' + ['stdout', 'stderr'].map((n) => '<button data-file="' + n + '" class="' + (sandbox.file === n ? 'on' : '') + '">' + n + '</button>').join('') + '</div>';
  if (sandbox.error) h += '<p class="bad">' + esc(sandbox.error) + '</p>';
  h += '<pre class="log" id="log">' + esc(sandbox.text) + '</pre>';
  const log = document.getElementById('log');
  const atEnd = !log || log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  el.innerHTML = h;
  const nl = document.getElementById('log');
  if (atEnd) nl.scrollTop = nl.scrollHeight;
}
document.addEventListener('click', (e) => {
  const b = e.target.closest('.tabs button[data-file]');
  if (!b) return;
  const [fwID, taskID] = [routeOf().parts[1], routeOf().parts[2]];
  clearTimeout(sandbox.timer);
  const k = sandbox.key;
  Object.assign(sandbox, { file: b.dataset.file, offset: 0, text: '' });
  tailSandbox(fwID, taskID, k);
});

// ---------- rendering ----------
let renderPending = false;
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  setTimeout(() => { renderPending = false; render(); }, 150);
}
let lastRender = 0;
function render() {
  const t0 = performance.now();
  const r = routeOf(), p = r.parts;
  let h;
  if (p[0] === 'frameworks' && p[1]) h = pageFramework(p[1]);
  else if (p[0] === 'agents' && p[1]) h = pageAgent(p[1]);
  else if (p[0] === 'tasks' && p[1] && p[2]) h = pageTask(p[1], p[2]);
  else if (p[0] === 'tasks') h = pageTasks();
  else h = pageOverview();
  const main = document.getElementById('main');
  const sb = document.getElementById('sandbox');
  main.innerHTML = h;
  if (p[0] === 'tasks' && p[1] && p[2]) {
    if (sb) document.getElementById('sandbox').replaceWith(sb);
    sandboxFor(p[1], p[2]);
  } else if (sandbox.key) { clearTimeout(sandbox.timer); sandbox.key = ''; }
  lastRender = performance.now() - t0;
  if (timing.parsed && !timing.rendered) { timing.rendered = performance.now(); timing.firstRenderMs = lastRender; }
  main.dataset.version = M.version;
  main.dataset.renderMs = lastRender.toFixed(1);
}
window.__console = { model: M, render, timing, lastRenderMs: () => lastRender };

// ---------- wiring ----------
const filterBox = document.getElementById('filter');
filterBox.value = routeOf().query.get('q') || '';
filterBox.addEventListener('input', () => {
  const r = routeOf(), q = filterBox.value.trim();
  const path = '#/' + r.parts.map(enc).join('/');
  history.replaceState(null, '', q ? path + '?q=' + enc(q) : path);
  for (const k of Object.keys(tableState)) tableState[k].page = 0;
  render();
});
window.addEventListener('hashchange', () => {
  const q = routeOf().query.get('q') || '';
  if (q !== filterBox.value) filterBox.value = q;
  render();
});
setInterval(() => {
  for (const el of document.querySelectorAll('time[data-ts]')) el.textContent = ago(Number(el.dataset.ts));
}, 5000);
setInterval(refreshSuppressed, 10000);
setInterval(refreshUsage, 3000);
setInterval(probeMasters, 5000);
probeMasters();
render();
start();
