// apps and their immutable versions. Every lookup for a user's app is scoped by owner.
import type { Db } from 'mongodb'
import { ReadCoalescer } from '../lib/coalesce'
import { KeyedMutex } from '../lib/keyed-mutex'

/** Lifecycle of an app as the user sees it. */
export type AppStatus = 'draft' | 'deploying' | 'running' | 'sleeping' | 'waking' | 'error'

/** One encrypted environment variable. */
export interface EnvEntry {
  name: string
  value: string // AES-256-GCM sealed, associated data `${appId}:env:${name}`
}

/** An app: its draft, its deployed version and its settings. */
export interface AppDoc {
  _id: string
  ownerId: string
  name: string
  slug: string
  status: AppStatus
  error?: string | null
  entrypoint: string
  draft: { files: Record<string, string>; entrypoint: string; updatedAt: Date }
  currentVersion: number | null
  versionCounter: number
  env: EnvEntry[]
  settings: { idleMinutes: number; maxAttempts?: number; concurrency?: number; webhookSecret?: string | null; cpu?: string; memory?: string }
  /** Cron triggers: each tick becomes a run. */
  cron?: CronTrigger[]
  /** SHA-256 of the app's invoke key (a bearer for POST /api/invoke only). */
  invokeKeyHash?: string | null
  uid: number
  /** The app's database: its own (`app_<id>`), or another app's of the same owner when bound. */
  db?: AppDbBinding | null
  /** The template the app started from, if any (its guide shows in the editor). */
  template?: string | null
  lastRequestAt?: Date | null
  deployedAt?: Date | null
  createdAt: Date
  updatedAt: Date
}

/** A cron trigger of an app. */
export interface CronTrigger {
  id: string
  expr: string
  timezone: string
  method: string
  path: string
  body: string
  enabled: boolean
  lastRunAt?: Date | null
}

/** Which database an app uses and, where the server enforces roles, its credentials (password sealed). */
export interface AppDbBinding {
  name: string
  user: string | null
  password: string | null
  /** The app whose database this is, when it is not the app's own. */
  boundTo: string | null
}

/** An immutable snapshot of an app's files at one deploy. */
export interface VersionDoc {
  _id: string
  appId: string
  ownerId: string
  version: number
  files: Record<string, string>
  entrypoint: string
  hash: string
  createdAt: Date
}

const LIST_PROJECTION = { draft: 0, env: 0 } as const

// File names contain dots, which FerretDB v1 refuses as field names: files are stored as
// [{path, content}] and exposed as {path: content}.
type Stored<T> = Omit<T, 'files' | 'draft'> & Record<string, unknown>
const pack = (files: Record<string, string>) => Object.entries(files).map(([path, content]) => ({ path, content }))
function unpack(files: unknown): Record<string, string> {
  if (!Array.isArray(files)) return (files as Record<string, string>) ?? {}
  const out: Record<string, string> = {}
  for (const f of files as { path: string; content: string }[]) out[f.path] = f.content
  return out
}
function appIn(a: Partial<AppDoc>): Stored<AppDoc> {
  return (a.draft ? { ...a, draft: { ...a.draft, files: pack(a.draft.files) } } : a) as Stored<AppDoc>
}
function appOut(a: unknown): AppDoc | null {
  if (!a) return null
  const doc = a as AppDoc
  return doc.draft ? { ...doc, draft: { ...doc.draft, files: unpack(doc.draft.files) } } : doc
}
function versionOut(v: unknown): VersionDoc | null {
  if (!v) return null
  const doc = v as VersionDoc
  return doc.files ? { ...doc, files: unpack(doc.files) } : doc
}

/**
 * Data access for apps and app_versions.
 * FerretDB v1 applies an update as read-modify-write of the whole document, so two concurrent
 * updates of one app can lose a field: every write to an app goes through a per-app queue.
 */
export function appsRepo(db: Db) {
  const writes = new KeyedMutex()
  const apps = db.collection<AppDoc>('apps')
  const versions = db.collection<VersionDoc>('app_versions')
  const rawApps = db.collection('apps')
  const rawVersions = db.collection('app_versions')
  // Overlapping reads of one app share a round trip; every write to apps goes through `w`.
  const c = new ReadCoalescer()
  const w = c.write.bind(c)
  // `{_id}` alone is the filter FerretDB hands to SQLite: the owner is checked here.
  const byId = (id: string) => c.read(String(id), () => apps.findOne({ _id: String(id) }))
  return {
    insert: (a: AppDoc) => w(() => rawApps.insertOne(appIn(a) as never)),
    get: async (ownerId: string, id: string) => {
      const a = await byId(id)
      return a && a.ownerId === String(ownerId) ? appOut(a) : null
    },
    byId: async (id: string) => appOut(await byId(id)),
    bySlug: async (slug: string) => appOut(await apps.findOne({ slug: String(slug) })),
    slugTaken: async (slug: string) => (await apps.countDocuments({ slug: String(slug) }, { limit: 1 })) > 0,
    list: (ownerId: string) =>
      apps.find({ ownerId: String(ownerId) }, { projection: LIST_PROJECTION }).sort({ updatedAt: -1 }).toArray(),
    update: (id: string, set: Partial<AppDoc>) =>
      writes.run(id, () => w(() => rawApps.updateOne({ _id: String(id) as never }, { $set: { ...appIn(set), updatedAt: new Date() } }))),
    touch: (id: string, at: Date) => writes.run(id, () => w(() => apps.updateOne({ _id: String(id) }, { $set: { lastRequestAt: at } }))),
    /** Apps with at least one enabled cron trigger (the scheduler's working set). */
    withCron: async () => (await apps.find({ 'cron.enabled': true }, { projection: { draft: 0, env: 0 } }).toArray()) as AppDoc[],
    /** After a platform restart no instance exists: serving apps become sleeping (woken on demand). */
    sleepAll: () => w(() => apps.updateMany({ status: { $in: ['running', 'waking', 'deploying'] } }, { $set: { status: 'sleeping' } })),
    remove: (ownerId: string, id: string) => w(() => apps.deleteOne({ _id: String(id), ownerId: String(ownerId) })),
    /** Reserves the next version number of an app. */
    nextVersion: (id: string): Promise<number> => writes.run(id, () => w(async () => {
      const doc = await apps.findOneAndUpdate(
        { _id: String(id) },
        { $inc: { versionCounter: 1 } },
        { returnDocument: 'after' },
      )
      if (!doc) throw new Error(`app ${id} vanished`)
      const [latest] = await versions.find({ appId: String(id) }, { projection: { version: 1 } }).sort({ version: -1 }).limit(1).toArray()
      if (latest && latest.version >= doc.versionCounter) {
        await apps.updateOne({ _id: String(id) }, { $set: { versionCounter: latest.version + 1 } })
        return latest.version + 1
      }
      return doc.versionCounter
    })),
    insertVersion: (v: VersionDoc) => rawVersions.insertOne({ ...v, files: pack(v.files) } as never),
    version: async (appId: string, version: number) =>
      versionOut(await versions.findOne({ appId: String(appId), version: Number(version) })),
    versions: (appId: string) =>
      versions.find({ appId: String(appId) }, { projection: { files: 0 } }).sort({ version: -1 }).toArray(),
    /** Deletes versions beyond the newest `keep`, never the one in `protect`. */
    async pruneVersions(appId: string, keep: number, protect: number | null): Promise<void> {
      const old = await versions.find({ appId: String(appId) }, { projection: { version: 1 } }).sort({ version: -1 }).skip(keep).toArray()
      const drop = old.map((v) => v.version).filter((v) => v !== protect)
      if (drop.length) await versions.deleteMany({ appId: String(appId), version: { $in: drop } })
    },
    removeVersions: (appId: string) => versions.deleteMany({ appId: String(appId) }),
  }
}

/** The apps repository's shape. */
export type AppsRepo = ReturnType<typeof appsRepo>
