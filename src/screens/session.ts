// The signed-in user of a browser screen, or a redirect to log in.
import type { Principal } from '../domain/auth'
import { DomainError } from '../domain/errors'
import type { Services } from '../domain/services'
import { principalOf } from '../plugins/auth'
import { redirect } from '../plugins/html'

/** The principal of a screen request, or a Response that sends the browser to log in. */
export async function requireUser(s: Services, request: Request): Promise<Principal | Response> {
  let p: Principal | null = null
  try {
    p = await principalOf(s, request)
  } catch {
    return new Response('cross-origin request refused', { status: 403 })
  }
  if (p) return p
  const users = await s.deps.repos.users.count()
  return redirect(request, users === 0 ? '/signup' : '/login')
}

/** The shell's view of a user. */
export const shellUser = (p: Principal) => ({ id: p.user.id, email: p.user.email, role: p.user.role })

/** Runs a screen handler for a signed-in user; a domain error it throws is answered by `onError`. */
export function signedIn<C extends { request: Request }>(
  s: Services,
  fn: (p: Principal, c: C) => Promise<Response>,
  onError: (err: DomainError, p: Principal) => Response | Promise<Response>,
) {
  return async (c: C): Promise<Response> => {
    const p = await requireUser(s, c.request)
    if (p instanceof Response) return p
    try {
      return await fn(p, c)
    } catch (err) {
      if (err instanceof DomainError) return onError(err, p)
      throw err
    }
  }
}
