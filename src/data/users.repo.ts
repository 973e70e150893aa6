// users, sessions and API tokens.
import type { Db } from 'mongodb'
import { ReadCoalescer } from '../lib/coalesce'

/** A platform account. */
export interface UserDoc {
  _id: string
  email: string
  passwordHash: string
  role: 'admin' | 'user'
  /** A disabled account cannot log in; its sessions and tokens stop working. */
  disabled?: boolean
  createdAt: Date
}

/** A browser or API login session; its id is the JWT's `sid`. */
export interface SessionDoc {
  _id: string
  userId: string
  createdAt: Date
  expiresAt: Date
}

/** A long-lived bearer token for the CLI; only its hash is stored. */
export interface TokenDoc {
  _id: string
  userId: string
  name: string
  hash: string
  prefix: string
  createdAt: Date
  lastUsedAt?: Date
}

/** Data access for users, sessions and tokens. */
export function usersRepo(db: Db) {
  const users = db.collection<UserDoc>('users')
  const sessions = db.collection<SessionDoc>('sessions')
  const tokens = db.collection<TokenDoc>('tokens')
  // Overlapping identical reads (a burst of calls with one token) share one round trip.
  const c = new ReadCoalescer()
  const w = c.write.bind(c)
  return {
    count: () => users.countDocuments({}),
    insert: (u: UserDoc) => w(() => users.insertOne(u)),
    byEmail: (email: string) => users.findOne({ email: String(email) }),
    byId: (id: string) => c.read(`u:${id}`, () => users.findOne({ _id: String(id) })),
    list: () => users.find({}, { projection: { passwordHash: 0 } }).sort({ createdAt: 1 }).toArray(),
    setRole: (id: string, role: 'admin' | 'user') => w(() => users.updateOne({ _id: String(id) }, { $set: { role } })),
    setDisabled: (id: string, disabled: boolean) => w(() => users.updateOne({ _id: String(id) }, { $set: { disabled } })),
    /** Deletes a user with their sessions and tokens (their apps are removed by the caller). */
    remove: (id: string) => w(async () => {
      await sessions.deleteMany({ userId: String(id) })
      await tokens.deleteMany({ userId: String(id) })
      await users.deleteOne({ _id: String(id) })
    }),
    createSession: (s: SessionDoc) => w(() => sessions.insertOne(s)),
    session: (id: string) => c.read(`s:${id}`, () => sessions.findOne({ _id: String(id) })),
    deleteSession: (id: string) => w(() => sessions.deleteOne({ _id: String(id) })),
    insertToken: (t: TokenDoc) => w(() => tokens.insertOne(t)),
    tokenByHash: (hash: string) => c.read(`t:${hash}`, () => tokens.findOne({ hash: String(hash) })),
    tokens: (userId: string) =>
      tokens.find({ userId: String(userId) }, { projection: { hash: 0 } }).sort({ createdAt: -1 }).toArray(),
    deleteToken: (userId: string, id: string) => w(() => tokens.deleteOne({ _id: String(id), userId: String(userId) })),
    touchToken: (id: string) => w(() => tokens.updateOne({ _id: String(id) }, { $set: { lastUsedAt: new Date() } })),
  }
}

/** The users repository's shape. */
export type UsersRepo = ReturnType<typeof usersRepo>
