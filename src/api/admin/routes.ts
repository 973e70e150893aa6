// /api/admin: users, signup toggle, the validator's allowed imports and the shortest idle time apps may set.
import { Elysia, t } from 'elysia'
import type { Services } from '../../domain/services'
import { MIN_IDLE_SETTING, minIdleMinutes, readMinIdleMinutes } from '../../domain/app-settings'
import { authPlugin } from '../../plugins/auth'

/** Admin-only routes. */
export const adminApi = (s: Services) => {
  const { settings, users } = s.deps.repos
  const read = async () => ({
    signupOpen: await settings.get('signupOpen', true),
    allowedImports: await settings.get<string[] | null>('allowedImports', null),
    minIdleMinutes: await readMinIdleMinutes(settings),
  })
  return new Elysia({ prefix: '/api/admin' })
    .use(authPlugin(s))
    .get('/settings', read, { admin: true })
    .put('/settings', async ({ body }) => {
      if (body.signupOpen !== undefined) await settings.set('signupOpen', body.signupOpen)
      if (body.allowedImports !== undefined) await settings.set('allowedImports', body.allowedImports)
      if (body.minIdleMinutes !== undefined) await settings.set(MIN_IDLE_SETTING, minIdleMinutes(body.minIdleMinutes))
      return read()
    }, {
      admin: true,
      body: t.Object({
        signupOpen: t.Optional(t.Boolean()),
        allowedImports: t.Optional(t.Union([t.Null(), t.Array(t.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 100 }), { maxItems: 500 })])),
        minIdleMinutes: t.Optional(t.Integer()),
      }),
    })
    .get('/users', async () => ({
      users: (await users.list()).map((u) => ({ id: u._id, email: u.email, role: u.role, createdAt: u.createdAt })),
    }), { admin: true })
}
