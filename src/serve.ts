// Binds the platform to a port: app traffic goes straight to the proxy (the warm path stays tiny),
// everything else to the Elysia app. main.ts and the benchmarks use it; tests use createApp().handle.
import { createApp } from './app'
import type { Services } from './domain/services'
import { createProxy } from './proxy'

/** Listens on `port` (0 = any free port); returns the server and the Elysia app. */
export function listen(s: Services, opts: { port: number; hostname?: string }) {
  const { config } = s.deps
  const proxy = createProxy(s)
  const app = createApp(s, proxy)
  app.compile()
  const server = Bun.serve({
    port: opts.port,
    hostname: opts.hostname ?? config.host,
    maxRequestBodySize: Math.max(config.apiBodyLimit, config.appBodyLimit) + 1024,
    idleTimeout: 120,
    fetch: (request, srv) => proxy(request, srv) ?? app.fetch(request),
  })
  // Elysia reads the client address (login rate limits) from its own `server` field.
  ;(app as unknown as { server: typeof server }).server = server
  return { server, app }
}
