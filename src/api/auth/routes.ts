// /api/auth: signup, login, logout, me. Answers {token, user} and sets the session cookie.
import { Elysia } from 'elysia'
import type { Services } from '../../domain/services'
import { authPlugin, SESSION_COOKIE } from '../../plugins/auth'
import { credentials } from './model'

/** The Set-Cookie value of a browser session. */
export function sessionCookie(token: string, maxAge: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? '; Secure' : ''}`
}

/** Account routes. */
export const authApi = (s: Services) => {
  const secure = s.deps.config.baseUrl.startsWith('https:')
  const ipOf = (request: Request, server: { requestIP(r: Request): { address: string } | null } | null) =>
    server?.requestIP(request)?.address ?? 'unknown'
  return new Elysia({ prefix: '/api/auth' })
    .use(authPlugin(s))
    .post('/signup', async ({ body, set }) => {
      const res = await s.auth.signup(body.email, body.password)
      set.status = 201
      set.headers['set-cookie'] = sessionCookie(res.token, res.maxAge, secure)
      return { token: res.token, user: res.user }
    }, { body: credentials })
    .post('/login', async ({ body, set, request, server }) => {
      const res = await s.auth.login(body.email, body.password, ipOf(request, server))
      set.headers['set-cookie'] = sessionCookie(res.token, res.maxAge, secure)
      return { token: res.token, user: res.user }
    }, { body: credentials })
    .post('/logout', async ({ principal, set }) => {
      if (principal.sessionId) await s.auth.logout(principal.sessionId)
      set.headers['set-cookie'] = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`
      return { ok: true }
    }, { auth: true })
    .get('/me', ({ principal }) => ({ user: principal.user, via: principal.via }), { auth: true })
}
