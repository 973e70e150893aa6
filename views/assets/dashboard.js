// The dashboard's live parts: log tail (pause, clear, filter, reconnect) and request refreshes.
(function () {
  'use strict'
  const head = document.querySelector('[data-app-id]')
  if (!head) return
  const appId = head.dataset.appId
  const box = document.getElementById('logs')
  const state = document.getElementById('log-state')
  const filter = document.getElementById('log-filter')
  const pauseBtn = document.getElementById('log-pause')
  let paused = false
  let held = []
  let retry = 500
  const MAX = 1000

  function show(line) {
    const f = filter.value.toLowerCase()
    const row = document.createElement('div')
    row.className = 'l ' + (line.stream || '')
    const t = document.createElement('span'); t.className = 't'; t.textContent = new Date(line.at).toLocaleTimeString()
    const msg = document.createElement('span'); msg.textContent = line.line
    row.append(t, msg)
    row.dataset.text = (line.line || '').toLowerCase()
    if (f && row.dataset.text.indexOf(f) < 0) row.hidden = true
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 30
    box.appendChild(row)
    while (box.childElementCount > MAX) box.firstElementChild.remove()
    if (atBottom) box.scrollTop = box.scrollHeight
  }
  filter.oninput = function () {
    const f = filter.value.toLowerCase()
    box.querySelectorAll('.l').forEach(function (r) { r.hidden = !!f && r.dataset.text.indexOf(f) < 0 })
  }
  pauseBtn.onclick = function () {
    paused = !paused
    pauseBtn.textContent = paused ? 'Resume' : 'Pause'
    if (!paused) { held.forEach(show); held = [] }
  }
  document.getElementById('log-clear').onclick = function () { box.textContent = ''; held = [] }

  // Runs filter: a window and a date exclude each other; Clear resets all (the form's change reloads the list).
  const rf = document.getElementById('runs-filter')
  if (rf) {
    const clearBtn = document.getElementById('runs-filter-clear')
    const sync = function () { clearBtn.disabled = !(rf.status.value || rf.trigger.value || rf.since.value || rf.from.value) }
    rf.since.addEventListener('change', function () { if (rf.since.value) rf.from.value = ''; sync() })
    rf.from.addEventListener('change', function () { if (rf.from.value) rf.since.value = ''; sync() })
    rf.status.addEventListener('change', sync)
    rf.trigger.addEventListener('change', sync)
    clearBtn.onclick = function () {
      rf.reset()
      rf.status.value = ''; rf.trigger.value = ''; rf.since.value = ''; rf.from.value = ''
      sync()
      rf.dispatchEvent(new Event('change', { bubbles: true }))
    }
  }

  // At most one refresh per window, and always one after the last event (htmx's throttle drops
  // the last event of a burst: a run that ends right after its retry would never show as ended).
  const pending = {}
  function refresh(name, ms) {
    if (pending[name]) return
    pending[name] = setTimeout(function () { pending[name] = null; document.body.dispatchEvent(new CustomEvent(name)) }, ms)
  }

  function connect() {
    const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/apps/' + appId)
    ws.onopen = function () { state.textContent = 'live'; retry = 500 }
    ws.onmessage = function (ev) {
      let m; try { m = JSON.parse(ev.data) } catch (e) { return }
      if (m.type === 'log') { if (paused) held.push(m); else show(m) }
      else if (m.type === 'request' || m.type === 'deploy') refresh('fp:requests', 1000)
      else if (m.type === 'run') refresh('fp:runs', 400)
    }
    ws.onclose = function () {
      state.textContent = 'reconnecting…'
      setTimeout(connect, retry)
      retry = Math.min(retry * 2, 10000)
    }
  }
  connect()
})()
