// Builds every domain service from one set of dependencies (main.ts and tests call this).
import { appsService } from './apps'
import { authService } from './auth'
import type { DomainDeps } from './context'
import { CrashTracker } from './crashes'
import { deployService } from './deploy'
import { appDirectory } from './directory'
import { watchRuntime } from './lifecycle'
import { LogBuffer } from './logs'
import { requestRecorder } from './recorder'
import { loadTemplates } from './templates'

/** All services plus the dependencies they were built from. */
export function createServices(deps: DomainDeps) {
  const crashes = new CrashTracker()
  const apps = appsService(deps)
  const deploy = deployService(deps, apps, crashes)
  const recorder = requestRecorder(deps)
  const logs = new LogBuffer()
  const unwatch = watchRuntime(deps, crashes, logs)
  const templates = loadTemplates(deps.config.templatesDir)
  for (const problem of templates.problems) console.error(`[templates] ${problem}`)
  return {
    deps,
    auth: authService(deps),
    apps,
    deploy,
    recorder,
    crashes,
    logs,
    templates: templates.templates,
    directory: appDirectory(deps.repos),
    async stop() {
      unwatch()
      await recorder.stop()
    },
  }
}

/** The services' shape, as the HTTP layer sees it. */
export type Services = ReturnType<typeof createServices>
