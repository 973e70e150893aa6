// Each app's own database: provisioning (database + user where roles are enforced), capabilities,
// and the browser (collections, documents, filters of simple operators only, delete, export).
import { BSON, MongoClient, ObjectId, type Document, type Filter } from 'mongodb'

const { EJSON } = BSON

/** What the database server can do. */
export interface DbCapabilities {
  server: 'mongodb' | 'ferretdb'
  version: string
  /** Per-app users with roles are enforced (MongoDB); FerretDB v1 cannot. */
  roles: boolean
}

/** Detects the server kind and whether it enforces users and roles. A MongoDB that can create
 *  users but was started without access control (no --auth) enforces nothing: with `url`, a client
 *  without credentials is tried too, and if it can list databases, roles count as not enforced. */
export async function detectCapabilities(client: MongoClient, url?: string): Promise<DbCapabilities> {
  const info = await client.db('admin').command({ buildInfo: 1 })
  const ferret = 'ferretdbVersion' in info || 'ferretdb' in info
  if (ferret) return { server: 'ferretdb', version: String(info.ferretdbVersion ?? info.version), roles: false }
  let roles = false
  try {
    const probe = client.db('fp_capability_probe')
    await probe.command({ createUser: 'fp_probe', pwd: 'probe-password-not-used', roles: [] })
    await probe.command({ dropUser: 'fp_probe' })
    roles = true
  } catch {}
  if (roles && url) roles = await refusesAnonymous(url)
  return { server: 'mongodb', version: String(info.version), roles }
}

/** `url` without user, password or auth options: what any local process (an app) could connect with. */
export function withoutCredentials(url: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/)(?:[^@/?]*@)?([^/?]*)(\/[^?]*)?(?:\?(.*))?$/.exec(url)
  if (!m) throw new Error('not a mongodb:// URL')
  const query = (m[4] ?? '').split('&').filter((kv) => kv && !/^auth(Source|Mechanism|MechanismProperties)=/i.test(kv)).join('&')
  return `${m[1]}${m[2]}${m[3] ?? '/'}${query ? `?${query}` : ''}`
}

/** Whether the server at `url` refuses a client without credentials (access control is on). Only a
 *  successful anonymous listDatabases counts as open; any failure means it is not open to us either. */
export async function refusesAnonymous(url: string): Promise<boolean> {
  const anon = new MongoClient(withoutCredentials(url), { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000, maxPoolSize: 1 })
  try {
    await anon.db('admin').command({ listDatabases: 1, nameOnly: true })
    return false
  } catch {
    return true
  } finally {
    await anon.close().catch(() => {})
  }
}

const ALLOWED_OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$and', '$or', '$nor', '$not', '$size', '$all', '$elemMatch'])

/** Why a filter is refused (operators that run code, or anything not plain data), or null. */
export function filterProblem(filter: unknown, depth = 0): string | null {
  if (depth > 8) return 'the filter is nested too deeply'
  if (filter === null || typeof filter !== 'object') return null
  if (Array.isArray(filter)) {
    for (const f of filter) {
      const why = filterProblem(f, depth + 1)
      if (why) return why
    }
    return null
  }
  for (const [key, value] of Object.entries(filter as Record<string, unknown>)) {
    if (key.startsWith('$') && !ALLOWED_OPERATORS.has(key)) return `the operator ${key} is not allowed in filters (only comparisons: $eq, $gt, $in, …)`
    const why = filterProblem(value, depth + 1)
    if (why) return why
  }
  return null
}

/** A document id as the browser shows it, and back. */
export const idToString = (id: unknown) => (id instanceof ObjectId ? id.toHexString() : typeof id === 'string' ? id : EJSON.stringify(id))
function idFromString(id: string): unknown[] {
  const out: unknown[] = [id]
  if (/^[a-f0-9]{24}$/i.test(id)) out.unshift(new ObjectId(id))
  if (/^-?\d+$/.test(id)) out.push(Number(id))
  return out
}

/** Data access to apps' own databases. */
export function appDbRepo(client: MongoClient) {
  return {
    /** Creates the app's database user (where roles exist) with readWrite on that database only. */
    async createUser(dbName: string, user: string, password: string): Promise<void> {
      await client.db(dbName).command({ createUser: user, pwd: password, roles: [{ role: 'readWrite', db: dbName }] })
    },
    async dropUser(dbName: string, user: string): Promise<void> {
      await client.db(dbName).command({ dropUser: user }).catch(() => {})
    },
    dropDatabase: (dbName: string) => client.db(dbName).dropDatabase(),
    /** Collections with document counts and sizes. */
    async collections(dbName: string): Promise<{ name: string; count: number; size: number }[]> {
      const db = client.db(dbName)
      const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => !n.startsWith('system.')).sort()
      return Promise.all(names.map(async (name) => {
        const count = await db.collection(name).countDocuments({})
        let size = 0
        try {
          size = Number((await db.command({ collStats: name })).size ?? 0)
        } catch {}
        return { name, count, size }
      }))
    },
    /** A page of documents matching a checked filter, newest _id first. */
    async documents(dbName: string, collection: string, filter: Filter<Document>, skip: number, limit: number) {
      const col = client.db(dbName).collection(collection)
      const [docs, total] = await Promise.all([
        col.find(filter).sort({ _id: -1 }).skip(skip).limit(limit).toArray(),
        col.countDocuments(filter),
      ])
      return { total, documents: docs.map((d) => ({ id: idToString(d._id), json: EJSON.stringify(d, undefined, 2, { relaxed: true }) })) }
    },
    async deleteDocument(dbName: string, collection: string, id: string): Promise<boolean> {
      const col = client.db(dbName).collection(collection)
      for (const candidate of idFromString(id)) {
        const r = await col.deleteOne({ _id: candidate as never })
        if (r.deletedCount) return true
      }
      return false
    },
    /** All documents of a collection as JSON lines (streamed in batches). */
    exportLines(dbName: string, collection: string): ReadableStream<Uint8Array> {
      const cursor = client.db(dbName).collection(collection).find({}).batchSize(200)
      const enc = new TextEncoder()
      return new ReadableStream({
        async pull(ctrl) {
          const doc = await cursor.next()
          if (!doc) {
            await cursor.close()
            ctrl.close()
            return
          }
          ctrl.enqueue(enc.encode(EJSON.stringify(doc, { relaxed: true }) + '\n'))
        },
        async cancel() {
          await cursor.close()
        },
      })
    },
  }
}

/** The app database repository's shape. */
export type AppDbRepo = ReturnType<typeof appDbRepo>

/** Parses a JSON filter string (Extended JSON allowed) into a filter, or throws with a reason. */
export function parseFilter(text: string | undefined): Filter<Document> {
  if (!text || !text.trim()) return {}
  let value: unknown
  try {
    value = EJSON.parse(text, { relaxed: true })
  } catch {
    throw new Error('the filter is not valid JSON')
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('the filter must be a JSON object')
  const why = filterProblem(value)
  if (why) throw new Error(why)
  return value as Filter<Document>
}
