// slug → app id, cached in memory: the warm path of the proxy resolves apps without the database.
import type { Repos } from './context'

/** What the proxy needs to know about an app to route to it. */
export interface RouteEntry {
  id: string
  slug: string
  name: string
}

/** A cache of app routes by slug; misses are remembered briefly so unknown slugs cannot hammer the DB. */
export function appDirectory(repos: Pick<Repos, 'apps'>, negativeTtlMs = 2000) {
  const hits = new Map<string, RouteEntry>()
  const misses = new Map<string, number>()
  const ids = new Map<string, RouteEntry>()
  return {
    /** The cached entry, synchronously (the warm path). */
    cached: (slug: string): RouteEntry | undefined => hits.get(slug),
    async resolve(slug: string): Promise<RouteEntry | null> {
      const hit = hits.get(slug)
      if (hit) return hit
      const missAt = misses.get(slug)
      if (missAt && Date.now() - missAt < negativeTtlMs) return null
      const app = await repos.apps.bySlug(slug)
      if (!app) {
        if (misses.size > 10_000) misses.clear()
        misses.set(slug, Date.now())
        return null
      }
      const entry = { id: app._id, slug: app.slug, name: app.name }
      hits.set(slug, entry)
      return entry
    },
    /** The route of an app by id (runs and webhooks call apps by id); null when it does not exist. */
    async byId(id: string): Promise<RouteEntry | null> {
      const hit = ids.get(id)
      if (hit) return hit
      const app = await repos.apps.byId(id)
      if (!app) return null
      const entry = { id: app._id, slug: app.slug, name: app.name }
      if (ids.size > 10_000) ids.clear()
      ids.set(id, entry)
      return entry
    },
    /** Forget a slug (app created, renamed or deleted). */
    invalidate(slug: string): void {
      hits.delete(slug)
      misses.delete(slug)
      for (const [id, e] of ids) if (e.slug === slug) ids.delete(id)
    },
  }
}

/** The directory's shape. */
export type AppDirectory = ReturnType<typeof appDirectory>
