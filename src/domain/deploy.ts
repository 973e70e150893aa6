// Deploy, rollback, clone and wake: validate → snapshot an immutable version → roll the runtime.
import { createHmac } from 'node:crypto'
import { nanoid } from 'nanoid'
import type { AppDoc, VersionDoc } from '../data/apps.repo'
import type { DeployEventDoc } from '../data/events.repo'
import { hashFiles, type FileMap } from '../lib/files'
import { KeyedMutex, SingleFlight } from '../lib/keyed-mutex'
import { StartError, type AppSpec, type Endpoint } from '../runtime/types'
import type { AppsService } from './apps'
import { appUrl, checkFiles, defaultEntrypoint } from './apps'
import type { DomainDeps } from './context'
import type { CrashTracker } from './crashes'
import type { DatabaseService } from './database'
import { DomainError, invalidCode, notFound, startFailed } from './errors'

/** The outcome of a successful deploy. */
export interface DeployResult {
  app: AppDoc
  version: number
  durationMs: number
  warnings: unknown[]
}

/** A deploy progress event as published on the bus (`deploy:<appId>`). */
export type DeployProgress = Omit<DeployEventDoc, '_id'>

/** Deploys, rolls back, clones and wakes apps, one operation per app at a time. */
export function deployService(deps: DomainDeps, apps: AppsService, crashes: CrashTracker, database: DatabaseService) {
  const { repos, runtime, validator, bus } = deps
  const serial = new KeyedMutex()
  const wakes = new SingleFlight<Endpoint>()
  // The spec of each app's current version, so a wake needs no database round trip.
  const specs = new Map<string, AppSpec>()

  function specFor(app: AppDoc, v: Pick<VersionDoc, 'version' | 'files' | 'entrypoint' | 'hash'>): AppSpec {
    return {
      appId: app._id, slug: app.slug, version: v.version, hash: v.hash, files: v.files, entrypoint: v.entrypoint,
      env: {
        ...apps.env(app),
        PLATFORM_APP_ID: app._id,
        PLATFORM_APP_NAME: app.name,
        PLATFORM_APP_URL: appUrl(deps, app.slug),
        PLATFORM_MONGO_URI: database.uriFor(app),
        // Stable per app across versions: frameworks that sign sessions (FastHTML's .sesskey) keep them.
        PLATFORM_SESSION_KEY: createHmac('sha256', deps.keys.secrets).update(`session:${app._id}`).digest('hex'),
      },
      uid: app.uid,
      limits: deps.config.limits,
      resources: { cpu: app.settings.cpu ?? deps.config.kubernetes.cpu, memory: app.settings.memory ?? deps.config.kubernetes.memory },
    }
  }

  function progress(e: DeployProgress): void {
    bus.publish(`deploy:${e.appId}`, e)
    void repos.events.addDeployEvent({ _id: nanoid(14), ...e }).catch(() => {})
  }

  /** Starts a version and makes it current; the previous instance serves until the new one is ready. */
  async function roll(app: AppDoc, v: VersionDoc, deployId: string, t0: number): Promise<AppDoc> {
    progress({ appId: app._id, deployId, version: v.version, phase: 'starting', message: `Starting version ${v.version}…`, at: deps.now() })
    const spec = specFor(app, v)
    try {
      await runtime.start(spec)
    } catch (err) {
      const e = err instanceof StartError ? err : new StartError(String(err))
      const serving = runtime.endpoint(app._id)
      await repos.apps.update(app._id, {
        status: serving ? app.status : 'error',
        error: `version ${v.version} failed to start: ${e.message}`,
      })
      progress({
        appId: app._id, deployId, version: v.version, phase: 'failed', message: e.message, traceback: e.traceback,
        at: deps.now(), durationMs: Math.round(performance.now() - t0),
      })
      throw startFailed(e.message, e.traceback)
    }
    crashes.clear(app._id)
    specs.set(app._id, spec)
    const now = deps.now()
    const set = { currentVersion: v.version, status: 'running' as const, error: null, deployedAt: now, entrypoint: v.entrypoint }
    await repos.apps.update(app._id, set)
    const durationMs = Math.round(performance.now() - t0)
    progress({ appId: app._id, deployId, version: v.version, phase: 'ready', message: `Ready in ${durationMs} ms`, at: now, durationMs })
    return { ...app, ...set }
  }

  async function deployFiles(app: AppDoc, files: FileMap, entry: string | undefined): Promise<DeployResult> {
    const t0 = performance.now()
    const deployId = nanoid(10)
    progress({ appId: app._id, deployId, version: null, phase: 'validating', message: 'Validating…', at: deps.now() })
    const allowed = await repos.settings.get<string[] | undefined>('allowedImports', undefined)
    const result = await validator.validate(files, entry, allowed)
    if (!result.ok) {
      progress({ appId: app._id, deployId, version: null, phase: 'failed', message: 'Validation failed', diagnostics: result.diagnostics, at: deps.now() })
      throw invalidCode(result.diagnostics)
    }
    const entrypoint = result.entrypoint ?? defaultEntrypoint(files, entry)
    const version = await repos.apps.nextVersion(app._id)
    progress({ appId: app._id, deployId, version, phase: 'saving', message: `Saving version ${version}…`, at: deps.now() })
    const v: VersionDoc = {
      _id: nanoid(14), appId: app._id, ownerId: app.ownerId, version, files, entrypoint,
      hash: hashFiles(files, entrypoint), createdAt: deps.now(),
    }
    await repos.apps.insertVersion(v)
    const next = await roll(app, v, deployId, t0)
    void repos.apps.pruneVersions(app._id, deps.config.versionsKept, version).catch(() => {})
    return { app: next, version, durationMs: Math.round(performance.now() - t0), warnings: result.diagnostics.filter((d) => d.severity === 'warning') }
  }

  return {
    specFor,

    /** Validates and deploys the given files (saved as the draft too) or the current draft. */
    deploy(ownerId: string, id: string, input: { files?: unknown; entrypoint?: string; merge?: boolean; delete?: string[] } = {}): Promise<DeployResult> {
      return serial.run(id, async () => {
        let app = await apps.get(ownerId, id)
        if (input.files !== undefined || input.entrypoint !== undefined || input.delete?.length) {
          app = await apps.saveDraft(ownerId, id, input)
        }
        return deployFiles(app, checkFiles(app.draft.files), app.draft.entrypoint || undefined)
      })
    },

    /** Makes an earlier version current again (no new snapshot). */
    rollback(ownerId: string, id: string, version: number): Promise<DeployResult> {
      return serial.run(id, async () => {
        const t0 = performance.now()
        const app = await apps.get(ownerId, id)
        const v = await repos.apps.version(id, version)
        if (!v) throw notFound('version')
        const next = await roll(app, v, nanoid(10), t0)
        return { app: next, version, durationMs: Math.round(performance.now() - t0), warnings: [] }
      })
    },

    /** Restarts the current version, e.g. after env changes. */
    restart(ownerId: string, id: string): Promise<DeployResult | null> {
      return serial.run(id, async () => {
        const t0 = performance.now()
        const app = await apps.get(ownerId, id)
        if (app.currentVersion === null) return null
        const v = await repos.apps.version(id, app.currentVersion)
        if (!v) return null
        const next = await roll(app, v, nanoid(10), t0)
        return { app: next, version: v.version, durationMs: Math.round(performance.now() - t0), warnings: [] }
      })
    },

    /** A new app from a version of another (default: its current version, else its draft). */
    async clone(ownerId: string, id: string, input: { name?: string; version?: number; deploy?: boolean }) {
      const src = await apps.get(ownerId, id)
      const which = input.version ?? src.currentVersion
      const v = which !== null && which !== undefined ? await repos.apps.version(id, which) : null
      if (input.version !== undefined && !v) throw notFound('version')
      const files = v ? v.files : src.draft.files
      const entrypoint = v ? v.entrypoint : src.draft.entrypoint
      const copy = await apps.create(ownerId, { name: input.name || `${src.name} copy`, files, entrypoint })
      if (src.env.length) await apps.setEnv(ownerId, copy._id, apps.env(src))
      if (input.deploy === false || !v) return { app: copy, deploy: null }
      const res = await this.deploy(ownerId, copy._id)
      return { app: res.app, deploy: res }
    },

    /** The endpoint of a deployed app, starting it when nothing serves it (one start however many ask). */
    activate(appId: string): Promise<Endpoint> {
      const ep = runtime.endpoint(appId)
      if (ep) return Promise.resolve(ep)
      return wakes.do(appId, async () => {
        // The current version's spec is cached after every start, so a wake needs no database read.
        let spec = specs.get(appId)
        if (!spec) {
          const app = await repos.apps.byId(appId)
          if (!app) throw notFound('app')
          if (app.currentVersion === null) throw new DomainError(404, 'not_deployed', `${app.name} has no deployed version yet: deploy it first`)
          const v = await repos.apps.version(appId, app.currentVersion)
          if (!v) throw new DomainError(500, 'version_missing', `version ${app.currentVersion} of ${app.name} is missing`)
          spec = specFor(app, v)
        }
        const name = spec.env.PLATFORM_APP_NAME ?? spec.slug
        let wait = crashes.backoffMs(appId)
        if (wait > 0 && wait <= 2000) {
          await Bun.sleep(wait) // a short backoff is held, not refused
          wait = 0
        }
        if (wait > 0) {
          const retryAfter = Math.ceil(wait / 1000)
          throw new DomainError(503, 'restarting', `${name} crashed and restarts in ${retryAfter} s`, { retryAfter })
        }
        try {
          // Behind the app's deploys, rollbacks and restarts: one that ran meanwhile has started the
          // version that is current now, and this wake must not start the older spec it read before.
          const started = await serial.run(appId, async () => {
            const ep = runtime.endpoint(appId)
            if (ep) return ep
            const current = specs.get(appId) ?? spec!
            const ready = await runtime.start(current)
            specs.set(appId, current)
            return ready
          })
          void repos.apps.update(appId, { status: 'running', error: null }).catch(() => {})
          return started
        } catch (err) {
          const e = err instanceof StartError ? err : new StartError(String(err))
          await repos.apps.update(appId, { status: 'error', error: `failed to start: ${e.message}` })
          throw startFailed(e.message, e.traceback)
        }
      })
    },

    /** Forgets the cached spec of an app (its env, version or existence changed). */
    forget: (appId: string) => void specs.delete(appId),

    /** True while a start of this app is in flight (a request that waits for it is a cold start). */
    starting: (appId: string) => wakes.has(appId),
  }
}

/** The deploy service's shape. */
export type DeployService = ReturnType<typeof deployService>
