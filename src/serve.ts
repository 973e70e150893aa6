// Binds the platform to a port: app traffic goes straight to the proxy (the warm path stays tiny),
// everything else to the Elysia app (screens, API, WebSockets). main.ts and the benchmarks use it;
// tests use createApp().handle without a port.
import { createApp } from './app'
import type { Services } from './domain/services'
import { createProxy } from './proxy'

/** Listens on `port` (0 = any free port); returns the Bun server and the Elysia app. */
export function listen(s: Services, opts: { port: number; hostname?: string }) {
  const { config } = s.deps
  const proxy = createProxy(s)
  const app = createApp(s, proxy)
  const elysiaFetch = app.fetch // compiles the app once
  // Elysia's fetch becomes a writable property once compiled: put the proxy in front of it.
  Object.defineProperty(app, 'fetch', { value: (request: Request) => proxy(request, app.server) ?? elysiaFetch(request) })
  app.listen({
    port: opts.port,
    hostname: opts.hostname ?? config.host,
    maxRequestBodySize: Math.max(config.apiBodyLimit, config.appBodyLimit) + 1024,
    idleTimeout: 120,
    reusePort: false, // a second platform on the same port must fail, not share it silently
  })
  return { server: app.server!, app, proxy }
}
