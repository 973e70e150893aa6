// /api/apps/:id/database, /db/…, /logs: the app's database (binding, browser, export) and stored logs.
import { Elysia, t } from 'elysia'
import type { Services } from '../../domain/services'
import { badRequest } from '../../domain/errors'
import { authPlugin } from '../../plugins/auth'

/** Database and logs routes. */
export const databaseApi = (s: Services) =>
  new Elysia({ prefix: '/api/apps' })
    .use(authPlugin(s))
    .get('/:id/database', async ({ principal, params, query }) => {
      const app = await s.apps.get(principal.user.id, params.id)
      // ?reveal=1: the app's own PLATFORM_MONGO_URI, for `fp dev --remote-db` (the owner's own database)
      const uri = query.reveal === '1' || query.reveal === 'true' ? { uri: s.database.uriFor(app) } : {}
      return { ...s.database.describe(app), ...uri, collections: await s.database.collections(app) }
    }, { auth: true })
    .put('/:id/database', async ({ principal, params, body }) => {
      const app = await s.apps.get(principal.user.id, params.id)
      await s.database.bind(principal.user.id, app, body.bindTo)
      s.deploy.forget(app._id)
      const restarted = await s.deploy.restart(principal.user.id, app._id)
      return { ...s.database.describe((await s.apps.get(principal.user.id, app._id))), restarted: restarted?.version ?? null }
    }, { auth: true, body: t.Object({ bindTo: t.Union([t.String({ maxLength: 64 }), t.Null()]) }) })
    .get('/:id/db/collections', async ({ principal, params }) =>
      ({ collections: await s.database.collections(await s.apps.get(principal.user.id, params.id)) }), { auth: true })
    .get('/:id/db/collections/:name/documents', async ({ principal, params, query }) =>
      s.database.documents(await s.apps.get(principal.user.id, params.id), params.name, query), {
      auth: true,
      query: t.Object({ filter: t.Optional(t.String({ maxLength: 4000 })), skip: t.Optional(t.Numeric()), limit: t.Optional(t.Numeric()) }),
    })
    .delete('/:id/db/collections/:name/documents/:docId', async ({ principal, params }) => {
      await s.database.deleteDocument(await s.apps.get(principal.user.id, params.id), params.name, params.docId)
      return { ok: true }
    }, { auth: true })
    .get('/:id/db/collections/:name/export', async ({ principal, params }) => {
      const app = await s.apps.get(principal.user.id, params.id)
      return new Response(s.database.exportLines(app, params.name), {
        headers: { 'content-type': 'application/x-ndjson', 'content-disposition': `attachment; filename="${params.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.jsonl"` },
      })
    }, { auth: true })
    .get('/:id/logs', async ({ principal, params, query }) => {
      await s.apps.get(principal.user.id, params.id)
      const date = (v?: string) => {
        if (!v) return undefined
        const d = new Date(/^\d+[smhd]$/.test(v) ? Date.now() - Number(v.slice(0, -1)) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[v.slice(-1) as 's']! : v)
        if (Number.isNaN(d.getTime())) throw badRequest('since/until must be an ISO date or a duration like 15m, 1h, 2d')
        return d
      }
      await s.storedLogs.flush()
      const rows = await s.deps.repos.logs.query(params.id, {
        since: date(query.since), until: date(query.until), q: query.q, limit: Math.min(Math.max(Number(query.limit) || 200, 1), 1000),
      })
      return { logs: rows.reverse().map(({ _id, appId, ...l }) => l) }
    }, {
      auth: true,
      query: t.Object({ since: t.Optional(t.String({ maxLength: 40 })), until: t.Optional(t.String({ maxLength: 40 })), q: t.Optional(t.String({ maxLength: 200 })), limit: t.Optional(t.Numeric()) }),
    })
