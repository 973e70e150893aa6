// The signed-in user of a browser screen, or a redirect to log in.
import type { Principal } from '../domain/auth'
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
