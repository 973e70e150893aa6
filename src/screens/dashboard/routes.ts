// /apps/:id: the dashboard and its fragments (requests, traceback, versions, settings, delete).
import { Elysia } from 'elysia'
import { Dashboard, RequestDetail, RequestsTable, VersionsList } from '../../../views/screens/dashboard/dashboard'
import { DocumentsView } from '../../../views/screens/dashboard/database'
import { CronPanel, CronPreview, RunDetail, RunsTable, type CronDraft, type CronEditing, type RunsFilterValues } from '../../../views/screens/dashboard/runs'
import { preview } from '../../domain/cron'
import { DomainError } from '../../domain/errors'
import { MAX_ATTEMPTS, MAX_CONCURRENCY, readMinIdleMinutes } from '../../domain/app-settings'
import type { Principal } from '../../domain/auth'
import type { Services } from '../../domain/services'
import { html, redirect } from '../../plugins/html'
import { notFoundPage } from '../not-found'
import { shellUser, signedIn } from '../session'

type Ctx = { request: Request; params: Record<string, string>; body?: unknown; query?: Record<string, string | undefined> }

/** Runs a screen handler for a signed-in owner; another tenant's id answers the 404 page. */
const owned = (s: Services, fn: (p: Principal, c: Ctx) => Promise<Response>) =>
  signedIn(s, fn, (err, p) => err.status === 404 ? notFoundPage(shellUser(p)) : html(`<div class="alert">${Bun.escapeHTML(err.message)}</div>`, err.status))

/** The CPU and memory fields, on the kubernetes runtime only (the local runtime has no such limits). */
function resourcesOf(s: Services, app: { settings: { cpu?: string; memory?: string } }) {
  const { runtime, kubernetes: k } = s.deps.config
  if (runtime !== 'kubernetes') return null
  return { cpu: app.settings.cpu ?? '', memory: app.settings.memory ?? '', defaultCpu: k.cpu, defaultMemory: k.memory, maxCpu: k.maxCpu, maxMemory: k.maxMemory }
}

/** Dashboard screens. */
export const dashboardScreens = (s: Services) => {
  const requests = async (owner: string, id: string) => {
    await s.recorder.flush()
    return (await s.apps.requests(owner, id, { limit: 25 })).requests
  }
  const versions = async (owner: string, id: string) => s.apps.versions(owner, id)
  const cronPanel = async (p: Principal, id: string, editing?: CronEditing) => {
    const app = await s.apps.get(p.user.id, id)
    return html(CronPanel({ appId: app._id, cron: s.cron.list(app) as never, editing }) as string)
  }
  /** Runs a trigger change; when it is refused, the form comes back with what was typed and the reason. */
  const cronAction = async (p: Principal, id: string, formId: string, draft: CronDraft | null, fn: (app: Awaited<ReturnType<typeof s.apps.get>>) => Promise<unknown>) => {
    try {
      await fn(await s.apps.get(p.user.id, id))
    } catch (err) {
      if (!(err instanceof DomainError) || err.status === 404 || !draft) throw err
      return cronPanel(p, id, { id: formId, values: draft, error: err.message, preview: draft.expr ? preview(draft) : undefined })
    }
    return cronPanel(p, id)
  }
  /** A trigger form's fields (strings only; an unchecked box sends nothing). */
  const draftOf = (body: unknown): CronDraft => {
    const f = (body ?? {}) as Record<string, unknown>
    const str = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : undefined)
    return {
      expr: str('expr'), timezone: str('timezone'), method: str('method'), path: str('path'), body: str('body'),
      enabled: f.hasEnabled ? f.enabled === 'true' : true,
    }
  }
  /** The Runs panel's filter from its form (strings only; anything else is ignored). */
  const runsFilterOf = (q: unknown): RunsFilterValues => {
    const f = (q ?? {}) as Record<string, unknown>
    const str = (k: string) => (typeof f[k] === 'string' && f[k] ? (f[k] as string).slice(0, 40) : undefined)
    return { status: str('status'), trigger: str('trigger'), since: str('since'), from: str('from') }
  }
  /** The runs list as the filter asks (a refused value shows its reason in place of the list). */
  const runsTable = async (appId: string, f: RunsFilterValues) => {
    try {
      const runs = await s.runs.list(appId, { status: f.status, trigger: f.trigger, since: f.from ?? f.since, limit: 20 })
      return html(RunsTable({ appId, runs: runs.map((r) => ({ ...r, id: r._id })) as never, filter: f }) as string)
    } catch (err) {
      if (!(err instanceof DomainError) || err.status !== 400) throw err
      return html(RunsTable({ appId, runs: [], filter: f, error: err.message }) as string)
    }
  }
  const documents = async (p: Principal, params: Record<string, string>, q: Record<string, string | undefined>) => {
    const app = await s.apps.get(p.user.id, params.id!)
    const filter = q.filter ?? ''
    try {
      const r = await s.database.documents(app, params.name!, { filter, skip: Number(q.skip) || 0, limit: 10 })
      return html(DocumentsView({ appId: app._id, collection: params.name!, filter, ...r }) as string)
    } catch (err) {
      if (!(err instanceof DomainError) || err.status !== 400) throw err
      return html(DocumentsView({ appId: app._id, collection: params.name!, filter, skip: 0, limit: 10, total: 0, documents: [], error: err.message }) as string)
    }
  }
  return new Elysia()
    .get('/apps/:id', owned(s, async (p, { params }) => {
      const app = await s.apps.get(p.user.id, params.id!)
      const v = s.view(app)
      return html(Dashboard({
        user: shellUser(p),
        d: {
          id: app._id, name: app.name, slug: app.slug, url: v.url, status: v.status,
          error: v.error, currentVersion: app.currentVersion, lastRequestAt: v.lastRequestAt, idleMinutes: app.settings.idleMinutes,
          minIdleMinutes: await readMinIdleMinutes(s.deps.repos.settings),
          resources: resourcesOf(s, app),
          runSettings: { maxAttempts: v.settings.maxAttempts, concurrency: v.settings.concurrency, maxAttemptsCap: MAX_ATTEMPTS, concurrencyCap: MAX_CONCURRENCY },
          wakes: await s.apps.wakeStats(app._id), requests: await requests(p.user.id, app._id), versions: await versions(p.user.id, app._id),
          database: { ...s.database.describe(app), collections: await s.database.collections(app).catch(() => []) },
          runs: (await s.runs.list(app._id, { limit: 20 })).map((r) => ({ ...r, id: r._id })) as never, cron: s.cron.list(app) as never, baseUrl: s.deps.config.baseUrl,
        },
      }) as string)
    }))
    .get('/apps/:id/requests', owned(s, async (p, { params }) =>
      html(RequestsTable({ appId: params.id!, requests: await requests(p.user.id, params.id!) }) as string)))
    .get('/apps/:id/requests/:rid', owned(s, async (p, { params }) => {
      const r = await s.apps.request(p.user.id, params.id!, params.rid!)
      return html(RequestDetail({ r }) as string)
    }))
    .post('/apps/:id/versions/:v/deploy', owned(s, async (p, { params }) => {
      const version = Number(params.v)
      let message: string
      try {
        const r = await s.deploy.rollback(p.user.id, params.id!, version)
        message = `Version ${version} is live again (${r.durationMs} ms).`
      } catch (err) {
        if (!(err instanceof DomainError) || err.status === 404) throw err
        message = `Version ${version} did not start: ${err.message}`
      }
      return html(VersionsList({ appId: params.id!, versions: await versions(p.user.id, params.id!), message }) as string, 200, { 'hx-trigger': 'fp:requests' })
    }))
    .post('/apps/:id/versions/:v/clone', owned(s, async (p, { request, params }) => {
      const src = await s.apps.get(p.user.id, params.id!)
      const r = await s.deploy.clone(p.user.id, params.id!, { version: Number(params.v), name: `${src.name} (v${params.v} copy)` })
      return redirect(request, `/apps/${r.app._id}`)
    }))
    .put('/apps/:id/settings', owned(s, async (p, { params, body }) => {
      const form = (body ?? {}) as Record<string, unknown>
      const text = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : undefined)
      const whole = (k: string) => (form[k] === undefined || form[k] === '' ? undefined : Number(form[k]))
      const r = await s.settings(p.user.id, params.id!, {
        idleMinutes: Number(form.idleMinutes), maxAttempts: whole('maxAttempts'), concurrency: whole('concurrency'), cpu: text('cpu'), memory: text('memory'),
      })
      return html(`<span class="ok">${r.resourcesChanged ? 'Saved; the app restarts with its new resources.' : 'Saved.'}</span>`)
    }))
    .get('/apps/:id/runs', owned(s, async (p, { params, query }) => {
      const app = await s.apps.get(p.user.id, params.id!)
      return runsTable(app._id, runsFilterOf(query))
    }))
    .get('/apps/:id/runs/:rid', owned(s, async (p, { params }) => {
      await s.apps.get(p.user.id, params.id!)
      const r = await s.runs.get(p.user.id, params.rid!)
      return html(RunDetail({ r: { ...r, id: r._id } as never, logs: await s.runs.logs(r) }) as string)
    }))
    .post('/apps/:id/runs/:rid/replay', owned(s, async (p, { params, body }) => {
      const app = await s.apps.get(p.user.id, params.id!)
      await s.runs.replay(p.user.id, params.rid!)
      return runsTable(app._id, runsFilterOf(body))
    }))
    .get('/apps/:id/cron', owned(s, async (p, { params }) => cronPanel(p, params.id!)))
    .get('/apps/:id/cron/preview', owned(s, async (p, { params, query }) => {
      await s.apps.get(p.user.id, params.id!)
      const d = draftOf(query)
      return html((d.expr?.trim() ? CronPreview(preview(d)) : '<span class="cron-next">Type an expression to see its next runs.</span>') as string)
    }))
    .get('/apps/:id/cron/:cid/edit', owned(s, async (p, { params }) => {
      const app = await s.apps.get(p.user.id, params.id!)
      const t = (app.cron ?? []).find((x) => x.id === params.cid)
      if (!t) return cronPanel(p, app._id)
      return cronPanel(p, app._id, { id: t.id, values: t, preview: preview(t) })
    }))
    .post('/apps/:id/cron', owned(s, async (p, { params, body }) => {
      const d = draftOf(body)
      return cronAction(p, params.id!, 'new', d, (app) => s.cron.add(app, d))
    }))
    .put('/apps/:id/cron/:cid', owned(s, async (p, { params, body }) => {
      const d = draftOf(body)
      return cronAction(p, params.id!, params.cid!, d, (app) => s.cron.update(app, params.cid!, d))
    }))
    .post('/apps/:id/cron/:cid/toggle', owned(s, async (p, { params }) => cronAction(p, params.id!, params.cid!, null, async (app) => {
      const t = (app.cron ?? []).find((x) => x.id === params.cid)
      await s.cron.update(app, params.cid!, { enabled: !t?.enabled })
    })))
    .delete('/apps/:id/cron/:cid', owned(s, async (p, { params }) => cronAction(p, params.id!, params.cid!, null, (app) => s.cron.remove(app, params.cid!))))
    .get('/apps/:id/db/:name', owned(s, async (p, { params, query }) => documents(p, params, query ?? {})))
    .delete('/apps/:id/db/:name/:docId', owned(s, async (p, { params, body }) => {
      const app = await s.apps.get(p.user.id, params.id!)
      await s.database.deleteDocument(app, params.name!, params.docId!)
      return documents(p, params, (body ?? {}) as Record<string, string>)
    }))
    .delete('/apps/:id', owned(s, async (p, { request, params, body }) => {
      const drop = (body as Record<string, unknown> | undefined)?.dropDatabase === 'true'
      await s.apps.remove(p.user.id, params.id!, !drop)
      return redirect(request, '/')
    }))
}
