// The wakeup proxy as an Elysia plugin: every request for an app goes resolve → record → activate → forward.
import { Elysia } from 'elysia'
import { nanoid } from 'nanoid'
import type { Services } from '../domain/services'
import { DomainError } from '../domain/errors'
import { activate, wakeFailure } from './activate'
import { forward } from './forward'
import { record } from './record'
import { matchApp } from './resolve'
import { proxyError } from './respond'

/** The one path the proxy keeps for itself on every app: the waking page waits on it. */
export const WAKE_PATH = '/__fp/wake'

async function wakeEndpoint(s: Services, pr: Parameters<typeof wakeFailure>[0]): Promise<Response> {
  try {
    await s.deploy.activate(pr.app.id)
    return Response.json({ ready: true }, { headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    if (!(err instanceof DomainError)) throw err
    const res = wakeFailure(pr, err)
    return Response.json({ ready: false, error: err.message }, { status: res.status, headers: { 'cache-control': 'no-store' } })
  }
}

/** Builds the chain once and answers app requests before any platform route sees them. */
export const proxyPlugin = (s: Services) => {
  const { config, runtime } = s.deps
  const chain = record(
    s.recorder,
    activate(
      { endpoint: (id) => runtime.endpoint(id), activate: (id) => s.deploy.activate(id) },
      { maxWaiting: config.wakeQueue, wakeTimeoutMs: config.wakeTimeoutMs, holdHtmlMs: config.wakeHoldHtmlMs },
      forward({
        timeoutMs: config.requestTimeoutMs,
        bodyLimit: config.appBodyLimit,
        onTimeout: (id) => void runtime.stop(id).catch(() => {}),
        onDead: (id, instanceId) => runtime.discard(id, instanceId),
      }),
    ),
  )

  return new Elysia({ name: 'proxy' }).onRequest(async ({ request, server }) => {
    const url = new URL(request.url)
    const match = matchApp(url, request.headers.get('host'), config.appsDomain)
    if (!match) return
    if (match.redirect) return new Response(null, { status: 308, headers: { location: match.redirect } })
    const requestId = nanoid(16)
    const app = await s.directory.resolve(match.slug)
    if (!app) {
      return proxyError(request, 404, 'App not found', `there is no app at "${match.slug}": check the URL, or deploy it first`, {
        requestId, code: 'app_not_found',
      })
    }
    const clientIp = server?.requestIP(request)?.address ?? '127.0.0.1'
    const pr = { request, match, app, requestId, clientIp, started: performance.now(), cold: false }
    if (match.path === WAKE_PATH) return wakeEndpoint(s, pr)
    return chain(pr)
  })
}
