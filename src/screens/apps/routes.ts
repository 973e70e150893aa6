// Home (apps list) and "New app" (blank or from a template).
import { Elysia } from 'elysia'
import { AppsList } from '../../../views/screens/apps/list'
import { NewApp, NewAppForm } from '../../../views/screens/apps/new'
import { DomainError } from '../../domain/errors'
import type { Services } from '../../domain/services'
import { html, redirect } from '../../plugins/html'
import { requireUser, shellUser } from '../session'

const BLANK = { 'app.py': 'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/")\ndef root():\n    return {"message": "Hello from a blank app"}\n' }

/** Apps list and creation screens. */
export const appsScreens = (s: Services) => {
  const cards = () => s.templates.map(({ name, title, description, level, tags }) => ({ name, title, description, level, tags }))
  return new Elysia()
    .get('/', async ({ request }) => {
      const p = await requireUser(s, request)
      if (p instanceof Response) return p
      const apps = (await s.apps.list(p.user.id)).map(s.view)
      return html(AppsList({ user: shellUser(p), apps }) as string)
    })
    .get('/apps/new', async ({ request, query }) => {
      const p = await requireUser(s, request)
      if (p instanceof Response) return p
      return html(NewApp({ user: shellUser(p), templates: cards(), chosen: typeof query.template === 'string' ? query.template : undefined }) as string)
    })
    .post('/apps', async ({ request, body }) => {
      const p = await requireUser(s, request)
      if (p instanceof Response) return p
      const form = (body ?? {}) as Record<string, unknown>
      const name = typeof form.name === 'string' ? form.name : ''
      const chosen = typeof form.template === 'string' ? form.template : 'blank'
      const t = s.templates.find((x) => x.name === chosen)
      try {
        const app = await s.apps.create(p.user.id, { name, files: t ? t.files : BLANK, entrypoint: t?.entrypoint, template: t?.name })
        if (t?.env) await s.apps.setEnv(p.user.id, app._id, t.env)
        return redirect(request, `/apps/${app._id}/edit`)
      } catch (err) {
        if (!(err instanceof DomainError)) throw err
        return html(NewAppForm({ templates: cards(), error: err.message, name, chosen }) as string, err.status)
      }
    })
}
