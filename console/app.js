// Simpul console: plain JavaScript, no build step, nothing loaded from outside. It only calls the hub's own API
// (docs/api.md) with the OPD token kept in sessionStorage. Data is put on the page with textContent, never as HTML.
'use strict';

const T = {
  id: {
    skip: 'Langsung ke isi', purpose: 'Tujuan', signout: 'Keluar',
    'nav.citizens': 'Warga', 'nav.connectors': 'Konektor', 'nav.review': 'Tinjauan', 'nav.reconciliation': 'Rekonsiliasi', 'nav.data': 'Data', 'personMentions': 'Sebutan orang ini', 'schema': 'Skema', 'link': 'Tautan', 'grade': 'Tingkat',
    'data.title': 'Data: rekaman per skema', 'data.schema': 'Skema', 'data.field': 'Saring menurut', 'data.op': 'Syarat',
    'data.value': 'Nilai', 'data.like': 'diawali', 'data.csv': 'Unduh CSV', 'data.nofilter': '(tanpa saringan)',
    'data.hint': 'Hanya kolom yang diberikan kepada OPD ini. Membaca data pribadi dicatat di log audit dengan tujuan yang dipilih.',
    'data.shown': 'rekaman ditampilkan', 'data.more': '(ada lagi: unduh CSV untuk semuanya)', 'data.rows': 'baris',
    'nav.audit': 'Audit', 'nav.live': 'Langsung',
    'signin.title': 'Masuk dengan token OPD', 'signin.token': 'Token OPD', 'signin.go': 'Masuk',
    'signin.hint': 'Token disimpan hanya di sesi tab ini (sessionStorage), tidak pernah di alamat URL.',
    'citizens.title': 'Cari warga', 'citizens.byNik': 'Menurut NIK', 'citizens.byName': 'Menurut nama dan tanggal lahir',
    'citizens.more': 'Ada lebih banyak warga dengan nama ini: persempit dengan tanggal lahir.',
    nik: 'NIK', name: 'Nama', birthdate: 'Tanggal lahir', search: 'Cari', show: 'Tampilkan', all: 'Semua', year: 'Tahun anggaran',
    'connectors.title': 'Konektor', 'connectors.runs': 'Jalannya terakhir', 'connectors.dlq': 'Antrean surat mati (baris yang ditolak)',
    'review.title': 'Tinjauan kecocokan orang',
    'review.hint': 'Setiap kartu: sebutan dan calon orangnya berdampingan, dengan bukti per kolom dan skor.',
    'rekon.title': 'Rekonsiliasi perencanaan ↔ anggaran ↔ realisasi', 'rekon.csv': 'Unduh CSV', 'rekon.findingsCsv': 'Unduh temuan (CSV)', 'rekon.findings': 'Temuan',
    'rekon.kind': 'Jenis', 'rekon.skpd': 'SKPD',
    'recip.title': 'Pemadanan penerima', 'recip.go': 'Periksa penerima', 'recip.csv': 'Unduh hasil (CSV)',
    'recip.hint': 'Baris SP2D ke perorangan (bantuan sosial) dibandingkan dengan data kependudukan: penerima yang sudah meninggal atau pindah pada tanggal SP2D, atau tidak ada di registri. Memeriksa ini membaca data pribadi: dicatat di log audit dengan tujuan yang dipilih.',
    'recip.checked': 'baris diperiksa', 'recip.line': 'Baris SP2D', 'recip.date': 'Tanggal SP2D', 'recip.none': 'Semua penerima cocok dengan registri.',
    'audit.title': 'Siapa membaca data seseorang', 'audit.verify': 'Periksa rantai audit', 'audit.who': 'NIK atau ID orang',
    'audit.report': 'Laporan untuk warga (UU PDP Pasal 32)', 'report.title': 'Laporan data pribadi',
    'report.intro': 'Data yang disimpan hub tentang orang ini, catatan yang menyebutnya, dan siapa membacanya (UU 27/2022 Pasal 32).',
    'report.data': 'Data diri', 'report.records': 'Catatan yang menyebut orang ini', 'report.access': 'Siapa membaca datanya',
    'report.withheld': 'Disembunyikan (data orang lain, UU PDP Pasal 33):', 'report.print': 'Cetak', 'report.made': 'Dibuat',
    'report.versions': 'versi', 'report.received': 'diterima',
    'live.title': 'Langsung: topik dan kejadian terbaru', 'live.topic': 'Ikuti topik',
    footer: 'Setiap pembacaan data pribadi dicatat di log audit (UU PDP).',
    loading: 'Memuat…', signedIn: 'Masuk sebagai', badToken: 'Token tidak dikenal, dicabut, atau kedaluwarsa.',
    field: 'Kolom', value: 'Nilai', source: 'Sumber', person: 'Orang', status: 'Status', found: 'ditemukan',
    noneFound: 'Tidak ada yang cocok.', permits: 'Izin', businesses: 'Usaha', disbursements: 'Pencairan (SP2D)',
    connector: 'Konektor', kind: 'Jenis', schemas: 'Skema', schedule: 'Jadwal', lastRun: 'Jalan terakhir', state: 'Posisi tersimpan',
    run: 'Jalan', trigger: 'Pemicu', started: 'Mulai', read: 'Dibaca', accepted: 'Diterima', unchanged: 'Tak berubah',
    dead: 'Ditolak', rate: 'baris/dtk', error: 'Galat', file: 'Berkas', line: 'Baris', reason: 'Alasan', seen: 'Terlihat',
    retry: 'Coba lagi', resolved: 'Berhasil diproses ulang.', stillFails: 'Masih gagal:', noDead: 'Tidak ada baris yang ditolak.',
    clash: 'Yang bertentangan dengan pemegang NIK ini', mention: 'Sebutan', candidate: 'Calon orang', evidence: 'Bukti', level: 'Tingkat', weight: 'Bobot', score: 'Skor',
    same: 'Orang yang sama', different: 'Orang berbeda', decided: 'Keputusan disimpan:', emptyQueue: 'Antrean tinjauan kosong.',
    noCandidate: 'Tanpa calon orang.', runnerUp: 'Calon kedua (skor mirip)', sameAsRunnerUp: 'Sama dengan calon kedua', plan: 'Rencana', budget: 'Anggaran', realisation: 'Realisasi', absorption: 'Serapan',
    amount: 'Jumlah', message: 'Keterangan', subActivity: 'Sub kegiatan', csvSaved: 'CSV diunduh.',
    at: 'Waktu', opd: 'OPD', route: 'Rute', result: 'Hasil', noAccess: 'Belum ada yang membaca data orang ini.',
    chainOk: 'Rantai audit utuh', entries: 'entri', chainBad: 'Rantai audit RUSAK pada entri',
    chainHead: 'Kepala rantai (simpan di luar hub untuk pemeriksaan berikutnya): entri',
    topic: 'Topik', lastSeq: 'Urutan terakhir', waiting: 'Menunggu kejadian baru…', chartLabel: 'Rencana, anggaran dan realisasi per SKPD',
    every: 'setiap', seconds: 'dtk', none: '—', notGranted: 'OPD ini tidak diberi akses ke bagian ini.',
    runNow: 'Jalankan', runStarted: 'dimulai', runEnded: 'selesai:',
  },
  en: {
    skip: 'Skip to content', purpose: 'Purpose', signout: 'Sign out',
    'nav.citizens': 'Citizens', 'nav.connectors': 'Connectors', 'nav.review': 'Review', 'nav.reconciliation': 'Reconciliation', 'nav.data': 'Data', 'personMentions': "This person's mentions", 'schema': 'Schema', 'link': 'Link', 'grade': 'Grade',
    'data.title': 'Data: records by schema', 'data.schema': 'Schema', 'data.field': 'Filter by', 'data.op': 'Condition',
    'data.value': 'Value', 'data.like': 'starts with', 'data.csv': 'Download CSV', 'data.nofilter': '(no filter)',
    'data.hint': 'Only the fields granted to this OPD. Reading personal data is recorded in the audit log with the purpose chosen.',
    'data.shown': 'records shown', 'data.more': '(there are more: download the CSV for all of them)', 'data.rows': 'rows',
    'nav.audit': 'Audit', 'nav.live': 'Live',
    'signin.title': 'Sign in with an OPD token', 'signin.token': 'OPD token', 'signin.go': 'Sign in',
    'signin.hint': 'The token is kept only in this tab\'s session (sessionStorage), never in the URL.',
    'citizens.title': 'Find a citizen', 'citizens.byNik': 'By NIK', 'citizens.byName': 'By name and birth date',
    'citizens.more': 'More citizens have this name: narrow the search by birth date.',
    nik: 'NIK', name: 'Name', birthdate: 'Birth date', search: 'Search', show: 'Show', all: 'All', year: 'Fiscal year',
    'connectors.title': 'Connectors', 'connectors.runs': 'Recent runs', 'connectors.dlq': 'Dead-letter queue (rejected rows)',
    'review.title': 'Person match review',
    'review.hint': 'Each card: the mention and its candidate person side by side, with per-field evidence and the score.',
    'rekon.title': 'Reconciliation: plan ↔ budget ↔ realisation', 'rekon.csv': 'Download CSV', 'rekon.findingsCsv': 'Download findings (CSV)', 'rekon.findings': 'Findings',
    'rekon.kind': 'Kind', 'rekon.skpd': 'SKPD',
    'recip.title': 'Recipient check', 'recip.go': 'Check recipients', 'recip.csv': 'Download results (CSV)',
    'recip.hint': 'SP2D lines paid to individuals (social aid) checked against the population registry: recipients who had died or moved away by the SP2D date, or are not in the registry. Checking reads personal data: it is recorded in the audit log with the purpose chosen.',
    'recip.checked': 'lines checked', 'recip.line': 'SP2D line', 'recip.date': 'SP2D date', 'recip.none': 'Every recipient matches the registry.',
    'audit.title': 'Who read a person\'s data', 'audit.verify': 'Verify the audit chain', 'audit.who': 'NIK or person id',
    'audit.report': 'Report for the citizen (UU PDP art. 32)', 'report.title': 'Personal data report',
    'report.intro': 'What the hub holds about this person, the records that name them, and who read it (UU 27/2022 art. 32).',
    'report.data': 'Personal data', 'report.records': 'Records that name this person', 'report.access': 'Who read their data',
    'report.withheld': 'Withheld (other persons\' data, UU PDP art. 33):', 'report.print': 'Print', 'report.made': 'Made',
    'report.versions': 'versions', 'report.received': 'received',
    'live.title': 'Live: topics and recent events', 'live.topic': 'Follow topic',
    footer: 'Every read of personal data is recorded in the audit log (UU PDP).',
    loading: 'Loading…', signedIn: 'Signed in as', badToken: 'Unknown, revoked or expired token.',
    field: 'Field', value: 'Value', source: 'Source', person: 'Person', status: 'Status', found: 'found',
    noneFound: 'Nothing matches.', permits: 'Permits', businesses: 'Businesses', disbursements: 'Disbursements (SP2D)',
    connector: 'Connector', kind: 'Kind', schemas: 'Schemas', schedule: 'Schedule', lastRun: 'Last run', state: 'Saved state',
    run: 'Run', trigger: 'Trigger', started: 'Started', read: 'Read', accepted: 'Accepted', unchanged: 'Unchanged',
    dead: 'Dead-lettered', rate: 'rows/s', error: 'Error', file: 'File', line: 'Line', reason: 'Reason', seen: 'Seen',
    retry: 'Retry', resolved: 'Re-processed successfully.', stillFails: 'Still fails:', noDead: 'No rejected rows.',
    clash: 'What clashes with this NIK\'s holder', mention: 'Mention', candidate: 'Candidate person', evidence: 'Evidence', level: 'Level', weight: 'Weight', score: 'Score',
    same: 'Same person', different: 'Different people', decided: 'Decision saved:', emptyQueue: 'The review queue is empty.',
    noCandidate: 'No candidate person.', runnerUp: 'Second candidate (scores alike)', sameAsRunnerUp: 'Same as the second candidate', plan: 'Plan', budget: 'Budget', realisation: 'Realisation', absorption: 'Absorption',
    amount: 'Amount', message: 'Message', subActivity: 'Sub-activity', csvSaved: 'CSV downloaded.',
    at: 'When', opd: 'OPD', route: 'Route', result: 'Result', noAccess: 'Nobody has read this person\'s data yet.',
    chainOk: 'Audit chain intact', entries: 'entries', chainBad: 'Audit chain BROKEN at entry',
    chainHead: 'Chain head (keep it outside the hub for later checks): entry',
    topic: 'Topic', lastSeq: 'Last sequence', waiting: 'Waiting for new events…', chartLabel: 'Plan, budget and realisation per SKPD',
    every: 'every', seconds: 's', none: '—', notGranted: 'This OPD was not granted this part.',
    runNow: 'Run now', runStarted: 'started', runEnded: 'finished:',
  },
};

const S = {
  lang: sessionStorage.getItem('simpul.lang') || 'id',
  token: sessionStorage.getItem('simpul.token'),
  purpose: sessionStorage.getItem('simpul.purpose'),
  me: null,
  view: null,
  live: null,        // AbortController of the running long poll
  topicTimer: null,
  rekon: null,
};

const $ = (id) => document.getElementById(id);
const t = (k) => (T[S.lang] && T[S.lang][k]) || T.id[k] || k;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function svg(tag, attrs, ...children) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children.flat()) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function status(msg, isError) {
  const s = $('status');
  s.textContent = msg || '';
  s.classList.toggle('error', !!isError);
}

function text(v) {
  if (v === null || v === undefined || v === '') return t('none');
  if (Array.isArray(v)) return v.map(text).join('; ');
  if (typeof v === 'object') {
    const name = v.nama || v.judul || v.kode || v.jenis_izin;
    if (name) return [name, v.jabatan || v.kode && v.nama ? v.jabatan || v.kode : null].filter(Boolean).join(' · ');
    return JSON.stringify(v);
  }
  return String(v);
}

/// Exact decimal text ("1250000.00") grouped for reading; never through a binary float.
function money(v) {
  if (v === null || v === undefined) return t('none');
  const s = String(v);
  const neg = s.startsWith('-');
  const [i, f] = (neg ? s.slice(1) : s).split('.');
  const sep = S.lang === 'id' ? '.' : ',';
  const dec = S.lang === 'id' ? ',' : '.';
  const g = i.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  return (neg ? '-' : '') + 'Rp ' + g + (f ? dec + f : '');
}

/// A table in a keyboard-scrollable region. columns: [{key, label, num, render}]
function table(caption, columns, rows) {
  const head = el('tr', null, columns.map((c) => el('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)));
  const body = rows.map((r) => el('tr', null, columns.map((c) => {
    const v = c.render ? c.render(r) : text(r[c.key]);
    return el('td', { class: c.num ? 'num' : null }, v);
  })));
  return el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': caption },
    el('table', null, el('caption', { hidden: true }, caption), el('thead', null, head), el('tbody', null, body)));
}

function badge(s) { return el('span', { class: 'badge ' + s }, s); }

class APIError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, opts = {}) {
  const headers = { Authorization: 'Bearer ' + S.token };
  if (S.purpose) headers['X-Purpose'] = S.purpose;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, {
    method: opts.method || 'GET', headers, signal: opts.signal,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  if (!r.ok) {
    let msg = r.status + ' ' + r.statusText;
    try { const j = await r.json(); if (j.error && j.error.message) msg = j.error.message; } catch (_) { /* not JSON */ }
    throw new APIError(r.status, msg);
  }
  return opts.raw ? r : r.json();
}

function fail(e) {
  if (e && e.name === 'AbortError') return;
  if (e instanceof APIError && e.status === 401) { signOut(); status(t('badToken'), true); return; }
  status(e && e.message ? e.message : String(e), true);
}

// ---- language

function applyLang() {
  document.documentElement.lang = S.lang;
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.getAttribute('data-i18n'));
  $('lang').textContent = S.lang === 'id' ? 'EN' : 'ID';
  $('lang').setAttribute('aria-label', S.lang === 'id' ? 'Switch to English' : 'Ganti ke Bahasa Indonesia');
  document.title = 'Simpul — ' + (S.lang === 'id' ? 'konsol' : 'console');
}

// ---- sign in

const VIEW_GRANT = { citizens: 'citizen', connectors: 'connectors', review: 'persons', reconciliation: 'reconciliation', data: '#schema', audit: 'audit', live: null };
/// Grants that are not schemas (docs/api.md).
const SCOPES = ['reconciliation', 'audit', 'ingest', 'persons', 'connectors'];

function granted(scope) {
  if (!S.me) return false;
  if (!scope) return true;
  const g = S.me.grants || {};
  if (scope === '#schema') return Object.keys(g).some((k) => !SCOPES.includes(k));
  return g['*'] !== undefined || g[scope] !== undefined;
}

async function signIn(token) {
  S.token = token;
  try {
    S.me = await api('/v1/me');
  } catch (e) {
    S.token = null;
    sessionStorage.removeItem('simpul.token');
    fail(e instanceof APIError && e.status === 401 ? new Error(t('badToken')) : e);
    return false;
  }
  sessionStorage.setItem('simpul.token', token);
  const sel = $('purpose');
  sel.replaceChildren(...S.me.purposes.map((p) => el('option', { value: p }, p)));
  if (!S.me.purposes.includes(S.purpose)) S.purpose = S.me.purposes[0] || null;
  if (S.purpose) { sel.value = S.purpose; sessionStorage.setItem('simpul.purpose', S.purpose); }
  $('purpose-box').hidden = false;
  $('signout').hidden = false;
  $('nav').hidden = false;
  $('who').textContent = '· ' + S.me.opd;
  for (const b of document.querySelectorAll('#nav button')) b.hidden = !granted(VIEW_GRANT[b.dataset.view]);
  $('audit-report-go').hidden = !granted('persons');
  // The recipient check shows registry status: the reconciliation grant and that field both.
  const grants = S.me.grants || {}, cf = grants.citizen;
  $('recipients').hidden = !(granted('reconciliation') && (grants['*'] !== undefined || cf === '*' || (Array.isArray(cf) && cf.includes('status_penduduk'))));
  status(t('signedIn') + ' ' + S.me.opd);
  const first = [...document.querySelectorAll('#nav button')].find((b) => !b.hidden);
  show(first ? first.dataset.view : 'live');
  return true;
}

function signOut() {
  stopLive();
  S.token = null; S.me = null;
  sessionStorage.removeItem('simpul.token');
  $('nav').hidden = true; $('purpose-box').hidden = true; $('signout').hidden = true; $('who').textContent = '';
  show('signin');
}

// ---- views

function show(view) {
  stopLive();
  S.view = view;
  for (const s of document.querySelectorAll('.view')) s.hidden = s.id !== 'view-' + view;
  for (const b of document.querySelectorAll('#nav button')) {
    if (b.dataset.view === view) b.setAttribute('aria-current', 'page'); else b.removeAttribute('aria-current');
  }
  const load = LOADERS[view];
  if (load) load().catch(fail);
  const h = document.querySelector('#view-' + view + ' h1');
  if (h && view !== 'signin') { h.setAttribute('tabindex', '-1'); h.focus(); }
}

const LOADERS = {
  connectors: loadConnectors,
  review: loadReview,
  reconciliation: () => loadRekon(Number($('tahun').value) || 2024),
  data: loadData,
  live: startLive,
};

// ---- citizens

async function findByNik(nik) {
  status(t('loading'));
  $('citizen-results').replaceChildren();
  const d = await api('/v1/citizens/' + encodeURIComponent(nik));
  renderCitizen(d);
  status('');
}

async function findByName(nama, tgl) {
  status(t('loading'));
  const q = new URLSearchParams({ nama });
  if (tgl) q.set('tanggal_lahir', tgl);
  const d = await api('/v1/citizens?' + q.toString());
  const list = d.citizens || [];
  $('citizen-detail').replaceChildren();
  if (!list.length) { $('citizen-results').replaceChildren(el('p', null, t('noneFound'))); status(''); return; }
  $('citizen-results').replaceChildren(table(t('citizens.byName'), [
    { key: 'nik', label: t('nik'), render: (r) => r.nik ? el('button', { type: 'button', class: 'secondary', onclick: () => findByNik(r.nik).catch(fail) }, r.nik) : t('none') },
    { key: 'nama', label: t('name') },
    { key: 'tanggal_lahir', label: t('birthdate') },
    { key: 'kode_wilayah', label: 'Kode wilayah' },
  ], list));
  // More matched than the answer holds: say so, and how to narrow the search.
  if (d.more) $('citizen-results').append(el('p', { class: 'hint' }, t('citizens.more')));
  status(list.length + ' ' + t('found') + (d.more ? ' (+)' : ''));
}

function provenanceText(p) {
  if (!p) return t('none');
  if (typeof p !== 'object') return String(p);
  const parts = [p.connector, p.source_key || p.key, p.version !== undefined ? 'v' + p.version : null].filter(Boolean);
  return parts.length ? parts.join(' · ') : JSON.stringify(p);
}

function recordsTable(title, rows) {
  const keys = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
  const shown = keys.filter((k) => !['catatan'].includes(k)).slice(0, 10);
  return [el('h3', null, title + ' (' + rows.length + ')'),
    table(title, shown.map((k) => ({ key: k, label: k, num: /nilai|retribusi|pagu/.test(k), render: /nilai|retribusi|pagu/.test(k) ? (r) => money(r[k]) : undefined })), rows)];
}

function renderCitizen(d) {
  const c = d.citizen || {};
  const prov = d.provenance || {};
  const rows = Object.keys(c).sort().map((k) => ({ field: k, value: c[k], source: prov[k] !== undefined ? prov[k] : (d.source || null) }));
  const parts = [
    el('h2', null, text(c.nama || d.nik) + ' — ' + d.nik),
    d.person_id ? el('p', null, t('person') + ': ' + d.person_id + ' · ' + t('status') + ': ' + text(d.status)) : null,
    table(t('citizens.title'), [
      { key: 'field', label: t('field') },
      { key: 'value', label: t('value') },
      { key: 'source', label: t('source'), render: (r) => provenanceText(r.source) },
    ], rows),
  ];
  for (const [k, label] of [['permits', t('permits')], ['businesses', t('businesses')], ['disbursements', t('disbursements')]]) {
    if (Array.isArray(d[k]) && d[k].length) parts.push(...recordsTable(label, d[k]));
  }
  $('citizen-detail').replaceChildren(el('div', { class: 'card' }, parts));
}

// ---- connectors

async function loadConnectors() {
  status(t('loading'));
  const [cs, runs, dlq] = await Promise.all([api('/v1/connectors'), api('/v1/connectors/runs?limit=20'), api('/v1/dlq?limit=50')]);
  $('connector-list').replaceChildren(table(t('connectors.title'), [
    { key: 'name', label: t('connector') },
    { key: 'kind', label: t('kind') },
    { key: 'schemas', label: t('schemas') },
    { key: 'every_seconds', label: t('schedule'), render: (r) => r.every_seconds ? t('every') + ' ' + r.every_seconds + ' ' + t('seconds') : t('none') },
    { key: 'last_run', label: t('lastRun'), render: (r) => r.last_run ? el('span', null, badge(r.last_run.status), ' ', text(r.last_run.read) + ' / ' + text(r.last_run.accepted)) : t('none') },
    { key: 'state', label: t('state') },
    { key: 'run', label: t('run'), render: (r) => r.kind === 'files' || !r.kind ? t('none')
      : el('button', { type: 'button', class: 'secondary', 'aria-label': t('runNow') + ' ' + r.name, onclick: (ev) => runNow(r.name, ev.target) }, t('runNow')) },
  ], cs.connectors));
  $('run-list').replaceChildren(table(t('connectors.runs'), [
    { key: 'id', label: t('run'), num: true },
    { key: 'connector', label: t('connector') },
    { key: 'kind', label: t('kind') },
    { key: 'trigger', label: t('trigger') },
    { key: 'started_at', label: t('started'), render: (r) => new Date(r.started_at * 1000).toLocaleString(S.lang === 'id' ? 'id-ID' : 'en-GB') },
    { key: 'status', label: t('status'), render: (r) => badge(r.status) },
    { key: 'read', label: t('read'), num: true },
    { key: 'accepted', label: t('accepted'), num: true },
    { key: 'unchanged', label: t('unchanged'), num: true },
    { key: 'dead_lettered', label: t('dead'), num: true },
    { key: 'rate', label: t('rate'), num: true, render: (r) => (r.seconds > 0 && r.read !== null) ? String(Math.round(r.read / r.seconds)) : t('none') },
    { key: 'error', label: t('error') },
  ], runs.runs));
  renderDLQ(dlq.dead_letters);
  status('');
}

function renderDLQ(list) {
  if (!list.length) { $('dlq-list').replaceChildren(el('p', null, t('noDead'))); return; }
  $('dlq-list').replaceChildren(table(t('connectors.dlq'), [
    { key: 'id', label: '#', num: true },
    { key: 'connector', label: t('connector') },
    { key: 'file', label: t('file'), render: (r) => text(r.file ? r.file.split('/').pop() : null) },
    { key: 'line', label: t('line'), num: true },
    { key: 'field', label: t('field') },
    { key: 'reason', label: t('reason') },
    { key: 'seen', label: t('seen'), num: true },
    { key: 'retry', label: t('retry'), render: (r) => r.retryable
      ? el('button', { type: 'button', class: 'secondary', 'aria-label': t('retry') + ' #' + r.id, onclick: (ev) => retryDead(r.id, ev.target) }, t('retry'))
      : t('none') },
  ], list));
}

/// Starts a sync now, then follows its run until it ends.
async function runNow(name, button) {
  button.disabled = true;
  try {
    const r = await api('/v1/connectors/' + encodeURIComponent(name) + '/run', { method: 'POST', body: {} });
    status(name + ': ' + t('run') + ' ' + r.run_id + ' ' + t('runStarted'));
    for (let i = 0; i < 120; i++) {
      await new Promise((ok) => setTimeout(ok, 500));
      const d = await api('/v1/connectors/runs?connector=' + encodeURIComponent(name) + '&limit=5');
      const run = (d.runs || []).find((x) => x.id === r.run_id);
      if (run && run.status !== 'running') {
        await loadConnectors();
        status(name + ': ' + t('run') + ' ' + run.id + ' ' + t('runEnded') + ' ' + run.status
          + (run.read !== null ? ' — ' + t('read') + ' ' + run.read + ', ' + t('accepted') + ' ' + run.accepted : '')
          + (run.error ? ' — ' + run.error : ''), run.status !== 'ok');
        return;
      }
    }
  } catch (e) { fail(e); }
  button.disabled = false;
}

async function retryDead(id, button) {
  button.disabled = true;
  try {
    const r = await api('/v1/dlq/' + id + '/retry', { method: 'POST', body: {} });
    status(r.resolved ? '#' + id + ': ' + t('resolved') : '#' + id + ': ' + t('stillFails') + ' ' + r.reason, !r.resolved);
    await loadConnectors();
    if (!r.resolved) status('#' + id + ': ' + t('stillFails') + ' ' + r.reason, true);
  } catch (e) { fail(e); button.disabled = false; }
}

// ---- review

async function loadReview() {
  status(t('loading'));
  const d = await api('/v1/persons/review?limit=20');
  const items = d.review || [];
  if (!items.length) { $('review-list').replaceChildren(el('p', null, t('emptyQueue'))); status(''); return; }
  $('review-list').replaceChildren(...items.map(reviewCard));
  status(items.length + ' ' + t('found'));
}

function kv(title, obj) {
  const rows = Object.keys(obj || {}).sort().map((k) => ({ field: k, value: obj[k] }));
  return table(title, [{ key: 'field', label: t('field') }, { key: 'value', label: t('value') }], rows);
}

function reviewCard(it) {
  const ev = it.evidence || {};
  const fields = ev.fields || {};
  const evRows = Object.keys(fields).sort().map((k) => ({ field: k, level: fields[k].level, weight: fields[k].weight }));
  const cand = it.candidate;
  const card = el('article', { class: 'card review', 'aria-label': t('mention') + ' ' + it.mention });
  const second = it.runner_up;
  const decide = async (rule, person) => {
    for (const b of card.querySelectorAll('button')) b.disabled = true;
    try {
      await api('/v1/persons/' + rule, { method: 'POST', body: { mention: it.mention, person: (person || cand).person_id } });
      status(t('decided') + ' ' + it.mention + ' — ' + (rule === 'link' ? t('same') : t('different')));
      card.remove();
      if (!document.querySelector('#review-list .review')) $('review-list').replaceChildren(el('p', null, t('emptyQueue')));
    } catch (e) { fail(e); for (const b of card.querySelectorAll('button')) b.disabled = false; }
  };
  // `append` would write a missing part (null) as the text "null": only the parts there are.
  card.append(...[
    el('h2', null, it.mention, ' ', badge(it.kind)),
    el('div', { class: 'pair' },
      el('div', null, el('h3', null, t('mention')), kv(t('mention'), it.mention_data)),
      el('div', null, el('h3', null, t('candidate') + (cand ? ' ' + cand.person_id : '')), cand ? kv(t('candidate'), cand.golden) : el('p', null, t('noCandidate')))),
    second ? el('div', { class: 'pair' }, el('div'),
      el('div', null, el('h3', null, t('runnerUp') + ' ' + second.person_id + ' — ' + t('score') + ' ' + text(second.score)),
        kv(t('runnerUp'), second.golden))) : null,
    evRows.length ? el('h3', null, t('evidence') + ' — ' + t('score') + ' ' + text(ev.score)) : null,
    evRows.length ? table(t('evidence'), [
      { key: 'field', label: t('field') }, { key: 'level', label: t('level') },
      { key: 'weight', label: t('weight'), num: true },
    ], evRows) : null,
    ev.rule ? el('p', { class: 'hint' }, ev.rule) : null,
    // A conflict: what this record says against the person holding its NIK (sex, birth date, or the name).
    ev.clash ? el('h3', null, t('clash')) : null,
    ev.clash ? kv(t('clash'), ev.clash) : null,
    cand ? personMentions(cand.person_id) : null,
    cand ? el('div', { class: 'actions' },
      el('button', { type: 'button', onclick: () => decide('link') }, t('same')),
      second ? el('button', { type: 'button', onclick: () => decide('link', second) }, t('sameAsRunnerUp')) : null,
      el('button', { type: 'button', class: 'danger', onclick: () => decide('unlink') }, t('different'))) : null,
  ].filter((part) => part !== null));
  return card;
}

/// A button that shows every mention linked to the person, and how each was linked (GET /v1/persons/{id}).
function personMentions(id) {
  const box = el('div', { class: 'person-mentions' });
  const button = el('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false' }, t('personMentions'));
  button.addEventListener('click', async () => {
    if (button.getAttribute('aria-expanded') === 'true') {
      box.replaceChildren();
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    try {
      const p = await api('/v1/persons/' + encodeURIComponent(id));
      box.replaceChildren(table(t('personMentions') + ' ' + id, [
        { key: 'key', label: t('mention') }, { key: 'schema', label: t('schema') },
        { key: 'link', label: t('link') }, { key: 'grade', label: t('grade') },
      ], p.mentions || []));
      button.setAttribute('aria-expanded', 'true');
    } catch (e) { fail(e); }
  });
  return el('div', null, button, box);
}

// ---- reconciliation

async function loadRekon(year) {
  status(t('loading'));
  const d = await api('/v1/reconciliation?tahun=' + encodeURIComponent(year));
  S.rekon = d;
  const tot = d.totals || {};
  $('rekon-totals').replaceChildren(el('div', { class: 'totals' },
    el('div', null, t('plan'), el('b', null, money(tot.plan))),
    el('div', null, t('budget'), el('b', null, money(tot.budget))),
    el('div', null, t('realisation'), el('b', null, money(tot.realisation)))));
  const skpd = (d.rollup || []).filter((r) => r.level === 'skpd');
  $('rekon-chart').replaceChildren(el('div', { class: 'card chart' }, chart(skpd),
    table(t('rekon.skpd'), [
      { key: 'kode', label: 'Kode' }, { key: 'nama', label: t('rekon.skpd') },
      { key: 'plan', label: t('plan'), num: true, render: (r) => money(r.plan) },
      { key: 'budget_in_force', label: t('budget'), num: true, render: (r) => money(r.budget_in_force) },
      { key: 'realisation', label: t('realisation'), num: true, render: (r) => money(r.realisation) },
      { key: 'absorption_pct', label: t('absorption'), num: true, render: (r) => text(r.absorption_pct) + ' %' },
    ], skpd)));
  const kinds = [...new Set((d.findings || []).map((f) => f.kind))].sort();
  const skpds = [...new Set((d.findings || []).map((f) => f.kode_skpd).filter(Boolean))].sort();
  $('f-kind').replaceChildren(el('option', { value: '' }, t('all')), ...kinds.map((k) => el('option', { value: k }, k)));
  $('f-skpd').replaceChildren(el('option', { value: '' }, t('all')), ...skpds.map((k) => el('option', { value: k }, k)));
  renderFindings();
  status('');
}

/// Horizontal bars per SKPD: plan, budget in force, realisation, on one scale; drawn here as SVG.
function chart(rows) {
  const W = 760, label = 230, barH = 12, gap = 4, groupH = 3 * (barH + gap) + 14;
  const H = Math.max(40, rows.length * groupH + 30);
  const max = Math.max(1, ...rows.flatMap((r) => [Number(r.plan || 0), Number(r.budget_in_force || 0), Number(r.realisation || 0)]));
  const scale = (v) => Math.max(0, (Number(v || 0) / max) * (W - label - 70));
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('chartLabel') });
  s.append(svg('title', null, t('chartLabel')));
  rows.forEach((r, i) => {
    const y = 10 + i * groupH;
    s.append(svg('text', { x: 0, y: y + barH + 4, 'font-size': 12, fill: '#1b1f24' }, (r.nama || r.kode).slice(0, 34)));
    [['plan', r.plan, '#0b4f8a'], ['budget', r.budget_in_force, '#6b4fa3'], ['realisation', r.realisation, '#1e6b34']].forEach(([k, v, colour], j) => {
      const by = y + j * (barH + gap);
      s.append(svg('rect', { x: label, y: by, width: scale(v), height: barH, fill: colour }, svg('title', null, t(k) + ': ' + money(v))));
      if (k === 'realisation') s.append(svg('text', { x: label + scale(v) + 4, y: by + barH - 2, 'font-size': 11, fill: '#1b1f24' }, text(r.absorption_pct) + ' %'));
    });
  });
  const legend = el('div', { class: 'legend', 'aria-hidden': 'true' },
    el('span', null, el('i', { class: 'lg-plan' }), t('plan')),
    el('span', null, el('i', { class: 'lg-budget' }), t('budget')),
    el('span', null, el('i', { class: 'lg-real' }), t('realisation')));
  return el('div', null, legend, s);
}

function renderFindings() {
  const d = S.rekon;
  if (!d) return;
  const kind = $('f-kind').value, skpd = $('f-skpd').value;
  const list = (d.findings || []).filter((f) => (!kind || f.kind === kind) && (!skpd || f.kode_skpd === skpd));
  $('rekon-findings').replaceChildren(list.length ? table(t('rekon.findings'), [
    { key: 'kind', label: t('kind') },
    { key: 'kode_skpd', label: t('rekon.skpd') },
    { key: 'kode_sub_kegiatan', label: t('subActivity') },
    { key: 'amount', label: t('amount'), num: true, render: (r) => money(r.amount) },
    { key: 'message', label: t('message') },
  ], list) : el('p', null, t('noneFound')));
}

function saveFile(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

/// Pemadanan penerima (GET /v1/reconciliation/recipients): personal, so it runs only when asked, with the purpose.
async function checkRecipients() {
  status(t('loading'));
  const year = Number($('tahun').value) || 2024;
  const d = await api('/v1/reconciliation/recipients?tahun=' + year);
  const list = d.findings || [];
  const totals = d.totals || {};
  $('recip-result').replaceChildren(
    el('div', { class: 'totals' }, ...Object.keys(totals).sort().map((k) => el('div', null, k, el('b', null, totals[k].lines + ' · ' + money(totals[k].amount))))),
    list.length ? table(t('recip.title'), [
      { key: 'kind', label: t('kind') }, { key: 'source_key', label: t('recip.line') }, { key: 'tgl_sp2d', label: t('recip.date') },
      { key: 'amount', label: t('amount'), num: true, render: (r) => money(r.amount) },
      { key: 'person_id', label: t('person') }, { key: 'message', label: t('message') },
    ], list) : el('p', null, t('recip.none')));
  status(d.checked.lines + ' ' + t('recip.checked'));
}

async function downloadRecipients() {
  const year = Number($('tahun').value) || 2024;
  const r = await api('/v1/reconciliation/recipients?tahun=' + year + '&format=csv', { raw: true });
  saveFile(await r.blob(), 'pemadanan-penerima-' + year + '.csv');
  status(t('csvSaved'));
}

async function downloadCSV(findings) {
  const year = Number($('tahun').value) || 2024;
  const r = await api('/v1/reconciliation?tahun=' + year + '&format=csv' + (findings ? '&findings=true' : ''), { raw: true });
  saveFile(await r.blob(), (findings ? 'temuan-' : 'rekonsiliasi-') + year + '.csv');
  status(t('csvSaved'));
}

// ---- data: one schema's records, filtered, shown and downloaded as CSV

async function loadData() {
  if (!S.schemas) S.schemas = (await api('/v1/schemas')).schemas;
  const g = S.me.grants || {};
  const names = S.schemas.filter((n) => g['*'] !== undefined || g[n] !== undefined);
  const sel = $('d-schema');
  const keep = sel.value;
  sel.replaceChildren(...names.map((n) => el('option', { value: n }, n)));
  if (names.includes(keep)) sel.value = keep;
  await dataFields();
}

async function dataFields() {
  const schema = $('d-schema').value;
  if (!schema) return;
  let fields = (S.me.grants || {})[schema];
  if (!Array.isArray(fields)) {
    const doc = await api('/v1/schemas/' + encodeURIComponent(schema));
    // Lists and objects can be shown, not filtered on.
    fields = Object.entries(doc.properties || {})
      .filter(([, p]) => ![].concat(p.type || []).some((x) => x === 'array' || x === 'object')).map(([k]) => k);
  }
  const keep = $('d-field').value;
  $('d-field').replaceChildren(el('option', { value: '' }, t('data.nofilter')), ...fields.map((f) => el('option', { value: f }, f)));
  if (fields.includes(keep)) $('d-field').value = keep;
  $('d-result').replaceChildren();
}

function dataQuery(extra) {
  const q = new URLSearchParams();
  const f = $('d-field').value, v = $('d-value').value.trim();
  if (f && v) q.append(f, $('d-op').value + '.' + v);
  for (const [k, v2] of Object.entries(extra)) q.set(k, v2);
  return '/v1/records/' + encodeURIComponent($('d-schema').value) + '?' + q;
}

async function showData() {
  status(t('loading'));
  const d = await api(dataQuery({ limit: '50' }));
  const rows = d.records || [];
  const keys = [...new Set(['source_key'].concat(rows.flatMap((r) => Object.keys(r))))].filter((k) => rows.some((r) => k in r));
  $('d-result').replaceChildren(rows.length
    ? table($('d-schema').value, keys.map((k) => ({ key: k, label: k, num: /nilai|retribusi|pagu|potongan/.test(k), render: /nilai|retribusi|pagu|potongan/.test(k) ? (r) => money(r[k]) : (r) => short(r[k]) })), rows)
    : el('p', null, t('noneFound')));
  status(rows.length + ' ' + t('data.shown') + (d.next_cursor ? ' ' + t('data.more') : ''));
}

/// A list or object in one line of at most 60 characters, the whole in its title.
function short(v) {
  const full = text(v);
  return full.length > 60 ? el('span', { title: full }, full.slice(0, 59) + '…') : full;
}

/// Every page (up to 100 of 1,000 records) joined into one CSV, the header once.
async function downloadData() {
  status(t('loading'));
  const parts = [];
  let cursor = null, rows = 0;
  do {
    const r = await api(dataQuery(Object.assign({ format: 'csv', limit: '1000' }, cursor ? { cursor } : {})), { raw: true });
    let body = await r.text();
    if (parts.length) body = body.slice(body.indexOf('\r\n') + 2);
    rows += body.split('\r\n').length - (parts.length ? 1 : 2);
    parts.push(body);
    cursor = r.headers.get('X-Next-Cursor');
  } while (cursor && parts.length < 100);
  saveFile(new Blob(parts, { type: 'text/csv' }), $('d-schema').value + '.csv');
  status(t('csvSaved') + ' ' + rows + ' ' + t('data.rows'));
}

// ---- audit

/// By NIK, or by person id for a person the hub knows without one (`P…`).
async function auditAccess(key) {
  status(t('loading'));
  const d = await api('/v1/audit/access/' + encodeURIComponent(key));
  const list = d.access || [];
  $('audit-list').replaceChildren(list.length ? table(t('audit.title'), [
    { key: 'at', label: t('at') }, { key: 'opd', label: t('opd') }, { key: 'purpose', label: t('purpose') },
    { key: 'route', label: t('route') }, { key: 'result', label: t('result') },
  ], list) : el('p', null, t('noAccess')));
  status(list.length + ' ' + t('found'));
}

/// A citizen's access request (UU PDP Pasal 32): the report of GET /v1/persons/{nik}/report, laid out to print.
async function accessReport(nik) {
  status(t('loading'));
  const d = await api('/v1/persons/' + encodeURIComponent(nik) + '/report');
  const data = d.data || {}, prov = d.provenance || {};
  const fields = Object.keys(data).sort().map((k) => ({ field: k, value: data[k], source: prov[k] ? prov[k].mention + ' v' + prov[k].version : '' }));
  const parts = [
    el('h2', null, t('report.title')),
    el('p', null, t('report.intro')),
    el('p', null, t('nik') + ' ' + (d.nik || '—') + ' · ' + t('person') + ' ' + d.person_id + ' · ' + t('report.made') + ' ' + d.generated_at),
    el('h3', null, t('report.data')),
    table(t('report.data'), [{ key: 'field', label: t('field') }, { key: 'value', label: t('value') }, { key: 'source', label: t('source') }], fields),
    el('h3', null, t('report.records') + ' (' + (d.records || []).length + ')'),
  ];
  for (const r of d.records || []) {
    const v = (r.versions || [])[0] || {};
    const cur = v.data || {};
    parts.push(el('h4', null, r.schema + ' ' + r.source_key + ' · ' + r.connector + ' · ' + (r.versions || []).length + ' ' + t('report.versions')
      + (v.received_at ? ', ' + t('report.received') + ' ' + v.received_at : '')));
    parts.push(table(r.schema + ' ' + r.source_key, [{ key: 'field', label: t('field') }, { key: 'value', label: t('value') }],
      Object.keys(cur).sort().map((k) => ({ field: k, value: cur[k] }))));
    if ((r.withheld || []).length) parts.push(el('p', { class: 'hint' }, t('report.withheld') + ' ' + r.withheld.join(', ')));
  }
  const access = d.access || [];
  parts.push(el('h3', null, t('report.access') + ' (' + access.length + ')'));
  parts.push(access.length ? table(t('report.access'), [
    { key: 'at', label: t('at') }, { key: 'opd', label: t('opd') }, { key: 'purpose', label: t('purpose') },
    { key: 'route', label: t('route') }, { key: 'result', label: t('result') },
  ], access) : el('p', null, t('noAccess')));
  const h = d.audit_head || {};
  parts.push(el('p', { class: 'chain' }, t('chainHead') + ' ' + h.id + ', ' + h.id + ':' + h.hash));
  parts.push(el('button', { type: 'button', class: 'secondary noprint', onclick: () => window.print() }, t('report.print')));
  $('audit-report').replaceChildren(...parts);
  $('audit-report').hidden = false;
  status((d.records || []).length + ' ' + t('found'));
}

async function verifyChain() {
  status(t('loading'));
  const d = await api('/v1/audit/verify');
  const p = $('audit-chain');
  p.className = 'chain ' + (d.ok ? 'ok' : 'bad');
  p.textContent = d.ok ? t('chainOk') + ' (' + d.entries + ' ' + t('entries') + ')' : t('chainBad') + ' ' + d.broken_entry + ': ' + d.reason;
  if (d.ok) {
    const h = await api('/v1/audit/head');
    p.textContent += '. ' + t('chainHead') + ' ' + h.id + ', ' + h.id + ':' + h.hash;
  }
  status('');
}

// ---- live

function stopLive() {
  if (S.live) { S.live.abort(); S.live = null; }
  if (S.topicTimer) { clearInterval(S.topicTimer); S.topicTimer = null; }
}

async function refreshTopics() {
  const d = await api('/v1/topics');
  const topics = d.topics || [];
  $('topic-list').replaceChildren(table(t('topic'), [
    { key: 'name', label: t('topic') }, { key: 'last_seq', label: t('lastSeq'), num: true },
  ], topics));
  const sel = $('live-topic');
  const readable = topics.map((x) => x.name).filter((n) => n.startsWith('records.') && granted(n.slice(8)));
  if (sel.options.length !== readable.length) {
    const keep = sel.value;
    sel.replaceChildren(...readable.map((n) => el('option', { value: n }, n)));
    if (readable.includes(keep)) sel.value = keep;
  }
  return topics;
}

async function startLive() {
  const topics = await refreshTopics();
  S.topicTimer = setInterval(() => { refreshTopics().catch(fail); }, 3000);
  follow(topics);
}

async function follow(topics) {
  if (S.live) S.live.abort();
  const ctl = new AbortController();
  S.live = ctl;
  const topic = $('live-topic').value;
  const list = $('live-events');
  list.replaceChildren(el('li', null, t('waiting')));
  if (!topic) return;
  const info = (topics || []).find((x) => x.name === topic);
  let after = Math.max(0, (info ? info.last_seq : 0) - 10);
  while (!ctl.signal.aborted) {
    try {
      const d = await api(`/v1/topics/${encodeURIComponent(topic)}/events?after=${after}&limit=20&wait=15`, { signal: ctl.signal });
      for (const e of d.events || []) {
        const summary = e.key + (e.data && e.data.nama ? ' · ' + e.data.nama : '');
        list.prepend(el('li', null, '#' + e.seq + ' ' + summary));
      }
      while (list.children.length > 30) list.lastChild.remove();
      after = d.next_after !== undefined ? d.next_after : after;
    } catch (e) {
      if (e.name === 'AbortError') return;
      fail(e);
      return;
    }
  }
}

// ---- wiring

document.addEventListener('DOMContentLoaded', () => {
  applyLang();
  $('lang').addEventListener('click', () => {
    S.lang = S.lang === 'id' ? 'en' : 'id';
    sessionStorage.setItem('simpul.lang', S.lang);
    applyLang();
    if (S.view && S.view !== 'signin' && LOADERS[S.view]) show(S.view);
  });
  $('signin-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = $('token').value.trim();
    $('token').value = '';
    if (v) signIn(v);
  });
  $('signout').addEventListener('click', signOut);
  $('purpose').addEventListener('change', () => { S.purpose = $('purpose').value; sessionStorage.setItem('simpul.purpose', S.purpose); });
  for (const b of document.querySelectorAll('#nav button')) b.addEventListener('click', () => show(b.dataset.view));
  $('nik-form').addEventListener('submit', (ev) => { ev.preventDefault(); findByNik($('nik').value.trim()).catch(fail); });
  $('name-form').addEventListener('submit', (ev) => { ev.preventDefault(); findByName($('nama').value.trim(), $('tgl').value).catch(fail); });
  $('rekon-form').addEventListener('submit', (ev) => { ev.preventDefault(); loadRekon(Number($('tahun').value)).catch(fail); });
  $('rekon-csv').addEventListener('click', () => { downloadCSV(false).catch(fail); });
  $('rekon-findings-csv').addEventListener('click', () => { downloadCSV(true).catch(fail); });
  $('recip-go').addEventListener('click', () => { checkRecipients().catch(fail); });
  $('recip-csv').addEventListener('click', () => { downloadRecipients().catch(fail); });
  $('d-schema').addEventListener('change', () => { dataFields().catch(fail); });
  $('data-form').addEventListener('submit', (ev) => { ev.preventDefault(); showData().catch(fail); });
  $('data-csv').addEventListener('click', () => { downloadData().catch(fail); });
  $('f-kind').addEventListener('change', renderFindings);
  $('f-skpd').addEventListener('change', renderFindings);
  $('audit-form').addEventListener('submit', (ev) => { ev.preventDefault(); auditAccess($('audit-nik').value.trim()).catch(fail); });
  $('audit-verify').addEventListener('click', () => { verifyChain().catch(fail); });
  $('audit-report-go').addEventListener('click', () => {
    const nik = $('audit-nik');
    if (nik.reportValidity()) accessReport(nik.value.trim()).catch(fail);
  });
  $('live-topic').addEventListener('change', () => { refreshTopics().then(follow).catch(fail); });
  if (S.token) signIn(S.token); else show('signin');
});
