// apps and their immutable versions. Every lookup for a user's app is scoped by owner.
import type { Db } from 'mongodb'

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
  settings: { idleMinutes: number }
  uid: number
  lastRequestAt?: Date | null
  deployedAt?: Date | null
  createdAt: Date
  updatedAt: Date
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

/** Data access for apps and app_versions. */
export function appsRepo(db: Db) {
  const apps = db.collection<AppDoc>('apps')
  const versions = db.collection<VersionDoc>('app_versions')
  return {
    insert: (a: AppDoc) => apps.insertOne(a),
    get: (ownerId: string, id: string) => apps.findOne({ _id: String(id), ownerId: String(ownerId) }),
    byId: (id: string) => apps.findOne({ _id: String(id) }),
    bySlug: (slug: string) => apps.findOne({ slug: String(slug) }),
    slugTaken: async (slug: string) => (await apps.countDocuments({ slug: String(slug) }, { limit: 1 })) > 0,
    list: (ownerId: string) =>
      apps.find({ ownerId: String(ownerId) }, { projection: LIST_PROJECTION }).sort({ updatedAt: -1 }).toArray(),
    /** Apps that should be serving (used to bring them back after a platform restart). */
    deployed: () => apps.find({ currentVersion: { $ne: null } }).toArray(),
    update: (id: string, set: Partial<AppDoc>) =>
      apps.updateOne({ _id: String(id) }, { $set: { ...set, updatedAt: new Date() } }),
    touch: (id: string, at: Date) => apps.updateOne({ _id: String(id) }, { $set: { lastRequestAt: at } }),
    remove: (ownerId: string, id: string) => apps.deleteOne({ _id: String(id), ownerId: String(ownerId) }),
    /** Reserves the next version number of an app. */
    async nextVersion(id: string): Promise<number> {
      const doc = await apps.findOneAndUpdate(
        { _id: String(id) },
        { $inc: { versionCounter: 1 } },
        { returnDocument: 'after', projection: { versionCounter: 1 } },
      )
      if (!doc) throw new Error(`app ${id} vanished`)
      return doc.versionCounter
    },
    insertVersion: (v: VersionDoc) => versions.insertOne(v),
    version: (appId: string, version: number) => versions.findOne({ appId: String(appId), version: Number(version) }),
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
