// Async invoke, runs, replay/cancel, invoke keys, cron triggers and webhooks.
import { Elysia, t } from 'elysia'
import { createHmac } from 'node:crypto'
import type { AppDoc } from '../../data/apps.repo'
import type { Principal } from '../../domain/auth'
import { DomainError, notFound, unauthorized } from '../../domain/errors'
import type { Services } from '../../domain/services'
import { open, randomToken, safeEqual, seal, sha256 } from '../../lib/crypto'
import { authPlugin, principalOf } from '../../plugins/auth'
import type { ProxyHandler } from '../../proxy'

const FORWARDED = ['content-type', 'accept', 'user-agent']
const pickHeaders = (h: Headers) => Object.fromEntries(FORWARDED.filter((k) => h.has(k)).map((k) => [k, h.get(k)!]))
const runView = (r: Record<string, unknown>) => {
  const { _id, ownerId, ...rest } = r
  return { id: _id, ...rest }
}

/** Run routes. */
export const runsApi = (s: Services, proxy: ProxyHandler) => {
  const { repos } = s.deps
  async function bodyOf(request: Request): Promise<string> {
    const len = Number(request.headers.get('content-length') ?? 0)
    if (len > 64 * 1024) throw new DomainError(413, 'payload_too_large', 'a run body is at most 64 KB')
    const text = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text()
    if (text.length > 64 * 1024) throw new DomainError(413, 'payload_too_large', 'a run body is at most 64 KB')
    return text
  }
  /** The app an invoke targets: the owner's token/cookie, or the app's own invoke key. */
  async function invokeTarget(request: Request, appId: string): Promise<AppDoc> {
    const key = request.headers.get('x-invoke-key')
    if (key) {
      const app = await repos.apps.byId(appId)
      if (!app || !app.invokeKeyHash || !safeEqual(app.invokeKeyHash, sha256(key))) throw notFound('app')
      return app
    }
    const p: Principal | null = await principalOf(s, request)
    if (!p) throw unauthorized('send your token, or the app\'s invoke key in X-Invoke-Key')
    return s.apps.get(p.user.id, appId)
  }

  return new Elysia()
    .use(authPlugin(s))
    .post('/api/invoke/:appId/*', async ({ request, params, set }) => {
      const app = await invokeTarget(request, params.appId)
      const body = await bodyOf(request)
      const url = new URL(request.url)
      const path = `/${params['*'] ?? ''}${url.search}`
      const { run, reused } = await s.runs.invoke(app, { method: 'POST', path, headers: pickHeaders(request.headers), body }, request.headers.get('idempotency-key') ?? undefined)
      set.status = reused ? 200 : 202
      return { run_id: run._id, status: run.status, status_url: `${s.deps.config.baseUrl}/api/runs/${run._id}`, reused }
    }, { parse: 'none' })
    .get('/api/runs/:id', async ({ principal, params }) => {
      const run = await s.runs.get(principal.user.id, params.id)
      return { ...runView(run as never), logs: await s.runs.logs(run) }
    }, { auth: true })
    .post('/api/runs/:id/replay', async ({ principal, params, set }) => {
      set.status = 202
      return runView(await s.runs.replay(principal.user.id, params.id) as never)
    }, { auth: true })
    .post('/api/runs/:id/cancel', async ({ principal, params }) => runView(await s.runs.cancel(principal.user.id, params.id) as never), { auth: true })
    .get('/api/apps/:id/runs', async ({ principal, params, query }) => {
      const app = await s.apps.get(principal.user.id, params.id)
      return { runs: (await s.runs.list(app._id, query)).map((r) => runView(r as never)) }
    }, { auth: true, query: listQuery })
    .post('/api/apps/:id/invoke-key', async ({ principal, params }) => {
      const app = await s.apps.get(principal.user.id, params.id)
      const key = `fpk_${randomToken(24)}`
      await repos.apps.update(app._id, { invokeKeyHash: sha256(key) })
      return { key, note: 'shown once; send it as X-Invoke-Key to POST /api/invoke/{appId}/…' }
    }, { auth: true })
    .put('/api/apps/:id/webhook', async ({ principal, params, body }) => {
      const app = await s.apps.get(principal.user.id, params.id)
      const secret = body.secret ? seal(s.deps.keys.secrets, body.secret, `${app._id}:webhook`) : null
      await repos.apps.update(app._id, { settings: { ...app.settings, webhookSecret: secret } })
      return { url: `${s.deps.config.baseUrl}/hooks/${app._id}/`, signed: !!secret, header: 'X-Signature-256: sha256=<hex HMAC-SHA256 of the body>' }
    }, { auth: true, body: t.Object({ secret: t.Union([t.String({ minLength: 8, maxLength: 200 }), t.Null()]) }) })
    .get('/api/apps/:id/cron', async ({ principal, params }) => ({ cron: s.cron.list(await s.apps.get(principal.user.id, params.id)) }), { auth: true })
    .post('/api/apps/:id/cron', async ({ principal, params, body, set }) => {
      set.status = 201
      return s.cron.add(await s.apps.get(principal.user.id, params.id), body)
    }, { auth: true, body: cronBody })
    .put('/api/apps/:id/cron/:cid', async ({ principal, params, body }) =>
      s.cron.update(await s.apps.get(principal.user.id, params.id), params.cid, body), { auth: true, body: cronBody })
    // PATCH: only the fields sent change (the others keep their values)
    .patch('/api/apps/:id/cron/:cid', async ({ principal, params, body }) =>
      s.cron.update(await s.apps.get(principal.user.id, params.id), params.cid, body), { auth: true, body: t.Partial(cronBody) })
    .delete('/api/apps/:id/cron/:cid', async ({ principal, params }) => {
      await s.cron.remove(await s.apps.get(principal.user.id, params.id), params.cid)
      return { ok: true }
    }, { auth: true })
    // Webhooks: a stable URL per app; the payload goes to the app itself (never to a user-given URL).
    .post('/hooks/:appId/*', async ({ request, params }) => {
      const app = await repos.apps.byId(params.appId)
      if (!app) throw notFound('app')
      const body = await bodyOf(request)
      if (app.settings.webhookSecret) {
        const secret = open(s.deps.keys.secrets, app.settings.webhookSecret, `${app._id}:webhook`)
        const want = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
        const got = request.headers.get('x-signature-256') ?? request.headers.get('x-hub-signature-256') ?? ''
        if (!safeEqual(got, want)) throw unauthorized('webhook signature missing or wrong (X-Signature-256: sha256=<HMAC of the body>)')
      }
      const url = new URL(request.url)
      const req = { method: 'POST', path: `/${params['*'] ?? ''}${url.search}`, headers: pickHeaders(request.headers), body }
      const startedAt = s.deps.now()
      const result = await proxy.invoke(app._id, req)
      const run = await s.runs.recordSync(app, 'webhook', req, result, startedAt)
      return new Response(result.body, {
        status: result.status ?? 502,
        headers: { 'content-type': result.headers['content-type'] ?? 'application/json', 'x-run-id': run._id },
      })
    }, { parse: 'none' })
}

// status/trigger are checked against the known values by the runs service (400 with the allowed ones)
const listQuery = t.Object({
  status: t.Optional(t.String({ maxLength: 20 })),
  trigger: t.Optional(t.String({ maxLength: 20 })),
  since: t.Optional(t.String({ maxLength: 40 })),
  until: t.Optional(t.String({ maxLength: 40 })),
  limit: t.Optional(t.Numeric()),
})

const cronBody = t.Object({
  expr: t.String({ maxLength: 120 }),
  timezone: t.Optional(t.String({ maxLength: 64 })),
  method: t.Optional(t.String({ maxLength: 10 })),
  path: t.Optional(t.String({ maxLength: 500 })),
  body: t.Optional(t.String({ maxLength: 65536 })),
  enabled: t.Optional(t.Boolean()),
})
