// Builds every domain service from one set of dependencies (main.ts and tests call this).
import type { AppDoc } from '../data/apps.repo'
import { appsService, appView } from './apps'
import type { SettingsInput } from './app-settings'
import { authService } from './auth'
import type { DomainDeps } from './context'
import { CrashTracker } from './crashes'
import { cronService } from './cron'
import { runsService, type LocalWorker } from './runs'
import { databaseService } from './database'
import { logStore } from './logstore'
import { deployService } from './deploy'
import { appDirectory } from './directory'
import { watchRuntime } from './lifecycle'
import { LogBuffer } from './logs'
import { requestRecorder } from './recorder'
import { loadTemplates } from './templates'
import { templateCatalog } from './user-templates'

/** All services plus the dependencies they were built from. */
export function createServices(deps: DomainDeps) {
  const crashes = new CrashTracker()
  const database = databaseService(deps)
  const directory = appDirectory(deps.repos)
  const logs = new LogBuffer()
  const apps = appsService(deps, {
    provision: (a) => database.provision(a),
    drop: (a) => database.drop(a),
    changed: (a) => {
      directory.invalidate(a.slug)
      deploy.forget(a._id)
      logs.forget(a._id)
    },
    envChanged: (id) => deploy.forget(id),
  })
  const deploy = deployService(deps, apps, crashes, database)
  const hooks: { worker: LocalWorker | null } = { worker: null }
  const stored = logStore(deps)
  const runs = runsService({ ...deps, worker: () => hooks.worker, flushLogs: () => stored.flush() })
  const recorder = requestRecorder(deps)
  const unwatch = watchRuntime(deps, crashes, logs, stored)
  const templates = loadTemplates(deps.config.templatesDir)
  for (const problem of templates.problems) console.error(`[templates] ${problem}`)
  return {
    deps,
    /** An app as the API and screens show it: `waking` while a start is in flight. */
    view(a: AppDoc) {
      const v = appView(deps, a)
      return deploy.starting(a._id) ? { ...v, status: 'waking' as const } : v
    },
    auth: authService(deps),
    apps,
    deploy,
    /** Saves an app's settings; new CPU or memory restart it if it runs (a sleeping app gets them when it wakes). */
    async settings(ownerId: string, id: string, input: SettingsInput) {
      const r = await apps.updateSettings(ownerId, id, input)
      if (r.resourcesChanged) {
        deploy.forget(id)
        if (deps.runtime.endpoint(id)) await deploy.restart(ownerId, id)
      }
      return r
    },
    database,
    runs,
    cron: cronService(deps, runs),
    /** Set by the run worker when it starts, so enqueues wake it at once. */
    hooks,
    storedLogs: stored,
    recorder,
    crashes,
    logs,
    templates: templates.templates,
    /** Built-in and user templates together (gallery, save as template, publish). */
    catalog: templateCatalog(deps, templates.templates),
    directory,
    async stop() {
      unwatch()
      await recorder.stop()
      await stored.stop()
    },
  }
}

/** The services' shape, as the HTTP layer sees it. */
export type Services = ReturnType<typeof createServices>
