// GET /healthz: is the platform, its database and its runtime alive.
import { Elysia } from 'elysia'
import type { Services } from '../../domain/services'

/** Liveness and dependency health for load balancers and humans. */
export const healthApi = (s: Services) =>
  new Elysia().get('/healthz', async ({ set }) => {
    const db = await s.deps.dbHealthy()
    if (!db) set.status = 503
    return { ok: db, db: db ? 'ok' : 'down', runtime: s.deps.runtime.name }
  })
