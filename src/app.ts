// createApp(services) → the Elysia instance. Tests call .handle(new Request(…)) on it; main.ts listens.
import { Elysia } from 'elysia'
import { adminApi } from './api/admin/routes'
import { appsApi } from './api/apps/routes'
import { databaseApi } from './api/apps/database.routes'
import { deployApi } from './api/apps/deploy.routes'
import { authApi } from './api/auth/routes'
import { healthApi } from './api/health/routes'
import { runsApi } from './api/runs/routes'
import { templatesApi } from './api/templates/routes'
import { tokensApi } from './api/tokens/routes'
import { tooLarge } from './domain/errors'
import type { Services } from './domain/services'
import { errorsPlugin } from './plugins/errors'
import { appChannel } from './realtime/app-channel'
import { adminScreens } from './screens/admin/routes'
import { appsScreens } from './screens/apps/routes'
import { authScreens } from './screens/auth/routes'
import { dashboardScreens } from './screens/dashboard/routes'
import { editorScreens } from './screens/editor/routes'
import { staticRoutes } from './screens/static/routes'
import { templateScreens } from './screens/templates/routes'
import { createProxy, proxyPlugin, type ProxyHandler } from './proxy'

/** The whole platform as one Elysia app. main.ts passes the proxy it also calls before Elysia. */
export function createApp(s: Services, proxy: ProxyHandler = createProxy(s)) {
  const limit = s.deps.config.apiBodyLimit
  return new Elysia()
    .use(errorsPlugin())
    .use(proxyPlugin(proxy))
    .onRequest(({ request }) => {
      const len = Number(request.headers.get('content-length') ?? 0)
      if (len > limit && new URL(request.url).pathname.startsWith('/api/')) throw tooLarge(limit)
    })
    .use(healthApi(s))
    .use(authApi(s))
    .use(tokensApi(s))
    .use(deployApi(s))
    .use(databaseApi(s))
    .use(appsApi(s))
    .use(adminApi(s))
    .use(templatesApi(s))
    .use(runsApi(s, proxy))
    .use(staticRoutes())
    .use(authScreens(s))
    .use(appsScreens(s))
    .use(editorScreens(s))
    .use(dashboardScreens(s))
    .use(adminScreens(s))
    .use(templateScreens(s))
    .use(appChannel(s))
}

/** The app's type (for tests). */
export type App = ReturnType<typeof createApp>
