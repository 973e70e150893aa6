// /login, /signup, /logout: forms posted by htmx; errors re-render the form in place.
import { Elysia } from 'elysia'
import { AuthForm, AuthPage } from '../../../views/screens/auth/auth-page'
import { sessionCookie } from '../../api/auth/routes'
import { DomainError } from '../../domain/errors'
import type { Services } from '../../domain/services'
import { principalOf, SESSION_COOKIE } from '../../plugins/auth'
import { html, redirect } from '../../plugins/html'

/** Browser auth routes. */
export const authScreens = (s: Services) => {
  const secure = s.deps.config.baseUrl.startsWith('https:')
  const state = async () => ({ signupOpen: await s.auth.signupOpen(), first: (await s.deps.repos.users.count()) === 0 })
  const submit = (mode: 'login' | 'signup') => async ({ body, request, server }: { body: unknown; request: Request; server: { requestIP(r: Request): { address: string } | null } | null }) => {
    const form = (body ?? {}) as Record<string, unknown>
    const email = typeof form.email === 'string' ? form.email : ''
    const password = typeof form.password === 'string' ? form.password : ''
    try {
      const res = mode === 'login'
        ? await s.auth.login(email, password, server?.requestIP(request)?.address ?? 'unknown')
        : await s.auth.signup(email, password)
      return redirect(request, '/', { 'set-cookie': sessionCookie(res.token, res.maxAge, secure) })
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      return html(AuthForm({ mode, error: err.message, email, ...(await state()) }) as string, err.status)
    }
  }
  return new Elysia()
    .get('/login', async ({ request }) => {
      if (await principalOf(s, request).catch(() => null)) return redirect(request, '/')
      const st = await state()
      if (st.first) return redirect(request, '/signup')
      return html(AuthPage({ mode: 'login', ...st }) as string)
    })
    .get('/signup', async () => html(AuthPage({ mode: 'signup', ...(await state()) }) as string))
    .post('/login', submit('login'))
    .post('/signup', submit('signup'))
    .post('/logout', async ({ request }) => {
      const p = await principalOf(s, request).catch(() => null)
      if (p?.sessionId) await s.auth.logout(p.sessionId)
      return redirect(request, '/login', { 'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` })
    })
}
