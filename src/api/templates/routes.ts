// /api/templates: the built-in templates (for the CLI's `fp init --template` and scripts).
import { Elysia } from 'elysia'
import type { Services } from '../../domain/services'

/** Template routes (public: templates hold no secrets). */
export const templatesApi = (s: Services) =>
  new Elysia({ prefix: '/api/templates' })
    .get('/', () => ({ templates: s.templates.map(({ files, checks, ...t }) => t) }))
    .get('/:name', ({ params, set }) => {
      const t = s.templates.find((x) => x.name === params.name)
      if (!t) return (set.status = 404), { error: 'not_found', message: `no template "${params.name}"` }
      return t
    })
