// /api/tokens: long-lived bearer tokens for the CLI and scripts (stored hashed, shown once).
import { Elysia, t } from 'elysia'
import type { Services } from '../../domain/services'
import { authPlugin } from '../../plugins/auth'

/** Token routes. */
export const tokensApi = (s: Services) =>
  new Elysia({ prefix: '/api/tokens' })
    .use(authPlugin(s))
    .post('/', async ({ principal, body, set }) => {
      set.status = 201
      return s.auth.createToken(principal.user.id, body?.name ?? 'cli')
    }, { auth: true, body: t.Optional(t.Object({ name: t.Optional(t.String({ maxLength: 100 })) })) })
    .get('/', async ({ principal }) => ({ tokens: await s.auth.listTokens(principal.user.id) }), { auth: true })
    .delete('/:id', async ({ principal, params }) => {
      await s.auth.revokeToken(principal.user.id, params.id)
      return { ok: true }
    }, { auth: true })
