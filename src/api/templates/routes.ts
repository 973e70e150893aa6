// /api/templates: built-in templates (public, for `fp init --template`) and user templates (issue 9).
import { Elysia, t } from 'elysia'
import { notFound } from '../../domain/errors'
import type { Services } from '../../domain/services'
import { authPlugin, principalOf } from '../../plugins/auth'

const name = t.String({ maxLength: 60 })
const fields = {
  title: t.String({ maxLength: 200 }),
  description: t.Optional(t.String({ maxLength: 1000 })),
  tags: t.Optional(t.Array(t.String({ maxLength: 40 }), { maxItems: 20 })),
  level: t.Optional(t.String({ maxLength: 20 })),
}

/** Template routes. Lists and reads work without a login (built-ins only); user templates need one. */
export const templatesApi = (s: Services) =>
  new Elysia({ prefix: '/api/templates' })
    .use(authPlugin(s))
    .get('/', async ({ request }) => {
      const p = await principalOf(s, request)
      const builtin = s.templates.map(({ files, checks, ...rest }) => ({ ...rest, kind: 'builtin' as const }))
      if (!p) return { templates: builtin }
      const c = await s.catalog.list(p.user)
      return { templates: builtin, mine: c.mine, published: c.published, others: c.others }
    })
    .get('/:name', async ({ request, params }) => {
      const b = s.templates.find((x) => x.name === params.name)
      if (b) return b
      const p = await principalOf(s, request)
      if (!p) throw notFound('template')
      return s.catalog.resolve(p.user, params.name)
    })
    .post('/', async ({ principal, body, set }) => {
      set.status = 201
      return s.catalog.save(principal.user, body)
    }, {
      auth: true,
      body: t.Object({ app_id: t.String({ maxLength: 40 }), version: t.Optional(t.Integer({ minimum: 1 })), name, ...fields, guide: t.Optional(t.String({ maxLength: 10_000 })) }),
    })
    .patch('/:name', async ({ principal, params, body }) => s.catalog.edit(principal.user, params.name, body), {
      auth: true,
      body: t.Object({ name: t.Optional(name), ...fields, title: t.Optional(fields.title), guide: t.Optional(t.String({ maxLength: 10_000 })) }),
    })
    .post('/:name/publish', async ({ principal, params }) => s.catalog.publish(principal.user, params.name, true), { auth: true })
    .delete('/:name/publish', async ({ principal, params }) => s.catalog.publish(principal.user, params.name, false), { auth: true })
    .delete('/:name', async ({ principal, params }) => {
      await s.catalog.remove(principal.user, params.name)
      return { ok: true, deleted: params.name }
    }, { auth: true })
