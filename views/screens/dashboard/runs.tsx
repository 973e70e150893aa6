// The dashboard's runs and triggers panels: recent runs (detail, replay), cron triggers, webhook and invoke snippets.
import { Ago } from '../../components/status'

/** A run row. */
export interface RunRow {
  id: string
  trigger: string
  status: string
  request: { method: string; path: string }
  attempts: { n: number; status: number | null; durationMs: number; error: string | null; cold: boolean; startedAt: Date }[]
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
  enabled: boolean
  next: Date[]
  lastRunAt?: Date | null
}

const STATUS_CLASS: Record<string, string> = { succeeded: 'running', dead: 'error', failed: 'error', queued: 'waking', running: 'waking', cancelled: 'draft' }

/** Recent runs (also served alone for refresh). */
export function RunsTable({ appId, runs }: { appId: string; runs: RunRow[] }) {
  if (!runs.length) return <div class="muted">No runs yet. Invoke the app asynchronously, add a cron trigger, or call its webhook.</div>
  return (
    <table>
      <thead><tr><th>When</th><th>Trigger</th><th>Request</th><th>Status</th><th>Attempts</th><th></th></tr></thead>
      <tbody>
        {runs.map((r) => (
          <tr class="click" hx-get={`/apps/${appId}/runs/${r.id}`} hx-target="#run-detail">
            <td><Ago at={r.createdAt} /></td>
            <td safe>{r.trigger}</td>
            <td class="mono" safe>{`${r.request.method} ${r.request.path}`}</td>
            <td><span class={`badge ${STATUS_CLASS[r.status] ?? ''}`} safe>{r.status}</span></td>
            <td safe>{String(r.attempts.length)}</td>
            <td style="text-align:right">
              <button class="btn sm" hx-post={`/apps/${appId}/runs/${r.id}/replay`} hx-target="#runs" onclick="event.stopPropagation()">Replay</button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** One run in detail: attempts, response, traceback. */
export function RunDetail({ r }: { r: RunRow & { response?: { status: number; body: string } | null; traceback?: string | null; error?: string | null } }) {
  return (
    <div class="panel" style="margin-top:12px">
      <div class="panel-head"><h2 class="mono" safe>{r.id}</h2>{r.replayOf ? <span class="pill" safe>{`replay of ${r.replayOf}`}</span> : ''}</div>
      <table>
        <thead><tr><th>#</th><th>Started</th><th>Status</th><th>Duration</th><th>Error</th></tr></thead>
        <tbody>
          {r.attempts.map((a) => (
            <tr>
              <td safe>{String(a.n)}</td>
              <td><Ago at={a.startedAt} />{a.cold ? <span class="pill cold" style="margin-left:6px">cold</span> : ''}</td>
              <td safe>{a.status === null ? '—' : String(a.status)}</td>
              <td class="mono" safe>{`${a.durationMs} ms`}</td>
              <td class="err" safe>{a.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.response ? <><h3 style="margin:12px 0 6px">Response</h3><pre class="code" safe>{r.response.body || '(empty)'}</pre></> : ''}
      {r.traceback ? <><h3 style="margin:12px 0 6px">Traceback</h3><pre class="code tb" safe>{r.traceback}</pre></> : ''}
    </div>
  )
}

/** Cron triggers with their next runs, and the add form. */
export function CronPanel({ appId, cron, error }: { appId: string; cron: CronRow[]; error?: string }) {
  return (
    <div id="cron">
      {error ? <div class="alert" safe>{error}</div> : ''}
      {cron.length ? (
        <table>
          <tbody>
            {cron.map((t) => (
              <tr>
                <td class="mono" safe>{t.expr}</td>
                <td class="mono" safe>{`${t.method} ${t.path}`}</td>
                <td class="faint">{t.enabled ? <span safe>{`next ${t.next[0] ? new Date(t.next[0]).toISOString().replace('T', ' ').slice(0, 16) : '—'} ${t.timezone}`}</span> : 'disabled'}</td>
                <td style="text-align:right">
                  <button class="btn sm" hx-post={`/apps/${appId}/cron/${t.id}/toggle`} hx-target="#cron" hx-swap="outerHTML">{t.enabled ? 'Disable' : 'Enable'}</button>{' '}
                  <button class="btn sm danger" hx-delete={`/apps/${appId}/cron/${t.id}`} hx-target="#cron" hx-swap="outerHTML">Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <div class="muted">No cron triggers.</div>}
      <form class="row" style="margin-top:10px;flex-wrap:wrap" hx-post={`/apps/${appId}/cron`} hx-target="#cron" hx-swap="outerHTML">
        <input name="expr" class="mono" placeholder="*/5 * * * *" required style="max-width:150px" aria-label="Cron expression" />
        <select name="method" style="max-width:90px"><option>POST</option><option>GET</option></select>
        <input name="path" class="mono" placeholder="/tasks/cleanup" value="/" style="max-width:200px" aria-label="Path" />
        <input name="timezone" placeholder="UTC" value="UTC" style="max-width:120px" aria-label="Timezone" />
        <button class="btn sm" type="submit">Add trigger</button>
      </form>
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
