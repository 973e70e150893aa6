// Makes sure a ready instance exists. Warm: a map lookup. Cold: one start per app however many
// requests arrive (the domain's single-flight); the others wait in a bounded per-app queue;
// past the bound → 503 Retry-After; past the wake timeout → 504; browsers get a waking page.
import { WakingPage } from '../../views/screens/proxy/waking-page'
import { DomainError } from '../domain/errors'
import type { Endpoint } from '../runtime/types'
import type { Handler, ProxyRequest } from './chain'
import { proxyError, wantsHtml } from './respond'

/** What activation needs from the domain. */
export interface Activator {
  endpoint(appId: string): Endpoint | undefined
  activate(appId: string): Promise<Endpoint>
}

/** Bounds of waiting for a wake. */
export interface ActivateOptions {
  /** Requests that may wait for one app's wake; more → 503. */
  maxWaiting: number
  /** Longest wait for a wake before 504. */
  wakeTimeoutMs: number
  /** How long a browser navigation is held before it gets the waking page instead. */
  holdHtmlMs: number
}

const TIMEOUT = Symbol('timeout')

function within<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: Timer
  return Promise.race([p, new Promise<typeof TIMEOUT>((r) => (timer = setTimeout(() => r(TIMEOUT), ms)))]).finally(() => clearTimeout(timer))
}

/** The HTTP status of a failed wake: a start failure is the app's fault (502), not the request's (422). */
export const wakeStatus = (err: DomainError) => (err.status === 422 ? 502 : err.status)

/** Answers a failed wake: the app's traceback when it has one, HTML or JSON by Accept. */
export function wakeFailure(pr: ProxyRequest, err: DomainError): Response {
  pr.error = err.message
  const tb = typeof err.details?.traceback === 'string' ? err.details.traceback : null
  pr.traceback = tb
  const status = wakeStatus(err)
  const title = err.code === 'not_deployed' ? 'Not deployed yet' : err.code === 'restarting' ? 'Restarting' : 'App failed to start'
  return proxyError(pr.request, status, title, err.message, {
    appName: pr.app.name, traceback: tb, requestId: pr.requestId, code: err.code,
    retryAfter: typeof err.details?.retryAfter === 'number' ? err.details.retryAfter : undefined,
    hint: err.code === 'start_failed' ? 'Fix the error above and deploy again.' : undefined,
  })
}

/** The activate link. */
export function activate(activator: Activator, opts: ActivateOptions, inner: Handler): Handler {
  const waiting = new Map<string, number>()
  return async (pr: ProxyRequest): Promise<Response> => {
    const warm = activator.endpoint(pr.app.id)
    if (warm) {
      pr.endpoint = warm
      return inner(pr)
    }
    pr.cold = true
    const id = pr.app.id
    const n = waiting.get(id) ?? 0
    if (n >= opts.maxWaiting) {
      pr.error = 'wake queue full'
      return proxyError(pr.request, 503, 'Busy waking up', `${pr.app.name} is starting and ${n} requests are already waiting; retry shortly`, {
        appName: pr.app.name, requestId: pr.requestId, retryAfter: 1, code: 'wake_queue_full',
      })
    }
    waiting.set(id, n + 1)
    const t0 = performance.now()
    try {
      const wake = activator.activate(id)
      const browser = wantsHtml(pr.request)
      const got = await within(wake, browser ? opts.holdHtmlMs : opts.wakeTimeoutMs)
      if (got === TIMEOUT) {
        if (browser) {
          wake.catch(() => {}) // the page's own wait reports the outcome
          pr.error = 'served the waking page'
          const wakeUrl = `${pr.match.prefix}/__fp/wake`
          return new Response(WakingPage({ appName: pr.app.name, wakeUrl }) as string, {
            status: 503,
            headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '1', 'x-request-id': pr.requestId },
          })
        }
        wake.catch(() => {})
        pr.error = `not ready within ${opts.wakeTimeoutMs} ms`
        return proxyError(pr.request, 504, 'Wake timeout', `${pr.app.name} did not become ready within ${Math.round(opts.wakeTimeoutMs / 1000)} s`, {
          appName: pr.app.name, requestId: pr.requestId, code: 'wake_timeout',
        })
      }
      pr.endpoint = got
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      return wakeFailure(pr, err)
    } finally {
      const left = (waiting.get(id) ?? 1) - 1
      if (left > 0) waiting.set(id, left)
      else waiting.delete(id)
    }
    pr.wakeMs = Math.round((performance.now() - t0) * 100) / 100
    const res = await inner(pr)
    res.headers.append('server-timing', `wake;dur=${pr.wakeMs}`)
    return res
  }
}
