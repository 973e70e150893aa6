// Database included: each app gets its own database (and, on MongoDB, its own user), a URI in its
// environment, an optional binding to another of the owner's apps, and a browser.
import type { AppDoc, AppDbBinding } from '../data/apps.repo'
import { parseFilter } from '../data/appdb.repo'
import { open, randomToken, seal } from '../lib/crypto'
import type { DomainDeps } from './context'
import { badRequest, notFound } from './errors'

/** The plain-language isolation notice shown where roles are not enforced. */
export const NO_ISOLATION = 'Database isolation is not enforced by this database server: apps could reach each other\'s databases. Use MongoDB ≥ 6 with access control on (--auth; MONGO_URL) in production.'

/** Provisioning, binding and browsing of apps' databases. */
export function databaseService(deps: DomainDeps) {
  const { appDb, capabilities, config } = deps
  const aad = (appId: string) => `${appId}:db:password`
  const COLLECTION = /^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,119}$/

  function ownBinding(app: Pick<AppDoc, '_id'>): AppDbBinding {
    return { name: `${config.dbPrefix}${app._id}`, user: null, password: null, boundTo: null }
  }

  function binding(app: AppDoc): AppDbBinding {
    return app.db ?? ownBinding(app)
  }

  function checkCollection(name: string): string {
    if (!COLLECTION.test(name) || name.startsWith('system.')) throw badRequest('invalid collection name')
    return name
  }

  return {
    /** Creates the app's database user where roles exist; returns the binding to store on the app. */
    async provision(app: Pick<AppDoc, '_id'>): Promise<AppDbBinding> {
      const b = ownBinding(app)
      if (!capabilities.roles) return b
      const user = `app_${app._id}`
      const password = randomToken(32)
      await appDb.createUser(b.name, user, password)
      return { ...b, user, password: seal(deps.keys.secrets, password, aad(app._id)) }
    },

    /** PLATFORM_MONGO_URI of an app: the server, its database as default, its own credentials where enforced. */
    uriFor(app: AppDoc): string {
      const b = binding(app)
      const u = new URL(deps.mongoUrl)
      u.pathname = `/${b.name}`
      if (b.user && b.password) {
        u.username = encodeURIComponent(b.user)
        u.password = encodeURIComponent(open(deps.keys.secrets, b.password, aad(b.boundTo ?? app._id)))
        u.searchParams.set('authSource', b.name)
      }
      return u.toString()
    },

    /** What the app's settings show about its database. */
    describe(app: AppDoc) {
      const b = binding(app)
      return {
        name: b.name, boundTo: b.boundTo, user: b.user, server: capabilities.server,
        isolation: capabilities.roles ? 'enforced: the app has its own user with readWrite on this database only' : NO_ISOLATION,
      }
    },

    /** Binds `app` to the database of another app of the same owner (null: back to its own). */
    async bind(ownerId: string, app: AppDoc, targetId: string | null): Promise<AppDbBinding> {
      if (!targetId || targetId === app._id) {
        const own = app.db?.boundTo ? (await deps.repos.apps.get(ownerId, app._id))?.db : null
        const next = own?.boundTo ? await this.provision(app) : binding(app)
        await deps.repos.apps.update(app._id, { db: next })
        return next
      }
      const target = await deps.repos.apps.get(ownerId, targetId)
      if (!target) throw notFound('app to bind to')
      const tb = binding(target)
      const next: AppDbBinding = { ...tb, boundTo: tb.boundTo ?? target._id }
      await deps.repos.apps.update(app._id, { db: next })
      return next
    },

    /** Drops the app's own database (and user); never a database it is only bound to. */
    async drop(app: AppDoc): Promise<void> {
      const b = binding(app)
      if (b.boundTo) return
      if (b.user) await appDb.dropUser(b.name, b.user)
      await appDb.dropDatabase(b.name)
    },

    collections: (app: AppDoc) => appDb.collections(binding(app).name),

    async documents(app: AppDoc, collection: string, q: { filter?: string; skip?: number; limit?: number }) {
      let filter
      try {
        filter = parseFilter(q.filter)
      } catch (e) {
        throw badRequest((e as Error).message)
      }
      const limit = Math.min(Math.max(Number(q.limit) || 20, 1), 100)
      const skip = Math.max(Number(q.skip) || 0, 0)
      return { ...(await appDb.documents(binding(app).name, checkCollection(collection), filter, skip, limit)), skip, limit }
    },

    async deleteDocument(app: AppDoc, collection: string, id: string) {
      if (!(await appDb.deleteDocument(binding(app).name, checkCollection(collection), id))) throw notFound('document')
    },

    exportLines: (app: AppDoc, collection: string) => appDb.exportLines(binding(app).name, checkCollection(collection)),
  }
}

/** The database service's shape. */
export type DatabaseService = ReturnType<typeof databaseService>
