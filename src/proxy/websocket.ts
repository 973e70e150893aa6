// WebSocket upgrades to apps: the platform accepts the client's socket and opens one to the app's
// Unix socket (`ws+unix://sock:/path`) or pod (`ws://ip:port/path`), then relays frames both ways, untouched, until either closes.
import type { Server } from 'bun'
import { DomainError } from '../domain/errors'
import type { Services } from '../domain/services'
import type { ProxyRequest } from './chain'
import { write } from './record'
import type { Match } from './resolve'
import { proxyError } from './respond'
import { newRequestId } from '../lib/request-id'

const MAX_QUEUED = 256

/** True for a WebSocket handshake. */
export const isUpgrade = (request: Request) => request.headers.get('upgrade')?.toLowerCase() === 'websocket'

/** Upgrades the client and connects it to the app; a Response when it cannot. */
export async function upgradeToApp(s: Services, request: Request, server: Server<unknown>, match: Match): Promise<Response | undefined> {
  const requestId = newRequestId()
  const app = await s.directory.resolve(match.slug)
  if (!app) return proxyError(request, 404, 'App not found', `there is no app at "${match.slug}"`, { requestId, code: 'app_not_found' })
  const pr: ProxyRequest = {
    request, match, app, requestId, clientIp: server.requestIP(request)?.address ?? '127.0.0.1', started: performance.now(),
    cold: !s.deps.runtime.endpoint(app.id),
  }
  let target: string
  try {
    const ep = await s.deploy.activate(app.id)
    // Local instances listen on Unix sockets; kubernetes pods on their IP (baseUrl http://ip:port).
    target = ep.unix ? `ws+unix://${ep.unix}:${match.path}` : ep.baseUrl.replace(/^http/, 'ws') + match.path
  } catch (err) {
    if (!(err instanceof DomainError)) throw err
    return proxyError(request, 502, 'App failed to start', err.message, { appName: app.name, requestId, code: err.code })
  }
  const headers: Record<string, string> = { 'x-request-id': requestId, 'x-forwarded-proto': 'http' }
  if (match.prefix) headers['x-forwarded-prefix'] = match.prefix
  for (const k of ['cookie', 'authorization', 'origin', 'user-agent']) {
    const v = request.headers.get(k)
    if (v) headers[k] = v
  }
  const protocols = request.headers.get('sec-websocket-protocol')?.split(',').map((p) => p.trim()).filter(Boolean)
  const record = (status: number, error: string | null) => {
    pr.error = error ?? undefined
    write(s.recorder, pr, status)
  }
  let upstream: WebSocket | null = null
  const queue: (string | ArrayBuffer | Uint8Array)[] = []
  const ok = server.upgrade(request, {
    headers: protocols?.length ? { 'sec-websocket-protocol': protocols[0]! } : undefined,
    data: {
      open(ws: { send(d: string | ArrayBuffer | Uint8Array): void; close(code?: number, reason?: string): void }) {
        upstream = new WebSocket(target, { headers, protocols } as unknown as string[])
        upstream.binaryType = 'arraybuffer'
        upstream.onopen = () => {
          record(101, null)
          for (const m of queue.splice(0)) upstream!.send(m)
        }
        upstream.onmessage = (e) => ws.send(e.data as string | ArrayBuffer)
        upstream.onclose = (e) => ws.close(e.code === 1005 || e.code === 1006 ? 1011 : e.code, e.reason)
        upstream.onerror = () => {
          record(502, 'the app refused the WebSocket')
          ws.close(1011, 'the app refused the WebSocket')
        }
      },
      message(ws: { close(code?: number, reason?: string): void }, msg: string | Uint8Array) {
        if (upstream?.readyState === WebSocket.OPEN) upstream.send(msg)
        else if (queue.length < MAX_QUEUED) queue.push(msg)
        else ws.close(1013, 'the app is not keeping up')
      },
      close(_ws: unknown, code: number, reason: string) {
        if (upstream && upstream.readyState <= WebSocket.OPEN) upstream.close(code >= 1000 && code < 5000 && code !== 1005 && code !== 1006 ? code : 1000, reason)
      },
    },
  })
  return ok ? undefined : proxyError(request, 400, 'Bad Request', 'WebSocket upgrade failed', { requestId })
}
