// The wakeup proxy as an Elysia plugin: every request for an app goes resolve → record → activate → forward.
import { Elysia } from 'elysia'
import { nanoid } from 'nanoid'
import type { Services } from '../domain/services'
import { activate } from './activate'
import { forward } from './forward'
import { record } from './record'
import { matchApp } from './resolve'
import { proxyError } from './respond'

/** Builds the chain once and answers app requests before any platform route sees them. */
export const proxyPlugin = (s: Services) => {
  const { config, runtime } = s.deps
  const chain = record(
    s.recorder,
    activate(
      { endpoint: (id) => runtime.endpoint(id), activate: (id) => s.deploy.activate(id) },
      forward({
        timeoutMs: config.requestTimeoutMs,
        bodyLimit: config.appBodyLimit,
        onTimeout: (id) => void runtime.stop(id).catch(() => {}),
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
    return chain({ request, match, app, requestId, clientIp, started: performance.now(), cold: false })
  })
}
