// Home (apps list) and "New app": the template gallery (also at /new, the link a teacher hands out).
import { Elysia } from 'elysia'
import { AppsList } from '../../../views/screens/apps/list'
import { NewApp, NewAppForm } from '../../../views/screens/apps/new'
import type { PublicUser } from '../../domain/auth'
import { DomainError } from '../../domain/errors'
import type { Services } from '../../domain/services'
import { html, redirect } from '../../plugins/html'
import { requireUser, shellUser } from '../session'

const BLANK = { 'app.py': 'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/")\ndef root():\n    return {"message": "Hello from a blank app"}\n' }

/** Apps list and creation screens. */
export const appsScreens = (s: Services) => {
  const sections = (u: PublicUser) => s.catalog.list(u)
  const gallery = async ({ request, query }: { request: Request; query: Record<string, string | undefined> }) => {
    const p = await requireUser(s, request)
    if (p instanceof Response) return p
    const chosen = typeof query.template === 'string' ? query.template.slice(0, 60) : undefined
    return html(NewApp({ user: shellUser(p), sections: await sections(p.user), chosen, focused: !!chosen }) as string)
  }
  return new Elysia()
    .get('/', async ({ request }) => {
      const p = await requireUser(s, request)
      if (p instanceof Response) return p
      const apps = (await s.apps.list(p.user.id)).map(s.view)
      return html(AppsList({ user: shellUser(p), apps }) as string)
    })
    .get('/apps/new', gallery)
    .get('/new', gallery)
    .post('/apps', async ({ request, body }) => {
      const p = await requireUser(s, request)
      if (p instanceof Response) return p
      const form = (body ?? {}) as Record<string, unknown>
      const name = typeof form.name === 'string' ? form.name : ''
      const chosen = typeof form.template === 'string' ? form.template : 'blank'
      try {
        const t = chosen === 'blank' ? null : await s.catalog.resolve(p.user, chosen)
        const app = await s.apps.create(p.user.id, { name, files: t ? t.files : BLANK, entrypoint: t?.entrypoint, template: t?.name })
        if (t && Object.keys(t.env).length) await s.apps.setEnv(p.user.id, app._id, t.env)
        return redirect(request, `/apps/${app._id}/edit`)
      } catch (err) {
        if (!(err instanceof DomainError)) throw err
        return html(NewAppForm({ user: shellUser(p), sections: await sections(p.user), error: err.message, name, chosen }) as string, err.status)
      }
    })
}
