// URL-safe slugs derived from app names.

/** Lower-case, ASCII letters/digits and single dashes, 1–40 characters; never empty. */
export function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '')
  return s || 'app'
}

/** Slugs the platform keeps for itself (they would shadow its own routes or hosts). */
export const RESERVED_SLUGS = new Set(['api', 'app', 'apps', 'admin', 'www', 'static', 'assets', 'hooks', 'login', 'signup', 'healthz'])
