// GET /healthz: is the platform, its database and its runtime alive. A component that is down makes
// the answer 503 `degraded` and names it; the platform keeps serving warm apps meanwhile.
import { Elysia } from 'elysia'
import type { Services } from '../../domain/services'

/** How long the database may take to answer a ping before it counts as down (a stopped server hangs). */
const PING_TIMEOUT_MS = 1500

/** Liveness and dependency health for load balancers and humans. */
export const healthApi = (s: Services) =>
  new Elysia().get('/healthz', async ({ set }) => {
    let timer: Timer | undefined
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), PING_TIMEOUT_MS)))
    const db = await Promise.race([s.deps.dbHealthy().catch(() => false), timeout])
    clearTimeout(timer)
    const down = db ? [] : ['db']
    if (down.length) set.status = 503
    return { ok: !down.length, status: down.length ? 'degraded' : 'ok', db: db ? 'ok' : 'down', runtime: s.deps.runtime.name, down }
  })
