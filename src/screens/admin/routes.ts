// /admin: only admins reach it (others get 404).
import { Elysia } from 'elysia'
import { Admin, UsersTable } from '../../../views/screens/admin/admin'
import type { Principal } from '../../domain/auth'
import type { Services } from '../../domain/services'
import { NO_ISOLATION } from '../../domain/database'
import { MIN_IDLE_SETTING, minIdleMinutes, readMinIdleMinutes } from '../../domain/app-settings'
import { html } from '../../plugins/html'
import { notFoundPage } from '../not-found'
import { shellUser, signedIn } from '../session'

type Ctx = { request: Request; params: Record<string, string>; body?: unknown }

/** Admin screens. */
export const adminScreens = (s: Services) => {
  const { users, settings, apps } = s.deps.repos
  // a domain error (a refused value) is answered in the form's message slot
  const admin = (fn: (p: Principal, c: Ctx) => Promise<Response>) => signedIn<Ctx>(s,
    async (p, c) => (p.user.role !== 'admin' ? notFoundPage(shellUser(p)) : fn(p, c)),
    (err) => html(`<span class="err">${Bun.escapeHTML(err.message)}</span>`, err.status))
  const rows = async () =>
    Promise.all((await users.list()).map(async (u) => ({ id: u._id, email: u.email, role: u.role, disabled: !!u.disabled, createdAt: u.createdAt, apps: (await apps.list(u._id)).length })))
  return new Elysia()
    .get('/admin', admin(async (p) => html(Admin({
      user: shellUser(p), users: await rows(),
      signupOpen: await settings.get('signupOpen', true),
      allowedImports: (await settings.get<string[] | null>('allowedImports', null)) ?? [],
      minIdleMinutes: await readMinIdleMinutes(settings),
      isolation: `${s.deps.capabilities.server} ${s.deps.capabilities.version}: ` + (s.deps.capabilities.roles
        ? 'database isolation is enforced — every app has its own user with readWrite on its own database only.'
        : NO_ISOLATION),
    }) as string)))
    .put('/admin/settings', admin(async (_p, { body }) => {
      const form = (body ?? {}) as Record<string, unknown>
      const lines = String(form.allowedImports ?? '').split(/\s+/).map((x) => x.trim()).filter(Boolean)
      const bad = lines.find((l) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(l))
      if (bad) return html(`<span class="err">"${Bun.escapeHTML(bad)}" is not a module name</span>`, 400)
      const minIdle = form.minIdleMinutes === undefined || form.minIdleMinutes === '' ? undefined : minIdleMinutes(Number(form.minIdleMinutes))
      // every field is checked before any is saved: a refused form changes nothing
      await settings.set('signupOpen', form.signupOpen === 'true')
      await settings.set('allowedImports', lines.length ? lines : null)
      if (minIdle !== undefined) await settings.set(MIN_IDLE_SETTING, minIdle)
      return html('<span class="ok">Saved.</span>')
    }))
    .post('/admin/users/:id/role', admin(async (p, { params, body }) => {
      const role = (body as Record<string, unknown>)?.role === 'admin' ? 'admin' : 'user'
      if (params.id !== p.user.id) await users.setRole(params.id!, role)
      return html(UsersTable({ users: await rows(), me: p.user.id, message: `Role changed to ${role}.` }) as string)
    }))
    .post('/admin/users/:id/disabled', admin(async (p, { params, body }) => {
      const disabled = (body as Record<string, unknown>)?.disabled === 'true'
      if (params.id !== p.user.id) await users.setDisabled(params.id!, disabled)
      return html(UsersTable({ users: await rows(), me: p.user.id, message: disabled ? 'User disabled.' : 'User enabled.' }) as string)
    }))
    .delete('/admin/users/:id', admin(async (p, { params }) => {
      if (params.id !== p.user.id) {
        for (const a of await apps.list(params.id!)) {
          await s.apps.remove(params.id!, a._id)
        }
        await s.catalog.removeOwner(params.id!)
        await users.remove(params.id!)
      }
      return html(UsersTable({ users: await rows(), me: p.user.id, message: 'User and their apps deleted.' }) as string)
    }))
}
