// The wakeup proxy as an Elysia plugin: every request for an app goes resolve → record → activate → forward.
import { Elysia } from 'elysia'
import { newRequestId } from '../lib/request-id'
import type { Services } from '../domain/services'
import { DomainError } from '../domain/errors'
import { activate, wakeStatus } from './activate'
import { forward } from './forward'
import { errorLine, record } from './record'
import { matchApp, type Match } from './resolve'
import type { AttemptResult } from '../domain/runs'
import { proxyError } from './respond'

/** The one path the proxy keeps for itself on every app: the waking page waits on it. */
export const WAKE_PATH = '/__fp/wake'

async function wakeEndpoint(s: Services, appId: string): Promise<Response> {
  try {
    await s.deploy.activate(appId)
    return Response.json({ ready: true }, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    if (!(err instanceof DomainError)) throw err
    return Response.json({ ready: false, error: err.message }, { status: wakeStatus(err), headers: { 'cache-control': 'no-store' } })
  }
}

/** Something that can tell a client's address (Bun's server). */
export interface PeerInfo {
  requestIP(request: Request): { address: string } | null
}

/** The proxy's entry: a Response for app traffic, or null when the request is the platform's own. */
export type ProxyHandler = ((request: Request, server?: PeerInfo | null) => Promise<Response> | null) & { invoke: Invoker }

/** Calls an app through the proxy chain (wake, forward, record) on behalf of the platform: runs, webhooks. */
export type Invoker = (appId: string, req: { method: string; path: string; headers: Record<string, string>; body: string }) => Promise<AttemptResult>

/** Builds the chain once. */
export function createProxy(s: Services): ProxyHandler {
  const { config, runtime } = s.deps
  const chain = record(
    s.recorder,
    activate(
      { endpoint: (id) => runtime.endpoint(id), activate: (id) => s.deploy.activate(id) },
      { maxWaiting: config.wakeQueue, wakeTimeoutMs: config.wakeTimeoutMs, holdHtmlMs: config.wakeHoldHtmlMs },
      forward({
        timeoutMs: config.requestTimeoutMs,
        bodyLimit: config.appBodyLimit,
        sockets: config.proxyClient === 'sockets',
        onTimeout: (id) => void runtime.stop(id).catch(() => {}),
        onDead: (id, instanceId) => runtime.discard(id, instanceId),
      }),
    ),
  )

  const handle = async (request: Request, match: Match, server?: PeerInfo | null): Promise<Response> => {
    if (match.redirect) return new Response(null, { status: 308, headers: { location: match.redirect } })
    const requestId = newRequestId()
    const app = s.directory.cached(match.slug) ?? (await s.directory.resolve(match.slug))
    if (!app) {
      return proxyError(request, 404, 'App not found', `there is no app at "${match.slug}": check the URL, or deploy it first`, {
        requestId, code: 'app_not_found',
      })
    }
    if (match.path === WAKE_PATH) return wakeEndpoint(s, app.id)
    return chain({ request, match, app, requestId, clientIp: server?.requestIP(request)?.address ?? '127.0.0.1', started: performance.now(), cold: false })
  }
  const entry = ((request: Request, server?: PeerInfo | null) => {
    const match = matchApp(request.url, request.headers.get('host'), config.appsDomain)
    return match ? handle(request, match, server) : null
  }) as ProxyHandler
  entry.invoke = async (appId, req) => {
    const app = await s.directory.byId(appId)
    if (!app) return { status: 404, headers: {}, body: '', traceback: null, error: 'the app no longer exists', cold: false }
    const path = req.path.startsWith('/') ? req.path : `/${req.path}`
    const request = new Request(`http://platform.internal/app/${app.slug}${path}`, {
      method: req.method, headers: { ...req.headers, host: 'platform.internal' },
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req.body,
    })
    const match = matchApp(request.url, null)!
    const requestId = newRequestId()
    const pr = { request, match, app, requestId, clientIp: '127.0.0.1', started: performance.now(), cold: false } as Parameters<typeof chain>[0]
    try {
      const res = await chain(pr)
      const body = await res.text()
      const headers: Record<string, string> = {}
      res.headers.forEach((v, k) => (headers[k] = v))
      const ra = Number(res.headers.get('retry-after'))
      const failed = res.status >= 500
      return {
        status: res.status, headers, body, traceback: pr.traceback ?? null, cold: pr.cold, requestId,
        error: failed ? pr.error ?? (pr.traceback ? errorLine(pr.traceback) : `HTTP ${res.status}`) : null,
        retryAfterSec: Number.isFinite(ra) && ra > 0 ? ra : undefined,
      }
    } catch (err) {
      return { status: null, headers: {}, body: '', traceback: null, error: (err as Error).message, cold: pr.cold, requestId }
    }
  }
  return entry
}

/** The proxy as an Elysia plugin: answers app requests before any platform route sees them. */
export const proxyPlugin = (proxy: ProxyHandler) =>
  new Elysia({ name: 'proxy' }).onRequest(({ request, server }) => proxy(request, server) ?? undefined)
