// /api/apps: create, list, read, update, delete, draft, env, settings.
import { Elysia } from 'elysia'
import type { AppDoc } from '../../data/apps.repo'
import { DomainError } from '../../domain/errors'
import type { Services } from '../../domain/services'
import { authPlugin } from '../../plugins/auth'
import * as m from './model'

/** App CRUD routes. */
export const appsApi = (s: Services) => {
  const view = s.view
  const detail = async (a: AppDoc) => (await s.recorder.flush(), {
    ...view(a), files: a.draft.files, draftEntrypoint: a.draft.entrypoint, draftUpdatedAt: a.draft.updatedAt,
    env: s.apps.envList(a, false), wakes: await s.apps.wakeStats(a._id),
    database: { ...s.database.describe(a), collections: await s.database.collections(a).catch(() => []) },
  })
  /** Deploys and reports the outcome inside a 2xx answer (the app exists either way). */
  const deployOutcome = async (ownerId: string, id: string) => {
    try {
      const r = await s.deploy.deploy(ownerId, id)
      return { app: r.app, deploy: { ok: true, version: r.version, durationMs: r.durationMs, warnings: r.warnings } }
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      return { app: await s.apps.get(ownerId, id), deploy: { ok: false, error: err.code, message: err.message, ...err.details } }
    }
  }

  return new Elysia({ prefix: '/api/apps' })
    .use(authPlugin(s))
    .get('/', async ({ principal }) => ({ apps: (await s.apps.list(principal.user.id)).map(view) }), { auth: true })
    .post('/', async ({ principal, body, set }) => {
      const owner = principal.user.id
      const tpl = body.template ? await s.catalog.resolve(principal.user, body.template) : null
      let app = await s.apps.create(owner, tpl
        ? { name: body.name, files: body.files ?? tpl.files, entrypoint: body.entrypoint ?? tpl.entrypoint, template: tpl.name }
        : { ...body, files: body.files ?? {} })
      const env = { ...(tpl?.env ?? {}), ...(body.env ?? {}) }
      if (Object.keys(env).length) app = await s.apps.setEnv(owner, app._id, env)
      set.status = 201
      if (body.deploy === false) return { ...view(app), version: null }
      const out = await deployOutcome(owner, app._id)
      return { ...view(out.app), version: out.deploy.ok ? out.deploy.version : null, deploy: out.deploy }
    }, { auth: true, body: m.createApp })
    .get('/:id', async ({ principal, params }) => detail(await s.apps.get(principal.user.id, params.id)), { auth: true })
    .put('/:id', async ({ principal, params, body }) => {
      const owner = principal.user.id
      let app = await s.apps.saveDraft(owner, params.id, body)
      if (body.env) app = await s.apps.setEnv(owner, params.id, body.env)
      if (body.deploy === false) return detail(app)
      const out = await deployOutcome(owner, params.id)
      return { ...(await detail(out.app)), deploy: out.deploy }
    }, { auth: true, body: m.updateApp })
    .delete('/:id', async ({ principal, params, query }) => {
      const keep = query.dropDatabase === 'false' || query.keepDatabase === 'true'
      await s.apps.remove(principal.user.id, params.id, keep)
      return { ok: true, deleted: params.id, databaseDropped: !keep }
    }, { auth: true })
    .put('/:id/draft', async ({ principal, params, body }) =>
      detail(await s.apps.saveDraft(principal.user.id, params.id, body ?? {})), { auth: true, body: m.draft })
    .get('/:id/env', async ({ principal, params, query }) => {
      const app = await s.apps.get(principal.user.id, params.id)
      return { env: s.apps.envList(app, query.reveal === 'true' || query.reveal === '1') }
    }, { auth: true })
    .put('/:id/env', async ({ principal, params, body }) => {
      const owner = principal.user.id
      const app = await s.apps.setEnv(owner, params.id, body.env, body.replace)
      const restarted = body.restart === false ? null : await s.deploy.restart(owner, params.id)
      return { env: s.apps.envList(app, false), restarted: restarted ? restarted.version : null }
    }, { auth: true, body: m.env })
    .put('/:id/settings', async ({ principal, params, body }) => {
      const r = await s.settings(principal.user.id, params.id, body)
      return view(r.app)
    }, { auth: true, body: m.settings })
}
