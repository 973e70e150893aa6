// /ws/apps/:id — one live channel per app view: log lines, request records, deploy progress.
// The session cookie and the app's owner are checked on connect; heartbeats keep idle tails open.
import { Elysia } from 'elysia'
import type { Services } from '../domain/services'
import { readCookie, sameOrigin, SESSION_COOKIE } from '../plugins/auth'

const HEARTBEAT_MS = 20_000

/** The app channel. */
export const appChannel = (s: Services) => {
  const subs = new WeakMap<object, () => void>()
  return new Elysia().ws('/ws/apps/:id', {
    async beforeHandle({ request, params, set }) {
      // Browsers send Origin on WebSocket handshakes: refuse other sites (cross-site WebSocket hijacking).
      if (!sameOrigin(request, s.deps.config.baseUrl)) return (set.status = 403), 'cross-origin WebSocket refused'
      const token = readCookie(request.headers.get('cookie'), SESSION_COOKIE) ?? ''
      const p = await s.auth.authenticate(token)
      if (!p || !(await s.deps.repos.apps.get(p.user.id, params.id))) return (set.status = 404), 'not found'
    },
    open(ws) {
      const appId = ws.data.params.id
      const send = (msg: unknown) => ws.send(JSON.stringify(msg))
      for (const line of s.logs.recent(appId)) send({ type: 'log', ...line })
      const offs = [
        s.deps.bus.subscribe(`logs:${appId}`, (l) => send({ type: 'log', ...(l as object) })),
        s.deps.bus.subscribe(`requests:${appId}`, (r) => {
          const { traceback, ...rest } = r as Record<string, unknown>
          send({ type: 'request', ...rest })
        }),
        s.deps.bus.subscribe(`deploy:${appId}`, (e) => send({ type: 'deploy', ...(e as object) })),
        s.deps.bus.subscribe(`runs:${appId}`, (e) => send({ type: 'run', ...(e as object) })),
      ]
      const beat = setInterval(() => send({ type: 'ping', at: Date.now() }), HEARTBEAT_MS)
      subs.set(ws.raw, () => {
        clearInterval(beat)
        offs.forEach((off) => off())
      })
    },
    close(ws) {
      subs.get(ws.raw)?.()
      subs.delete(ws.raw)
    },
  })
}
