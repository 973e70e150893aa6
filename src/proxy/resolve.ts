// Which app a request is for: `/app/{slug}/…` or, with APPS_DOMAIN, the host `{slug}.{APPS_DOMAIN}`.

/** A request matched to an app: its slug, the path the app sees, and the prefix that was cut. */
export interface Match {
  slug: string
  /** Path and query as the app sees them (always starts with '/'). */
  path: string
  /** `/app/{slug}` for path routing, '' for host routing. */
  prefix: string
  /** `/app/{slug}` without a trailing slash: redirect to the slash form. */
  redirect?: string
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62})$/

/** Splits an absolute URL string into path and query without allocating a URL object (hot path). */
export function splitUrl(url: string): { pathname: string; search: string } {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  if (start < 0) return { pathname: '/', search: '' }
  const q = url.indexOf('?', start)
  const h = url.indexOf('#', start)
  const end = h < 0 ? url.length : h
  return q < 0 || q > end ? { pathname: url.slice(start, end), search: '' } : { pathname: url.slice(start, q), search: url.slice(q, end) }
}

/** Matches a URL and Host header to an app, or null when the request is the platform's own. */
export function matchApp(rawUrl: string | URL, host: string | null, appsDomain?: string): Match | null {
  const url = typeof rawUrl === 'string' ? splitUrl(rawUrl) : rawUrl
  if (appsDomain && host) {
    const h = host.toLowerCase().replace(/:\d+$/, '')
    if (h.endsWith(`.${appsDomain}`)) {
      const slug = h.slice(0, -appsDomain.length - 1)
      if (SLUG.test(slug)) return { slug, path: url.pathname + url.search, prefix: '' }
    }
  }
  const p = url.pathname
  if (!p.startsWith('/app/')) return null
  const rest = p.slice(5)
  const slash = rest.indexOf('/')
  const slug = slash < 0 ? rest : rest.slice(0, slash)
  if (!SLUG.test(slug)) return null
  const prefix = `/app/${slug}`
  if (slash < 0) return { slug, path: '/', prefix, redirect: `${prefix}/${url.search}` }
  return { slug, path: rest.slice(slash) + url.search, prefix }
}
