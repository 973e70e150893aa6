// The dashboard's runs and triggers panels: recent runs (detail, replay), cron triggers, webhook and invoke snippets.
import { Ago } from '../../components/status'

/** A run row. */
export interface RunRow {
  id: string
  trigger: string
  status: string
  request: { method: string; path: string }
  attempts: { n: number; status: number | null; durationMs: number; error: string | null; cold: boolean; startedAt: Date; requestId?: string | null }[]
  createdAt: Date
  replayOf?: string | null
}

/** A cron trigger row. */
export interface CronRow {
  id: string
  expr: string
  timezone: string
  method: string
  path: string
  body?: string
  enabled: boolean
  next: Date[]
  lastRunAt?: Date | null
}

/** What a trigger form shows: the values typed so far (kept when they are refused). */
export interface CronDraft {
  expr?: string
  timezone?: string
  method?: string
  path?: string
  body?: string
  enabled?: boolean
}

/** A trigger form being edited ('new' is the add form) and why its last submit was refused. */
export interface CronEditing {
  id: string
  values: CronDraft
  error?: string
  /** The next runs of the values shown (or why they are refused). */
  preview?: { next: Date[]; timezone: string; error?: string }
}

const STATUS_CLASS: Record<string, string> = { succeeded: 'running', dead: 'error', failed: 'error', queued: 'waking', running: 'waking', cancelled: 'draft' }

/** The Runs panel's filter values, as the form sends them back. */
export interface RunsFilterValues {
  status?: string
  trigger?: string
  /** A window: 1h, 24h, 7d (or empty: any time). */
  since?: string
  /** A date (YYYY-MM-DD): runs queued on or after it; wins over `since`. */
  from?: string
}

const STATUS_OPTIONS = ['queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled']
const TRIGGER_OPTIONS: [string, string][] = [['invoke', 'async'], ['cron', 'cron'], ['webhook', 'webhook'], ['replay', 'replay']]
const WINDOW_OPTIONS: [string, string][] = [['', 'Any time'], ['1h', 'Last hour'], ['24h', 'Last 24 hours'], ['7d', 'Last 7 days']]
/** True when any filter is set. */
export const isFiltered = (f: RunsFilterValues) => !!(f.status || f.trigger || f.since || f.from)

/** Filter controls above the runs list: each change reloads the list; live refreshes send the same values. */
export function RunsFilter({ appId, f }: { appId: string; f: RunsFilterValues }) {
  const trigger = f.trigger === 'async' ? 'invoke' : f.trigger
  return (
    <form id="runs-filter" class="runs-filter" hx-get={`/apps/${appId}/runs`} hx-target="#runs" hx-trigger="change, submit" role="search" aria-label="Filter runs">
      <label><span>Status</span>
        <select name="status">
          <option value="">All statuses</option>
          {STATUS_OPTIONS.map((v) => <option value={v} selected={f.status === v} safe>{v}</option>)}
        </select>
      </label>
      <label><span>Trigger</span>
        <select name="trigger">
          <option value="">All triggers</option>
          {TRIGGER_OPTIONS.map(([v, label]) => <option value={v} selected={trigger === v} safe>{label}</option>)}
        </select>
      </label>
      <label><span>Queued</span>
        <select name="since">
          {WINDOW_OPTIONS.map(([v, label]) => <option value={v} selected={(f.from ? '' : f.since ?? '') === v} safe>{label}</option>)}
        </select>
      </label>
      <label><span>or since</span><input type="date" name="from" value={f.from ?? ''} /></label>
      <button class="btn sm" type="button" id="runs-filter-clear" disabled={!isFiltered(f)}>Clear</button>
    </form>
  )
}

/** Recent runs (also served alone for refresh), filtered by `filter` when given. */
export function RunsTable({ appId, runs, filter, error }: { appId: string; runs: RunRow[]; filter?: RunsFilterValues; error?: string }) {
  if (error) return <div class="alert" role="alert" safe>{error}</div>
  if (!runs.length && filter && isFiltered(filter)) return <div class="muted">No runs match these filters.</div>
  if (!runs.length) return <div class="muted">No runs yet. Invoke the app asynchronously, add a cron trigger, or call its webhook.</div>
  return (
    <table>
      <thead><tr><th>When</th><th>Trigger</th><th>Request</th><th>Status</th><th>Attempts</th><th></th></tr></thead>
      <tbody>
        {runs.map((r) => (
          <tr class="click" hx-get={`/apps/${appId}/runs/${r.id}`} hx-target="#run-detail">
            <td><Ago at={r.createdAt} /></td>
            <td safe>{r.trigger === 'invoke' ? 'async' : r.trigger}</td>
            <td class="mono" safe>{`${r.request.method} ${r.request.path}`}</td>
            <td><span class={`badge ${STATUS_CLASS[r.status] ?? ''}`} safe>{r.status}</span></td>
            <td safe>{String(r.attempts.length)}</td>
            <td style="text-align:right">
              <button class="btn sm" hx-post={`/apps/${appId}/runs/${r.id}/replay`} hx-target="#runs" hx-include="#runs-filter" onclick="event.stopPropagation()">Replay</button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** One line the app printed during an attempt. */
export interface RunLogRow {
  attempt: number
  at: Date
  stream: string
  line: string
}

type DetailRun = RunRow & {
  appId: string
  status: string
  request: { method: string; path: string; body?: string }
  maxAttempts?: number
  finishedAt?: Date | null
  nextAttemptAt?: Date | null
  response?: { status: number; body: string } | null
  traceback?: string | null
  error?: string | null
  attempts: (RunRow['attempts'][number] & { requestId?: string | null })[]
}

const clock = (d: Date | string) => new Date(d).toISOString().slice(11, 23)

/** One run in detail: request, attempts, the app's log lines per attempt, response, traceback. */
export function RunDetail({ r, logs }: { r: DetailRun; logs: RunLogRow[] }) {
  const ended = ['succeeded', 'failed', 'dead', 'cancelled'].includes(r.status)
  return (
    <div class="panel run-detail" id={`run-${r.id}`}>
      <div class="panel-head">
        <h2 class="mono" safe>{r.id}</h2>
        <span class={`badge ${STATUS_CLASS[r.status] ?? ''}`} safe>{r.status}</span>
        <span class="pill" safe>{r.trigger === 'invoke' ? 'async' : r.trigger}</span>
        {r.replayOf ? <span class="pill" safe>{`replay of ${r.replayOf}`}</span> : ''}
        <button class="btn sm" hx-post={`/apps/${r.appId}/runs/${r.id}/replay`} hx-target="#runs" hx-include="#runs-filter">Replay</button>
        <button class="btn sm" type="button" onclick="this.closest('.run-detail').remove()" aria-label="Close run detail">Close</button>
      </div>
      <dl class="kv">
        <dt>Request</dt><dd class="mono" safe>{`${r.request.method} ${r.request.path}`}</dd>
        <dt>Queued</dt><dd><Ago at={r.createdAt} /></dd>
        <dt>Attempts</dt><dd safe>{`${r.attempts.length}${r.maxAttempts ? ` of ${r.maxAttempts}` : ''}${!ended && r.attempts.length && r.nextAttemptAt ? ` · next at ${clock(r.nextAttemptAt)} UTC` : ''}`}</dd>
        {r.finishedAt ? <><dt>Ended</dt><dd><Ago at={r.finishedAt} /></dd></> : ''}
        {r.error ? <><dt>Error</dt><dd class="err" safe>{r.error}</dd></> : ''}
      </dl>
      {r.request.body ? <><h3 class="run-h">Request body</h3><pre class="code" safe>{r.request.body}</pre></> : ''}
      <h3 class="run-h">Attempts</h3>
      {r.attempts.length ? (
        <table>
          <thead><tr><th>#</th><th>Started</th><th>Status</th><th>Duration</th><th>Request id</th><th>Error</th></tr></thead>
          <tbody>
            {r.attempts.map((a) => (
              <tr>
                <td safe>{String(a.n)}</td>
                <td><Ago at={a.startedAt} />{a.cold ? <span class="pill cold" style="margin-left:6px">cold</span> : ''}</td>
                <td>{a.status === null ? <span class="faint">—</span> : <span class={`status-${String(a.status)[0]}`} safe>{String(a.status)}</span>}</td>
                <td class="mono" safe>{`${a.durationMs} ms`}</td>
                <td class="mono faint" safe>{a.requestId ?? '—'}</td>
                <td class="err" safe>{a.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <div class="muted">{r.status === 'running' ? 'The first attempt is running.' : 'No attempt yet.'}</div>}
      <h3 class="run-h">App logs <span class="faint">lines printed or logged while serving this run</span></h3>
      {logs.length ? (
        <div class="logs run-logs">
          {logs.map((l) => (
            <div class={`l ${l.stream}`}><span class="t" safe>{`#${l.attempt} ${clock(l.at)}`}</span><span safe>{l.line}</span></div>
          ))}
        </div>
      ) : <div class="muted">The app printed nothing while serving this run.</div>}
      {r.response ? <><h3 class="run-h">Response <span class={`status-${String(r.response.status)[0]}`} safe>{String(r.response.status)}</span></h3><pre class="code" safe>{r.response.body || '(empty)'}</pre></> : ''}
      {r.traceback ? <><h3 class="run-h">Traceback</h3><pre class="code tb" safe>{r.traceback}</pre></> : ''}
    </div>
  )
}

/** A time as "2026-11-23 02:30" on the trigger's own clock. */
const when = (d: Date | string, timeZone = 'UTC') => {
  try {
    return new Date(d).toLocaleString('sv-SE', { timeZone, hour12: false }).slice(0, 16)
  } catch {
    return new Date(d).toISOString().replace('T', ' ').slice(0, 16)
  }
}

/** The next runs of an expression, or why it is refused (the form's live preview). */
export function CronPreview({ next, timezone, error }: { next: Date[]; timezone: string; error?: string }) {
  if (error) return <span class="cron-next bad" safe>{error}</span>
  return <span class="cron-next" safe>{`next: ${next.map((d) => when(d, timezone)).join(' · ')} (${timezone})`}</span>
}

/** The form that adds (`id` = 'new') or edits a trigger; typing updates the next-runs preview. */
function CronForm({ appId, editing }: { appId: string; editing: CronEditing }) {
  const v = editing.values
  const isNew = editing.id === 'new'
  const method = (v.method ?? 'POST').toUpperCase()
  const target = isNew ? { 'hx-post': `/apps/${appId}/cron` } : { 'hx-put': `/apps/${appId}/cron/${editing.id}` }
  const fid = `cron-${editing.id}`
  // typing in the expression or the timezone refreshes the next-runs preview (htmx active search)
  const live = { 'hx-get': `/apps/${appId}/cron/preview`, 'hx-include': `#${fid}-form`, 'hx-target': `#${fid}-preview`, 'hx-trigger': 'input changed delay:250ms', 'hx-swap': 'innerHTML' }
  return (
    <form class="cron-form" id={`${fid}-form`} {...target} hx-target="#cron" hx-swap="outerHTML">
      {editing.error ? <div class="alert wide" role="alert" safe>{editing.error}</div> : ''}
      <div><label for={`${fid}-expr`}>Cron expression</label><input id={`${fid}-expr`} name="expr" class="mono" placeholder="*/5 * * * *" required value={v.expr ?? ''} autocomplete="off" {...live} /></div>
      <div><label for={`${fid}-method`}>Method</label>
        <select id={`${fid}-method`} name="method">{['POST', 'GET', 'PUT', 'PATCH', 'DELETE'].map((m) => <option selected={m === method} safe>{m}</option>)}</select>
      </div>
      <div><label for={`${fid}-path`}>Path</label><input id={`${fid}-path`} name="path" class="mono" placeholder="/tasks/cleanup" value={v.path ?? '/'} /></div>
      <div><label for={`${fid}-tz`}>Timezone</label><input id={`${fid}-tz`} name="timezone" placeholder="UTC" value={v.timezone ?? 'UTC'} autocomplete="off" {...live} /></div>
      <div class="wide"><label for={`${fid}-body`}>Body <span class="faint">(sent as JSON; optional)</span></label><textarea id={`${fid}-body`} name="body" placeholder='{"task": "cleanup"}' safe>{v.body ?? ''}</textarea></div>
      <div class="wide" id={`${fid}-preview`} aria-live="polite">
        {editing.preview && !(editing.error && editing.preview.error === editing.error) ? CronPreview(editing.preview) : <span class="cron-next">{editing.error ? '' : 'Type an expression to see its next runs.'}</span>}
      </div>
      <div class="actions">
        <input type="hidden" name="hasEnabled" value="1" />
        <label class="row" style="margin:0;gap:6px;color:var(--text)"><input type="checkbox" name="enabled" value="true" style="width:auto" checked={v.enabled !== false} />Enabled</label>
        <span style="flex:1"></span>
        {isNew ? '' : <button class="btn sm" type="button" hx-get={`/apps/${appId}/cron`} hx-target="#cron" hx-swap="outerHTML">Cancel</button>}
        <button class="btn sm primary" type="submit">{isNew ? 'Add trigger' : 'Save trigger'}</button>
      </div>
    </form>
  )
}

/** Cron triggers with their next runs: edit, enable/disable and delete each; the add form below. */
export function CronPanel({ appId, cron, editing }: { appId: string; cron: CronRow[]; editing?: CronEditing }) {
  const adding: CronEditing = editing?.id === 'new' ? editing : { id: 'new', values: {} }
  return (
    <div id="cron">
      {cron.length ? (
        <table>
          <thead><tr><th>Schedule</th><th>Calls</th><th>Next</th><th>Last</th><th></th></tr></thead>
          <tbody>
            {cron.map((t) =>
              editing?.id === t.id ? (
                <tr class="cron-edit"><td colspan="5">{CronForm({ appId, editing })}</td></tr>
              ) : (
                <tr>
                  <td><span class="mono" safe>{t.expr}</span><div class="faint" safe>{t.timezone}</div></td>
                  <td class="mono" safe>{`${t.method} ${t.path}`}</td>
                  <td class="faint">{t.enabled ? <span safe>{t.next.slice(0, 2).map((d) => when(d, t.timezone)).join(', ') || '—'}</span> : <span class="badge draft">disabled</span>}</td>
                  <td class="faint"><Ago at={t.lastRunAt} /></td>
                  <td style="text-align:right;white-space:nowrap">
                    <button class="btn sm" hx-get={`/apps/${appId}/cron/${t.id}/edit`} hx-target="#cron" hx-swap="outerHTML">Edit</button>{' '}
                    <button class="btn sm" hx-post={`/apps/${appId}/cron/${t.id}/toggle`} hx-target="#cron" hx-swap="outerHTML">{t.enabled ? 'Disable' : 'Enable'}</button>{' '}
                    <button class="btn sm danger" hx-delete={`/apps/${appId}/cron/${t.id}`} hx-target="#cron" hx-swap="outerHTML" hx-confirm="Delete this cron trigger?">Delete</button>
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      ) : <div class="muted">No cron triggers yet: add one below.</div>}
      {editing && editing.id !== 'new' ? '' : <><h3 class="run-h">Add a trigger</h3>{CronForm({ appId, editing: adding })}</>}
    </div>
  )
}

/** Copy-ready snippets: webhook URL and async invoke. */
export function TriggerSnippets({ baseUrl, appId }: { baseUrl: string; appId: string }) {
  const invoke = `curl -X POST ${baseUrl}/api/invoke/${appId}/your/path -H "Authorization: Bearer $FP_TOKEN" -H "Idempotency-Key: $(uuidgen)" -d '{"any":"json"}'`
  return (
    <dl class="kv">
      <dt>Webhook</dt><dd class="mono" safe>{`${baseUrl}/hooks/${appId}/your/path`}</dd>
      <dt>Async invoke</dt><dd><pre class="code" style="max-height:none" safe>{invoke}</pre></dd>
    </dl>
  )
}
