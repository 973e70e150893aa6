// Authentication for API and screens: bearer token (CLI) or session cookie (browser).
// Cookie-authenticated state changes must come from our own origin (ACCEPTANCE 13).
import { Elysia } from 'elysia'
import type { Principal } from '../domain/auth'
import { forbidden, unauthorized } from '../domain/errors'
import type { Services } from '../domain/services'

/** Name of the browser session cookie. */
export const SESSION_COOKIE = 'fp_session'
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Reads a cookie value from a Cookie header without trusting its shape. */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim())
  }
  return null
}

/** True when an unsafe request carries an Origin (or Referer) of the platform itself. */
export function sameOrigin(request: Request, baseUrl: string): boolean {
  const origin = request.headers.get('origin') ?? (request.headers.get('referer') ? safeOrigin(request.headers.get('referer')!) : null)
  if (!origin || origin === 'null') return false
  const host = request.headers.get('host')
  const allowed = new Set([new URL(baseUrl).origin])
  if (host) {
    allowed.add(`http://${host}`)
    allowed.add(`https://${host}`)
  }
  return allowed.has(origin)
}

function safeOrigin(url: string): string | null {
  try {
    return new URL(url).origin
  } catch {
    return null
  }
}

/** Resolves the principal of a request, or null. */
export async function principalOf(s: Services, request: Request): Promise<Principal | null> {
  const header = request.headers.get('authorization')
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header)
    return m ? s.auth.authenticate(m[1]!) : null
  }
  const cookie = readCookie(request.headers.get('cookie'), SESSION_COOKIE)
  if (!cookie) return null
  if (!SAFE.has(request.method) && !sameOrigin(request, s.deps.config.baseUrl)) {
    throw forbidden('cross-origin request refused: send state changes from the platform itself')
  }
  return s.auth.authenticate(cookie)
}

/** `auth: true` → the route needs a user; `admin: true` → an admin. Both resolve `principal`. */
export const authPlugin = (s: Services) =>
  new Elysia({ name: 'auth', seed: s }).macro({
    auth: {
      async resolve({ request }) {
        const principal = await principalOf(s, request)
        if (!principal) throw unauthorized()
        return { principal }
      },
    },
    admin: {
      async resolve({ request }) {
        const principal = await principalOf(s, request)
        if (!principal) throw unauthorized()
        if (principal.user.role !== 'admin') throw forbidden('only an admin may do this')
        return { principal }
      },
    },
  })
