// /api/apps: validate, deploy, status, versions, rollback, clone, request history.
import { Elysia } from 'elysia'
import { appView, checkFiles } from '../../domain/apps'
import type { Services } from '../../domain/services'
import { authPlugin } from '../../plugins/auth'
import * as m from './model'

/** Deploy lifecycle and history routes. */
export const deployApi = (s: Services) => {
  const allowed = () => s.deps.repos.settings.get<string[] | undefined>('allowedImports', undefined)
  return new Elysia({ prefix: '/api/apps' })
    .use(authPlugin(s))
    .post('/validate', async ({ body }) => s.deps.validator.validate(checkFiles(body.files), body.entrypoint, await allowed()), {
      auth: true, body: m.validate,
    })
    .post('/:id/validate', async ({ principal, params, body }) => {
      const app = await s.apps.get(principal.user.id, params.id)
      const files = body?.files ? checkFiles(body.files) : app.draft.files
      return s.deps.validator.validate(files, body?.entrypoint ?? (app.draft.entrypoint || undefined), await allowed())
    }, { auth: true, body: m.draft })
    .post('/:id/deploy', async ({ principal, params, body }) => {
      const r = await s.deploy.deploy(principal.user.id, params.id, body ?? {})
      return { ok: true, version: r.version, durationMs: r.durationMs, warnings: r.warnings, app: appView(s.deps, r.app) }
    }, { auth: true, body: m.draft })
    .get('/:id/status', async ({ principal, params }) => {
      const app = await s.apps.get(principal.user.id, params.id)
      const ep = s.deps.runtime.endpoint(app._id)
      const starting = s.deploy.starting(app._id)
      return {
        ...s.view(app),
        instance: ep ? { id: ep.instanceId, version: ep.version } : null,
        starting,
      }
    }, { auth: true })
    .get('/:id/deploy-status', async ({ principal, params }) => {
      const app = await s.apps.get(principal.user.id, params.id)
      const events = await s.deps.repos.events.lastDeploy(app._id)
      const last = events[events.length - 1]
      return {
        deployId: last?.deployId ?? null,
        version: events.find((e) => e.version !== null)?.version ?? null,
        phase: last?.phase ?? null,
        message: last?.message ?? null,
        currentVersion: app.currentVersion,
        events: events.map(({ _id, appId, ...e }) => e),
      }
    }, { auth: true })
    .get('/:id/versions', async ({ principal, params }) => ({ versions: await s.apps.versions(principal.user.id, params.id) }), { auth: true })
    .get('/:id/versions/:version', async ({ principal, params }) => {
      const v = await s.apps.version(principal.user.id, params.id, Number(params.version))
      return { version: v.version, hash: v.hash, entrypoint: v.entrypoint, files: v.files, createdAt: v.createdAt }
    }, { auth: true })
    .post('/:id/rollback', async ({ principal, params, body }) => {
      const r = await s.deploy.rollback(principal.user.id, params.id, body.version)
      return { ok: true, version: r.version, durationMs: r.durationMs, app: appView(s.deps, r.app) }
    }, { auth: true, body: m.rollback })
    .post('/:id/clone', async ({ principal, params, body, set }) => {
      const r = await s.deploy.clone(principal.user.id, params.id, body ?? {})
      set.status = 201
      return { ...appView(s.deps, r.app), version: r.deploy?.version ?? null }
    }, { auth: true, body: m.clone })
    .get('/:id/requests', async ({ principal, params, query }) => {
      await s.recorder.flush()
      return s.apps.requests(principal.user.id, params.id, query)
    }, { auth: true, query: m.requestsQuery })
    .get('/:id/requests/:requestId', async ({ principal, params }) => {
      await s.recorder.flush()
      return s.apps.request(principal.user.id, params.id, params.requestId)
    }, { auth: true })
}
