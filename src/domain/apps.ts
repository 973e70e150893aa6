// Apps: create, read, draft, env, versions, requests, delete. Every lookup is scoped by owner.
import { nanoid } from 'nanoid'
import type { AppDoc } from '../data/apps.repo'
import { open, seal } from '../lib/crypto'
import { percentile, round2 } from '../lib/stats'
import { fileSetProblems, type FileMap } from '../lib/files'
import { RESERVED_SLUGS, slugify } from '../lib/slug'
import type { DomainDeps } from './context'
import { badRequest, notFound } from './errors'
import { applySettings, settingsView, type AppSettingsView, type SettingsInput } from './app-settings'

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/
const RESERVED_ENV = /^(PLATFORM_|FP_)/
const MAX_ENV = 100
const MAX_ENV_VALUE = 32 * 1024

/** The app as the API shows it. */
export interface AppView {
  id: string
  name: string
  slug: string
  url: string
  status: AppDoc['status']
  error: string | null
  entrypoint: string
  currentVersion: number | null
  settings: AppSettingsView
  lastRequestAt: Date | null
  deployedAt: Date | null
  createdAt: Date
  updatedAt: Date
}

/** The public URL of an app: host routing when APPS_DOMAIN is set, else the path prefix. */
export function appUrl(deps: Pick<DomainDeps, 'config'>, slug: string): string {
  const { appsDomain, baseUrl } = deps.config
  if (appsDomain) return `${new URL(baseUrl).protocol}//${slug}.${appsDomain}/`
  return `${baseUrl}/app/${slug}/`
}

/** Shows an app without its files or secrets. */
export function appView(deps: Pick<DomainDeps, 'config' | 'runtime'>, a: AppDoc): AppView {
  return {
    id: a._id, name: a.name, slug: a.slug, url: appUrl(deps, a.slug), status: liveStatus(deps, a), error: a.error ?? null,
    entrypoint: a.entrypoint, currentVersion: a.currentVersion, settings: settingsView(a.settings),
    lastRequestAt: a.lastRequestAt ?? null, deployedAt: a.deployedAt ?? null, createdAt: a.createdAt, updatedAt: a.updatedAt,
  }
}

/** The stored status, except that an app the runtime serves is running: a wake records `running`
 * without holding up the first request, so a read right after it may still see `sleeping`. */
function liveStatus(deps: Pick<DomainDeps, 'runtime'>, a: AppDoc): AppDoc['status'] {
  return (a.status === 'sleeping' || a.status === 'waking') && deps.runtime.endpoint(a._id) ? 'running' : a.status
}

/** Checks a file map before it is stored; throws 400 with every problem. */
export function checkFiles(files: unknown): FileMap {
  const problems = fileSetProblems(files)
  if (problems.length) throw badRequest(problems.map((p) => (p.file ? `${p.file}: ${p.message}` : p.message)).join('; '), { problems })
  return files as FileMap
}

/** Checks an app name: 1–100 printable characters. */
export function checkName(name: unknown): string {
  if (typeof name !== 'string' || !name.trim()) throw badRequest('give the app a name')
  const n = name.trim()
  if (n.length > 100) throw badRequest('the app name must be at most 100 characters')
  if (/[\u0000-\u001f]/.test(n)) throw badRequest('the app name contains control characters')
  return n
}

/** Picks a default entrypoint: app.py, main.py, or the only Python file. */
export function defaultEntrypoint(files: FileMap, given?: string): string {
  if (given) return given
  if ('app.py' in files) return 'app.py'
  if ('main.py' in files) return 'main.py'
  const py = Object.keys(files).filter((f) => f.endsWith('.py'))
  return py.length === 1 ? py[0]! : 'app.py'
}

/** What other services do when an app is created or deleted (its database). */
export interface AppHooks {
  provision(app: Pick<AppDoc, '_id'>): Promise<AppDoc['db']>
  drop(app: AppDoc): Promise<void>
  /** After create or delete: caches keyed by slug or app id forget it. */
  changed(app: AppDoc): void
  /** After an env change: the next start must use the new values. */
  envChanged(appId: string): void
}

/** App CRUD, environment and history. */
export function appsService(deps: DomainDeps, hooks: AppHooks) {
  const { apps, events, settings } = deps.repos
  const aad = (appId: string, name: string) => `${appId}:env:${name}`

  async function uniqueSlug(name: string): Promise<string> {
    const base = slugify(name)
    let slug = RESERVED_SLUGS.has(base) ? `${base}-app` : base
    while (await apps.slugTaken(slug)) slug = `${base.slice(0, 33)}-${nanoid(6).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`
    return slug
  }

  return {
    async get(ownerId: string, id: string): Promise<AppDoc> {
      const app = await apps.get(ownerId, id)
      if (!app) throw notFound('app')
      return app
    },

    list: (ownerId: string) => apps.list(ownerId),

    async create(ownerId: string, input: { name: string; files: unknown; entrypoint?: string; template?: string }): Promise<AppDoc> {
      const name = checkName(input.name)
      const files = checkFiles(input.files)
      const now = deps.now()
      const id = nanoid(12).replace(/[^A-Za-z0-9]/g, 'x')
      const entrypoint = defaultEntrypoint(files, input.entrypoint)
      const app: AppDoc = {
        _id: id, ownerId, name, slug: await uniqueSlug(name), status: 'draft', error: null, entrypoint,
        draft: { files, entrypoint, updatedAt: now }, currentVersion: null, versionCounter: 0, env: [],
        settings: { idleMinutes: 15 }, template: input.template ?? null, uid: await settings.next('app-uid', deps.config.appUidBase),
        lastRequestAt: null, deployedAt: null, createdAt: now, updatedAt: now,
      }
      app.db = await hooks.provision(app)
      try {
        await apps.insert(app)
      } catch {
        app.slug = await uniqueSlug(`${name}-${nanoid(4)}`)
        await apps.insert(app)
      }
      hooks.changed(app)
      return app
    },

    async saveDraft(ownerId: string, id: string, input: { files?: unknown; entrypoint?: string; name?: string; merge?: boolean; delete?: string[] }) {
      const app = await this.get(ownerId, id)
      let incoming = input.files
      if (input.merge) {
        const merged: Record<string, unknown> = { ...app.draft.files, ...((input.files as Record<string, unknown>) ?? {}) }
        for (const path of input.delete ?? []) delete merged[path]
        incoming = merged
      }
      const files = incoming === undefined ? app.draft.files : checkFiles(incoming)
      const entrypoint = input.entrypoint ?? app.draft.entrypoint
      const set: Partial<AppDoc> = { draft: { files, entrypoint, updatedAt: deps.now() } }
      if (input.name !== undefined) set.name = checkName(input.name)
      await apps.update(id, set)
      return { ...app, ...set } as AppDoc
    },

    /** Decrypted env of an app (for the runtime and for `reveal`). */
    env(app: AppDoc): Record<string, string> {
      const out: Record<string, string> = {}
      for (const e of app.env) out[e.name] = open(deps.keys.secrets, e.value, aad(app._id, e.name))
      return out
    },

    /** Env as listed: names with masked values unless revealed. */
    envList(app: AppDoc, reveal: boolean) {
      const plain = this.env(app)
      return Object.keys(plain).sort().map((name) => ({
        name, value: reveal ? plain[name]! : mask(plain[name]!), masked: !reveal,
      }))
    },

    /** Merges env changes (null deletes a variable); values are sealed with the app id as associated data. */
    async setEnv(ownerId: string, id: string, changes: Record<string, string | null>, replace = false) {
      const app = await this.get(ownerId, id)
      const next = replace ? {} : this.env(app)
      for (const [name, value] of Object.entries(changes)) {
        if (!ENV_NAME.test(name)) throw badRequest(`"${name.slice(0, 60)}" is not a valid variable name (letters, digits, _; not starting with a digit)`)
        if (RESERVED_ENV.test(name)) throw badRequest(`"${name}" is reserved for the platform`)
        if (value === null) delete next[name]
        else if (typeof value !== 'string') throw badRequest(`the value of ${name} must be a string`)
        else if (value.length > MAX_ENV_VALUE || value.includes('\0')) throw badRequest(`the value of ${name} is too long or contains NUL`)
        else next[name] = value
      }
      if (Object.keys(next).length > MAX_ENV) throw badRequest(`at most ${MAX_ENV} variables per app`)
      const env = Object.entries(next).map(([name, value]) => ({ name, value: seal(deps.keys.secrets, value, aad(id, name)) }))
      await apps.update(id, { env })
      hooks.envChanged(id)
      return { ...app, env }
    },

    /** Idle minutes, run attempts and concurrency, and CPU and memory for the kubernetes runtime (null or '' → the default).
     *  `resourcesChanged` tells the caller to restart a running app. */
    async updateSettings(ownerId: string, id: string, input: SettingsInput) {
      const app = await this.get(ownerId, id)
      const s = applySettings(app.settings, input, deps.config.kubernetes)
      await apps.update(id, { settings: s })
      const resourcesChanged = s.cpu !== app.settings.cpu || s.memory !== app.settings.memory
      return { app: { ...app, settings: s }, resourcesChanged }
    },

    async versions(ownerId: string, id: string) {
      const app = await this.get(ownerId, id)
      return (await apps.versions(id)).map((v) => ({
        version: v.version, hash: v.hash, entrypoint: v.entrypoint, createdAt: v.createdAt, current: v.version === app.currentVersion,
      }))
    },

    async version(ownerId: string, id: string, version: number) {
      await this.get(ownerId, id)
      const v = await apps.version(id, version)
      if (!v) throw notFound('version')
      return v
    },

    async requests(ownerId: string, id: string, q: { limit?: number; before?: string; errors?: boolean }) {
      await this.get(ownerId, id)
      const limit = Math.min(Math.max(Number(q.limit) || 50, 1), 200)
      const before = q.before ? new Date(q.before) : undefined
      if (before && Number.isNaN(before.getTime())) throw badRequest('`before` must be an ISO date')
      const rows = await events.requests(id, { limit, before, errorsOnly: q.errors })
      const next = rows.length === limit ? rows[rows.length - 1]!.at.toISOString() : null
      return { requests: rows.map(({ _id, ...r }) => ({ id: _id, ...r })), next }
    },

    async request(ownerId: string, id: string, requestId: string) {
      await this.get(ownerId, id)
      const r = await events.request(id, requestId)
      if (!r) throw notFound('request')
      const { _id, ...rest } = r
      return { id: _id, ...rest }
    },

    /** Count, p50 and p95 of the app's last 100 wakes (from the request records). */
    async wakeStats(appId: string) {
      const times = await events.wakeTimes(appId, 100)
      return { count: times.length, p50Ms: times.length ? round2(percentile(times, 50)) : null, p95Ms: times.length ? round2(percentile(times, 95)) : null }
    },

    /** Deletes an app; its own database is dropped unless `keepDatabase`. */
    async remove(ownerId: string, id: string, keepDatabase = false) {
      const app = await this.get(ownerId, id)
      await deps.runtime.remove(id)
      if (!keepDatabase) await hooks.drop(app).catch(() => {})
      await deps.repos.logs.removeForApp(id)
      await deps.repos.runs.removeForApp(id)
      await apps.removeVersions(id)
      await events.removeForApp(id)
      await apps.remove(ownerId, id)
      hooks.changed(app)
    },
  }
}

function mask(value: string): string {
  return value ? '••••••••' : ''
}

/** The apps service's shape. */
export type AppsService = ReturnType<typeof appsService>
