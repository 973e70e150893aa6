// The app dashboard: status and URL, live requests, tracebacks, live logs, versions, settings.
import { Page, type ShellUser } from '../../layouts/page'
import { Ago, HttpStatus, StatusBadge } from '../../components/status'
import { DatabasePanel, type CollectionRow } from './database'
import { CronPanel, RunsFilter, RunsTable, TriggerSnippets, type CronRow, type RunRow } from './runs'
import { SaveTemplateDialog } from '../templates/save'

/** One request row. */
export interface RequestRow {
  id: string
  method: string
  path: string
  status: number
  latencyMs: number
  cold: boolean
  at: Date
  error?: string | null
}

/** One version row. */
export interface VersionRow {
  version: number
  createdAt: Date
  current: boolean
}

/** Everything the dashboard shows. */
export interface DashboardData {
  id: string
  name: string
  slug: string
  url: string
  status: string
  error: string | null
  currentVersion: number | null
  lastRequestAt: Date | null
  idleMinutes: number
  /** The admin's minimum idle time: an app that asks for less sleeps after this. */
  minIdleMinutes: number
  /** Runs: attempts of each (1 = no retries) and how many of this app's execute at once, with their caps. */
  runSettings: { maxAttempts: number; concurrency: number; maxAttemptsCap: number; concurrencyCap: number }
  /** CPU and memory (kubernetes runtime only): the app's own, and the platform's default and cap. */
  resources: { cpu: string; memory: string; defaultCpu: string; defaultMemory: string; maxCpu: string; maxMemory: string } | null
  wakes: { count: number; p50Ms: number | null; p95Ms: number | null }
  requests: RequestRow[]
  versions: VersionRow[]
  database: { name: string; boundTo: string | null; isolation: string; collections: CollectionRow[] }
  runs: RunRow[]
  cron: CronRow[]
  baseUrl: string
}

/** How async, cron and webhook runs of the app are retried and how many execute at once. */
function RunFields({ r }: { r: DashboardData['runSettings'] }) {
  return (
    <div class="grid-2" style="margin-top:10px">
      <div>
        <label for="max-attempts">Attempts per run</label>
        <input id="max-attempts" name="maxAttempts" type="number" min="1" max={String(r.maxAttemptsCap)} value={String(r.maxAttempts)} />
        <div class="faint" safe>{`5xx and timeouts retry with growing delays; 1 = no retries, at most ${r.maxAttemptsCap}`}</div>
      </div>
      <div>
        <label for="concurrency">Runs at once</label>
        <input id="concurrency" name="concurrency" type="number" min="1" max={String(r.concurrencyCap)} value={String(r.concurrency)} />
        <div class="faint" safe>{`of this app; the rest wait queued, at most ${r.concurrencyCap}`}</div>
      </div>
    </div>
  )
}

/** CPU and memory of the app's pod; empty means the platform's default. */
function ResourceFields({ r }: { r: NonNullable<DashboardData['resources']> }) {
  return (
    <div class="grid-2" style="margin-top:10px">
      <div>
        <label for="cpu">CPU (pod request = limit)</label>
        <input id="cpu" name="cpu" class="mono" value={r.cpu} placeholder={r.defaultCpu} maxlength="20" />
        <div class="faint" safe>{`default ${r.defaultCpu}, at most ${r.maxCpu} (e.g. 500m)`}</div>
      </div>
      <div>
        <label for="memory">Memory</label>
        <input id="memory" name="memory" class="mono" value={r.memory} placeholder={r.defaultMemory} maxlength="20" />
        <div class="faint" safe>{`default ${r.defaultMemory}, at most ${r.maxMemory} (e.g. 256Mi)`}</div>
      </div>
    </div>
  )
}

/** The requests table (also served alone for live refresh). */
export function RequestsTable({ appId, requests }: { appId: string; requests: RequestRow[] }) {
  if (!requests.length) return <div class="empty" style="padding:20px">No requests yet. Call the app from the editor's test panel or open its URL.</div>
  return (
    <table>
      <thead>
        <tr><th>Time</th><th>Method</th><th>Path</th><th>Status</th><th>Latency</th><th></th></tr>
      </thead>
      <tbody>
        {requests.map((r) => (
          <tr class={r.status >= 500 ? 'click' : ''} {...(r.status >= 500 ? { 'hx-get': `/apps/${appId}/requests/${r.id}`, 'hx-target': '#request-detail' } : {})}>
            <td><Ago at={r.at} /></td>
            <td class="mono" safe>{r.method}</td>
            <td class="mono" style="max-width:320px;overflow:hidden;text-overflow:ellipsis" safe>{r.path}</td>
            <td><HttpStatus code={r.status} /></td>
            <td class="mono" safe>{`${r.latencyMs.toFixed(1)} ms`}</td>
            <td>{r.cold ? <span class="pill cold" title="woke the app">cold</span> : ''}{r.status >= 500 ? <span class="pill">traceback ›</span> : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** One request in detail, with its traceback. */
export function RequestDetail({ r }: { r: RequestRow & { traceback?: string | null; requestId: string } }) {
  return (
    <div class="panel" style="margin-top:12px">
      <div class="panel-head">
        <h2><span safe>{`${r.method} ${r.path}`}</span> → <HttpStatus code={r.status} /></h2>
        <span class="faint mono" safe>{r.requestId}</span>
      </div>
      {r.error ? <p class="err" safe>{r.error}</p> : ''}
      {r.traceback ? <pre class="code tb" safe>{r.traceback}</pre> : <p class="muted">No traceback was recorded for this request.</p>}
    </div>
  )
}

/** The versions list (also served alone after rollback/clone). */
export function VersionsList({ appId, versions, message }: { appId: string; versions: VersionRow[]; message?: string }) {
  return (
    <div id="versions">
      {message ? <div class="alert info" safe>{message}</div> : ''}
      {!versions.length ? <div class="muted">No versions yet: deploy from the editor.</div> : (
        <table>
          <tbody>
            {versions.map((v) => (
              <tr>
                <td class="mono" safe>{`v${v.version}`}</td>
                <td><Ago at={v.createdAt} /></td>
                <td>{v.current ? <span class="badge running">live</span> : ''}</td>
                <td style="text-align:right">
                  {v.current ? '' : (
                    <button class="btn sm" hx-post={`/apps/${appId}/versions/${v.version}/deploy`} hx-target="#versions" hx-swap="outerHTML">
                      Deploy this version
                    </button>
                  )}{' '}
                  <button class="btn sm" hx-post={`/apps/${appId}/versions/${v.version}/clone`}>Clone</button>{' '}
                  <button class="btn sm" type="button" data-version={String(v.version)}
                    onclick="var d=document.getElementById('save-template');document.getElementById('save-template-version').value=this.dataset.version;document.getElementById('save-template-heading').textContent='Save v'+this.dataset.version+' as a template';document.getElementById('save-template-result').textContent='';d.showModal()">
                    Save as template
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

/** The dashboard page. */
export function Dashboard({ user, d }: { user: ShellUser; d: DashboardData }) {
  return (
    <Page title={d.name} user={user} active="apps" safeHead={`<script defer src="/assets/dashboard.js"></script>`}>
      <div class="page-head" data-app-id={d.id}>
        <div class="grow">
          <div class="row"><h1 safe>{d.name}</h1><StatusBadge status={d.status} /></div>
          <div class="sub mono" safe>{d.url}</div>
        </div>
        <button class="btn" type="button" data-url={d.url} onclick="navigator.clipboard&&navigator.clipboard.writeText(this.dataset.url);this.textContent='Copied'">Copy URL</button>
        <a class="btn" href={d.url} target="_blank" rel="noopener">Open</a>
        <a class="btn primary" href={`/apps/${d.id}/edit`}>Edit code</a>
      </div>
      {d.error ? <div class="alert" safe>{d.error}</div> : ''}
      <div class="grid-2">
        <div class="panel">
          <h2>Status</h2>
          <dl class="kv">
            <dt>Status</dt><dd><StatusBadge status={d.status} /></dd>
            <dt>Version</dt><dd>{d.currentVersion ? `v${d.currentVersion}` : 'not deployed'}</dd>
            <dt>Last request</dt><dd><Ago at={d.lastRequestAt} /></dd>
            <dt>Sleeps after</dt><dd safe>{d.idleMinutes < d.minIdleMinutes ? `${d.minIdleMinutes} min idle (the platform's minimum)` : `${d.idleMinutes} min idle`}</dd>
            <dt>Wakes</dt><dd>{d.wakes.count ? `${d.wakes.count} · p50 ${d.wakes.p50Ms} ms · p95 ${d.wakes.p95Ms} ms` : 'none yet'}</dd>
          </dl>
        </div>
        <div class="panel">
          <h2>Versions</h2>
          {VersionsList({ appId: d.id, versions: d.versions })}
        </div>
      </div>
      <div class="panel" style="margin-top:16px">
        <div class="panel-head"><h2>Recent requests</h2><span class="faint">live</span></div>
        <div id="requests" hx-get={`/apps/${d.id}/requests`} hx-trigger="fp:requests from:body">
          {RequestsTable({ appId: d.id, requests: d.requests })}
        </div>
        <div id="request-detail"></div>
      </div>
      <div class="panel" style="margin-top:16px">
        <div class="panel-head">
          <h2>Logs</h2>
          <input id="log-filter" placeholder="Filter…" style="max-width:200px" />
          <button class="btn sm" id="log-pause" type="button">Pause</button>
          <button class="btn sm" id="log-clear" type="button">Clear</button>
          <span id="log-state" class="faint">connecting…</span>
        </div>
        <div class="logs" id="logs"></div>
      </div>
      <div style="margin-top:16px">{DatabasePanel({ appId: d.id, ...d.database })}</div>
      <div class="panel" style="margin-top:16px">
        <div class="panel-head"><h2>Runs</h2><span class="faint">async invokes, cron ticks, webhooks</span></div>
        {RunsFilter({ appId: d.id, f: {} })}
        <div id="runs" hx-get={`/apps/${d.id}/runs`} hx-trigger="fp:runs from:body" hx-include="#runs-filter">{RunsTable({ appId: d.id, runs: d.runs })}</div>
        <div id="run-detail"></div>
      </div>
      <div class="panel" style="margin-top:16px">
        <div class="panel-head"><h2>Cron</h2><span class="faint">each tick calls the app and is recorded as a run</span></div>
        {CronPanel({ appId: d.id, cron: d.cron })}
      </div>
      <div class="panel" style="margin-top:16px"><h2>Triggers</h2>{TriggerSnippets({ baseUrl: d.baseUrl, appId: d.id })}</div>
      <div class="grid-2" style="margin-top:16px">
        <div class="panel">
          <h2>Settings</h2>
          <form hx-put={`/apps/${d.id}/settings`} hx-target="#settings-msg">
            <label for="idle">Sleep after this many idle minutes</label>
            <input id="idle" name="idleMinutes" type="number" min="1" max="10080" value={String(d.idleMinutes)} style="max-width:140px" />
            <RunFields r={d.runSettings} />
            {d.resources ? <ResourceFields r={d.resources} /> : ''}
            <div class="row" style="margin-top:12px">
              <button class="btn" type="submit">Save</button>
              <span id="settings-msg" class="faint"></span>
            </div>
          </form>
        </div>
        <div class="panel">
          <h2 class="err">Danger zone</h2>
          <p class="muted">Deleting removes the app, its versions and its history.</p>
          <form hx-delete={`/apps/${d.id}`} hx-confirm={`Delete ${d.name}? This cannot be undone.`}>
            <label style="display:flex;gap:8px;align-items:center;color:var(--text);margin-bottom:10px">
              <input type="checkbox" name="dropDatabase" value="true" checked style="width:auto" /> Also delete its database
            </label>
            <button class="btn danger" type="submit">Delete app</button>
          </form>
        </div>
      </div>
      <SaveTemplateDialog appId={d.id} />
    </Page>
  )
}
