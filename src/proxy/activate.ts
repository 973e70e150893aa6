// Makes sure a ready instance exists: the warm path is a map lookup; otherwise one start per app.
import { DomainError } from '../domain/errors'
import type { Endpoint } from '../runtime/types'
import type { Handler, ProxyRequest } from './chain'
import { proxyError } from './respond'

/** What activation needs from the domain. */
export interface Activator {
  endpoint(appId: string): Endpoint | undefined
  activate(appId: string): Promise<Endpoint>
}

/** The activate link. */
export function activate(activator: Activator, inner: Handler): Handler {
  return async (pr: ProxyRequest) => {
    const warm = activator.endpoint(pr.app.id)
    if (warm) {
      pr.endpoint = warm
      return inner(pr)
    }
    pr.cold = true
    try {
      pr.endpoint = await activator.activate(pr.app.id)
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      pr.error = err.message
      const tb = typeof err.details?.traceback === 'string' ? err.details.traceback : null
      pr.traceback = tb
      const status = err.status === 422 ? 502 : err.status
      const title = err.code === 'not_deployed' ? 'Not deployed yet' : err.code === 'restarting' ? 'Restarting' : 'App failed to start'
      return proxyError(pr.request, status, title, err.message, {
        appName: pr.app.name, traceback: tb, requestId: pr.requestId, code: err.code,
        retryAfter: typeof err.details?.retryAfter === 'number' ? err.details.retryAfter : undefined,
        hint: err.code === 'start_failed' ? 'Fix the error above and deploy again.' : undefined,
      })
    }
    return inner(pr)
  }
}
