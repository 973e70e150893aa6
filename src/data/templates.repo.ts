// user_templates: app versions saved as templates by their owners (private until an admin publishes them).
import type { Db } from 'mongodb'

/** A template saved from an app version. Files are stored as [{path, content}] (FerretDB: no dots in field names). */
export interface UserTemplateDoc {
  _id: string
  /** Unique across the platform (built-ins included), so a teacher's `/new?template=<name>` link is unambiguous. */
  name: string
  /** Null once its owner was deleted (a published template stays, managed by admins). */
  ownerId: string | null
  ownerEmail: string
  title: string
  description: string
  level: 'beginner' | 'intermediate'
  tags: string[]
  entrypoint: string
  files: Record<string, string>
  /** Env variable names of the source app; values are never stored. */
  envKeys: string[]
  guide: string
  /** Ready-to-run calls shown next to the guide (method, path, body). */
  calls: { method: string; path: string; body?: string }[]
  published: boolean
  source: { appId: string; version: number | null }
  createdAt: Date
  updatedAt: Date
}

const pack = (files: Record<string, string>) => Object.entries(files).map(([path, content]) => ({ path, content }))
function out(doc: unknown): UserTemplateDoc | null {
  if (!doc) return null
  const d = doc as UserTemplateDoc & { files: unknown }
  const files: Record<string, string> = {}
  if (Array.isArray(d.files)) for (const f of d.files as { path: string; content: string }[]) files[f.path] = f.content
  return { ...d, files }
}
const LIST = { files: 0 } as const

/** Data access for user templates; every user-facing query is scoped by owner or `published`. */
export function templatesRepo(db: Db) {
  const col = db.collection<UserTemplateDoc>('templates')
  const raw = db.collection('templates')
  return {
    insert: (t: UserTemplateDoc) => raw.insertOne({ ...t, files: pack(t.files) } as never),
    byName: async (name: string) => out(await col.findOne({ name: String(name) })),
    countByOwner: (userId: string) => col.countDocuments({ ownerId: String(userId) }),
    nameTaken: async (name: string) => (await col.countDocuments({ name: String(name) }, { limit: 1 })) > 0,
    /** Templates a user may see (own + published), without files; `all` (admins) sees every one. */
    visible: async (userId: string, all: boolean) =>
      (await col.find(all ? {} : { $or: [{ ownerId: String(userId) }, { published: true }] }, { projection: LIST })
        .sort({ updatedAt: -1 }).toArray()).map((t) => ({ ...t, files: {} }) as UserTemplateDoc),
    update: (id: string, set: Partial<Pick<UserTemplateDoc, 'name' | 'title' | 'description' | 'level' | 'tags' | 'published' | 'guide'>>) =>
      col.updateOne({ _id: String(id) }, { $set: { ...set, updatedAt: new Date() } }),
    remove: (id: string) => col.deleteOne({ _id: String(id) }),
    /** A user is deleted: their private templates go, their published ones stay without an owner. */
    async removeOwner(userId: string) {
      await col.deleteMany({ ownerId: String(userId), published: false })
      await col.updateMany({ ownerId: String(userId) }, { $set: { ownerId: null } })
    },
  }
}

/** The templates repository's shape. */
export type TemplatesRepo = ReturnType<typeof templatesRepo>
