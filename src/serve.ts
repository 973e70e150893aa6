// Binds the platform to a port: app traffic goes straight to the proxy (the warm path stays tiny),
// everything else to the Elysia app (screens, API, WebSockets). main.ts and the benchmarks use it;
// tests use createApp().handle without a port.
import { createApp } from './app'
import type { Services } from './domain/services'
import { createProxy } from './proxy'
import { matchApp } from './proxy/resolve'
import { isUpgrade, upgradeToApp } from './proxy/websocket'

/** Listens on `port` (0 = any free port); returns the Bun server and the Elysia app. */
export async function listen(s: Services, opts: { port: number; hostname?: string }) {
  const { config } = s.deps
  const proxy = createProxy(s)
  const app = createApp(s, proxy)
  app.listen({
    port: opts.port,
    hostname: opts.hostname ?? config.host,
    maxRequestBodySize: Math.max(config.apiBodyLimit, config.appBodyLimit) + 1024,
    idleTimeout: 120,
    reusePort: false, // a second platform on the same port must fail, not share it silently
  })
  // Elysia reloads the server with its compiled handler once its modules load; then put the proxy
  // (and WebSocket upgrades to apps) in front of it. Elysia's websocket handler stays.
  await app.modules
  const elysiaFetch = app.fetch
  const server = app.server!
  server.reload({
    fetch: (request: Request) => {
      if (isUpgrade(request)) {
        const match = matchApp(request.url, request.headers.get('host'), config.appsDomain)
        if (match && !match.redirect) return upgradeToApp(s, request, server, match)
        return elysiaFetch(request)
      }
      return proxy(request, server) ?? elysiaFetch(request)
    },
  } as Parameters<typeof server.reload>[0])
  return { server, app, proxy }
}
