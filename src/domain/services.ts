// Builds every domain service from one set of dependencies (main.ts and tests call this).
import { appsService } from './apps'
import { authService } from './auth'
import type { DomainDeps } from './context'
import { CrashTracker } from './crashes'
import { deployService } from './deploy'
import { appDirectory } from './directory'
import { watchRuntime } from './lifecycle'
import { requestRecorder } from './recorder'

/** All services plus the dependencies they were built from. */
export function createServices(deps: DomainDeps) {
  const crashes = new CrashTracker()
  const apps = appsService(deps)
  const deploy = deployService(deps, apps, crashes)
  const recorder = requestRecorder(deps)
  const unwatch = watchRuntime(deps, crashes)
  return {
    deps,
    auth: authService(deps),
    apps,
    deploy,
    recorder,
    crashes,
    directory: appDirectory(deps.repos),
    async stop() {
      unwatch()
      await recorder.stop()
    },
  }
}

/** The services' shape, as the HTTP layer sees it. */
export type Services = ReturnType<typeof createServices>
