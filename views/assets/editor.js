// The editor's client: Monaco, file tree, draft autosave, deploy with markers and live progress,
// the test panel and the env drawer. Talks to the JSON API with the session cookie.
(function () {
  'use strict'
  const data = JSON.parse(document.getElementById('fp-data').textContent)
  const $ = (id) => document.getElementById(id)
  const files = Object.assign({}, data.files)
  let entry = data.entrypoint
  let current = files[entry] !== undefined ? entry : Object.keys(files)[0]
  let editor = null
  const models = {}
  let saveTimer = null
  let dirty = false
  let deployedHash = data.draftDiffers ? null : JSON.stringify([files, entry])

  // ---- helpers
  function api(method, path, body) {
    return fetch(path, {
      method, credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (r) {
      return r.text().then(function (t) {
        let json = null
        try { json = JSON.parse(t) } catch (e) { json = { message: t } }
        return { status: r.status, ok: r.ok, body: json }
      })
    })
  }
  function text(el, value) { el.textContent = value == null ? '' : String(value) }
  function el(tag, cls, value) { const e = document.createElement(tag); if (cls) e.className = cls; if (value != null) e.textContent = value; return e }
  function language(path) {
    const ext = path.split('.').pop()
    return { py: 'python', html: 'html', htm: 'html', css: 'css', js: 'javascript', mjs: 'javascript', json: 'json', md: 'markdown', svg: 'xml', xml: 'xml', yaml: 'yaml', yml: 'yaml' }[ext] || 'plaintext'
  }
  function setState(kind, label) { const s = $('save-state'); s.className = 'save-state ' + kind; text(s, label) }
  function refreshState() {
    if (dirty) return setState('dirty', 'saving…')
    if (deployedHash === JSON.stringify([files, entry])) setState('deployed', 'deployed')
    else setState('dirty', 'changes not deployed')
  }

  // ---- file tree
  function renderFiles() {
    const list = $('file-list')
    list.textContent = ''
    Object.keys(files).sort().forEach(function (path) {
      const row = el('div', 'file' + (path === current ? ' on' : ''), null)
      row.appendChild(el('span', null, path))
      if (path === entry) row.appendChild(el('span', 'entry', 'entry'))
      row.dataset.path = path
      row.onclick = function () { open(path) }
      list.appendChild(row)
    })
  }
  function modelFor(path) {
    if (!models[path]) {
      models[path] = monaco.editor.createModel(files[path], language(path), monaco.Uri.parse('file:///' + path))
      models[path].onDidChangeContent(function () { files[path] = models[path].getValue(); scheduleSave() })
    }
    return models[path]
  }
  function open(path) { current = path; if (editor) editor.setModel(modelFor(path)); renderFiles() }
  function validPath(p) { return /^[A-Za-z0-9_][A-Za-z0-9_.\-]*(\/[A-Za-z0-9_][A-Za-z0-9_.\-]*)*$/.test(p) && p.indexOf('..') < 0 }
  $('file-add').onclick = function () {
    const p = prompt('New file path (e.g. helpers.py or templates/index.html)')
    if (!p) return
    if (!validPath(p)) return alert('Use letters, digits, "_", "-", "." and "/" only.')
    if (files[p] !== undefined) return alert('That file exists.')
    files[p] = ''
    open(p); scheduleSave()
  }
  $('file-rename').onclick = function () {
    const p = prompt('Rename ' + current + ' to', current)
    if (!p || p === current) return
    if (!validPath(p) || files[p] !== undefined) return alert('That name is not available.')
    files[p] = files[current]; delete files[current]
    if (models[current]) { models[current].dispose(); delete models[current] }
    if (entry === current) entry = p
    open(p); scheduleSave()
  }
  $('file-delete').onclick = function () {
    if (Object.keys(files).length < 2) return alert('An app needs at least one file.')
    if (!confirm('Delete ' + current + '?')) return
    delete files[current]
    if (models[current]) { models[current].dispose(); delete models[current] }
    if (entry === current) entry = Object.keys(files).filter(function (f) { return /\.py$/.test(f) })[0] || Object.keys(files)[0]
    open(Object.keys(files)[0]); scheduleSave()
  }
  $('file-entry').onclick = function () {
    if (!/\.py$/.test(current)) return alert('The entrypoint must be a .py file.')
    entry = current; renderFiles(); scheduleSave()
  }

  // ---- draft autosave
  function scheduleSave() { dirty = true; refreshState(); clearTimeout(saveTimer); saveTimer = setTimeout(save, 800) }
  function save() {
    clearTimeout(saveTimer)
    return api('PUT', '/api/apps/' + data.id + '/draft', { files: files, entrypoint: entry }).then(function (r) {
      dirty = false
      if (!r.ok) setState('dirty', 'not saved: ' + (r.body.message || r.status))
      else refreshState()
      return r
    })
  }

  // ---- deploy
  function tab(name) {
    document.querySelectorAll('.tabs button').forEach(function (b) { b.classList.toggle('on', b.dataset.tab === name) })
    document.querySelectorAll('[data-pane]').forEach(function (p) { p.hidden = p.dataset.pane !== name })
  }
  document.querySelectorAll('.tabs button').forEach(function (b) { b.onclick = function () { tab(b.dataset.tab); if (b.dataset.tab === 'env') loadEnv() } })
  function progressLine(cls, msg) { const p = $('progress'); if (p.firstChild && p.firstChild.className === 'faint') p.textContent = ''; p.appendChild(el('div', cls, msg)) }
  function setMarkers(diags) {
    Object.keys(models).forEach(function (p) { monaco.editor.setModelMarkers(models[p], 'deploy', []) })
    const byFile = {}
    diags.forEach(function (d) { (byFile[d.file] = byFile[d.file] || []).push(d) })
    Object.keys(byFile).forEach(function (p) {
      if (files[p] === undefined) return
      monaco.editor.setModelMarkers(modelFor(p), 'deploy', byFile[p].map(function (d) {
        return {
          startLineNumber: d.line, startColumn: d.column, endLineNumber: d.line, endColumn: d.column + 1000, message: d.message + ' [' + d.code + ']',
          severity: d.severity === 'error' ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
        }
      }))
    })
    const box = $('problems'); box.textContent = ''
    diags.forEach(function (d) { box.appendChild(el('div', 'diag', (d.file || 'app') + ':' + d.line + ':' + d.column + '  ' + d.message)) })
    const first = diags.find(function (d) { return d.severity === 'error' && files[d.file] !== undefined })
    if (first) { open(first.file); editor.revealLineInCenter(first.line); editor.setPosition({ lineNumber: first.line, column: first.column }) }
  }
  let deploying = false
  function deploy() {
    if (deploying) return
    deploying = true
    const btn = $('deploy'); btn.disabled = true; text(btn, 'Deploying…')
    tab('deploy'); $('progress').textContent = ''
    clearTimeout(saveTimer)
    api('POST', '/api/apps/' + data.id + '/deploy', { files: files, entrypoint: entry }).then(function (r) {
      dirty = false
      if (r.ok) {
        setMarkers(r.body.warnings || [])
        deployedHash = JSON.stringify([files, entry])
        const badge = document.querySelector('.editor-bar .badge')
        if (badge) { badge.className = 'badge running'; badge.textContent = 'running' }
        progressLine('ready', 'Version ' + r.body.version + ' is live (' + r.body.durationMs + ' ms).')
        tab('test')
      } else if (r.body.error === 'validation_failed') {
        setMarkers(r.body.diagnostics || [])
        progressLine('failed', 'Not deployed: fix the problems marked in the editor. The previous version keeps serving.')
      } else {
        progressLine('failed', r.body.message || ('Deploy failed (' + r.status + ')'))
        if (r.body.traceback) { const pre = el('pre', 'code tb', r.body.traceback); $('problems').textContent = ''; $('problems').appendChild(pre) }
      }
      refreshState()
    }).catch(function (e) { progressLine('failed', 'Network error: ' + e.message) }).finally(function () {
      deploying = false; btn.disabled = false; text(btn, 'Deploy')
    })
  }
  $('deploy').onclick = deploy

  // live progress from the platform (validating → saving → starting → ready)
  function connect() {
    const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/apps/' + data.id)
    ws.onmessage = function (ev) {
      let m; try { m = JSON.parse(ev.data) } catch (e) { return }
      if (m.type === 'deploy' && deploying) progressLine(m.phase === 'failed' ? 'failed' : m.phase === 'ready' ? 'ready' : '', m.message)
    }
    ws.onclose = function () { setTimeout(connect, 2000) }
  }
  connect()

  // ---- test panel
  // Sends what the panel holds to the deployed app through the proxy; resolves with what it showed.
  function send() {
    const method = $('t-method').value
    let path = $('t-path').value || '/'
    if (path[0] !== '/') path = '/' + path
    const headers = {}
    $('t-headers').value.split('\n').forEach(function (line) {
      const i = line.indexOf(':'); if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim()
    })
    const body = $('t-body').value
    if (body && !Object.keys(headers).some(function (h) { return h.toLowerCase() === 'content-type' })) {
      try { JSON.parse(body); headers['Content-Type'] = 'application/json' } catch (e) { headers['Content-Type'] = 'text/plain' }
    }
    const t0 = performance.now()
    const base = '/app/' + data.slug
    return fetch(base + path, { method: method, headers: headers, body: method === 'GET' || method === 'DELETE' ? undefined : body, credentials: 'omit' })
      .then(function (r) {
        return r.text().then(function (t) {
          const shown = { status: r.status, label: r.status + ' ' + r.statusText, latency: Math.round(performance.now() - t0) + ' ms' + (r.headers.get('server-timing') ? ' · woke up' : '') }
          $('t-result').hidden = false
          const st = $('t-status'); text(st, shown.label); st.className = 'status-' + String(r.status)[0]
          text($('t-latency'), shown.latency)
          const hs = []; r.headers.forEach(function (v, k) { hs.push(k + ': ' + v) }); text($('t-resp-headers'), hs.join('\n'))
          let pretty = t; try { pretty = JSON.stringify(JSON.parse(t), null, 2) } catch (e) {}
          text($('t-resp-body'), pretty)
          shown.body = pretty
          return shown
        })
      }).catch(function (e) {
        $('t-result').hidden = false; text($('t-status'), 'Network error'); text($('t-resp-body'), e.message)
        return { status: 0, label: 'Network error', latency: '', body: e.message }
      })
  }
  $('t-send').onclick = send

  // ---- guide calls: one click fills the test panel, sends it, and shows the answer next to the guide
  document.querySelectorAll('#guide-calls .call').forEach(function (b) {
    b.onclick = function () {
      $('t-method').value = b.dataset.method
      $('t-path').value = b.dataset.path
      $('t-body').value = b.dataset.body || ''
      $('t-headers').value = ''
      const got = b.querySelector('.got'); text(got, '…'); got.className = 'got'
      send().then(function (shown) {
        const expect = Number(b.dataset.expect || 0)
        text(got, String(shown.status || '!') + (expect ? (shown.status === expect ? ' ✓' : ' ✗') : ''))
        got.className = 'got status-' + String(shown.status)[0]
        $('g-result').hidden = false
        const st = $('g-status'); text(st, b.dataset.method + ' ' + b.dataset.path + ' → ' + shown.label); st.className = 'status-' + String(shown.status)[0]
        text($('g-latency'), shown.latency)
        text($('g-body'), shown.body.length > 4000 ? shown.body.slice(0, 4000) + '\n…' : shown.body)
      })
    }
  })
  if (document.querySelector('[data-pane=guide]')) tab('guide')

  // ---- env drawer
  function envRow(name, value, masked) {
    const row = el('div', 'row', null); row.style.marginBottom = '6px'
    const n = el('input', 'mono', null); n.value = name; n.placeholder = 'NAME'; n.style.width = '40%'
    const v = el('input', 'mono', null); v.value = value; v.placeholder = 'value'; v.type = masked ? 'password' : 'text'
    v.dataset.masked = masked ? '1' : ''; v.oninput = function () { v.dataset.masked = '' }
    const x = el('button', 'btn sm danger', '×'); x.type = 'button'; x.onclick = function () { row.remove() }
    n.dataset.original = name
    row.append(n, v, x); return row
  }
  function loadEnv() {
    api('GET', '/api/apps/' + data.id + '/env').then(function (r) {
      const box = $('env-rows'); box.textContent = ''
      ;(r.body.env || []).forEach(function (e) { box.appendChild(envRow(e.name, e.value, true)) })
      if (!(r.body.env || []).length) text($('env-msg'), 'No variables yet.')
    })
  }
  $('env-add').onclick = function () { $('env-rows').appendChild(envRow('', '', false)) }
  $('env-save').onclick = function () {
    const changes = {}
    const seen = {}
    document.querySelectorAll('#env-rows .row').forEach(function (row) {
      const inputs = row.querySelectorAll('input'); const name = inputs[0].value.trim(); const original = inputs[0].dataset.original
      if (!name) return
      seen[name] = true
      if (inputs[1].dataset.masked && name === original) return // unchanged secret
      changes[name] = inputs[1].value
      if (original && original !== name) changes[original] = null
    })
    api('GET', '/api/apps/' + data.id + '/env').then(function (r) {
      ;(r.body.env || []).forEach(function (e) { if (!seen[e.name]) changes[e.name] = null })
      return api('PUT', '/api/apps/' + data.id + '/env', { env: changes })
    }).then(function (r) {
      text($('env-msg'), r.ok ? 'Saved' + (r.body.restarted ? ' — version ' + r.body.restarted + ' restarted.' : '.') : (r.body.message || 'Not saved'))
      if (r.ok) loadEnv()
    })
  }

  // ---- shortcuts
  document.addEventListener('keydown', function (e) {
    const mod = e.metaKey || e.ctrlKey
    if (mod && e.key === 's') { e.preventDefault(); save() }
    if (mod && e.key === 'Enter') { e.preventDefault(); deploy() }
  })

  // ---- Monaco
  renderFiles(); refreshState()
  require.config({ paths: { vs: '/vendor/monaco/vs' } })
  require(['vs/editor/editor.main'], function () {
    monaco.editor.setTheme(document.documentElement.dataset.theme === 'light' ? 'vs' : 'vs-dark')
    editor = monaco.editor.create($('monaco'), {
      model: modelFor(current), automaticLayout: true, minimap: { enabled: false }, fontSize: 13, tabSize: 4, scrollBeyondLastLine: false,
    })
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, save)
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, deploy)
    window.fpEditor = { editor: editor, files: files, deploy: deploy, save: save, open: open }
    document.body.dataset.editorReady = '1'
  })
})()
