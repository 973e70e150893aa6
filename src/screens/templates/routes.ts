// Template actions from the browser: save an app version as a template (dashboard), and rename,
// retitle, edit the guide, publish, unpublish, delete from the gallery. Errors come back as an alert fragment.
import { Elysia } from 'elysia'
import { GuideEditor, SavedTemplate } from '../../../views/screens/templates/save'
import type { Principal } from '../../domain/auth'
import type { Services } from '../../domain/services'
import { html, redirect } from '../../plugins/html'
import { signedIn } from '../session'

type Ctx = { request: Request; params: Record<string, string>; body?: unknown }

const alert = (message: string, status: number) => html(`<div class="alert" role="alert">${Bun.escapeHTML(message)}</div>`, status)

/** Runs an action for a signed-in user; domain errors become an alert with their status. */
const action = (s: Services, fn: (p: Principal, c: Ctx) => Promise<Response>) => signedIn(s, fn, (err) => alert(err.message, err.status))

const field = (body: unknown, name: string) => {
  const v = (body as Record<string, unknown> | undefined)?.[name]
  return typeof v === 'string' ? v : undefined
}
const prompt = (request: Request) => (request.headers.get('hx-prompt') ?? '').trim()
const back = (request: Request, name?: string) => redirect(request, name ? `/new?template=${encodeURIComponent(name)}` : '/new')

/** Template screens (fragments and redirects). */
export const templateScreens = (s: Services) =>
  new Elysia()
    .post('/apps/:id/templates', action(s, async (p, { params, body }) => {
      const version = field(body, 'version')
      const t = await s.catalog.save(p.user, {
        app_id: params.id!, version: version ? Number(version) : undefined, name: field(body, 'name') ?? '', title: field(body, 'title') ?? '',
        description: field(body, 'description'), level: field(body, 'level'),
        tags: (field(body, 'tags') ?? '').split(/[\s,]+/).filter(Boolean), guide: field(body, 'guide')?.trim() || undefined,
      })
      return html(SavedTemplate({ name: t.name, title: t.title }) as string)
    }))
    .post('/templates/:name/rename', action(s, async (p, { request, params }) => {
      const t = await s.catalog.edit(p.user, params.name!, { name: prompt(request) })
      return back(request, t.name)
    }))
    .post('/templates/:name/title', action(s, async (p, { request, params }) => {
      const t = await s.catalog.edit(p.user, params.name!, { title: prompt(request) })
      return back(request, t.name)
    }))
    .get('/templates/:name/guide', action(s, async (p, { params }) => {
      const t = await s.catalog.resolve(p.user, params.name!)
      if (t.kind !== 'user' || !(t.mine || p.user.role === 'admin')) return alert('only its owner (or an admin) may edit this guide', 403)
      return html(GuideEditor({ name: t.name, guide: t.guide }) as string)
    }))
    .post('/templates/:name/guide', action(s, async (p, { params, body }) => {
      await s.catalog.edit(p.user, params.name!, { guide: field(body, 'guide') ?? '' })
      return html('<div class="alert info" role="status">Guide saved: the editor shows it to apps started from this template.</div>')
    }))
    .post('/templates/:name/publish', action(s, async (p, { request, params }) => back(request, (await s.catalog.publish(p.user, params.name!, true)).name)))
    .post('/templates/:name/unpublish', action(s, async (p, { request, params }) => back(request, (await s.catalog.publish(p.user, params.name!, false)).name)))
    .delete('/templates/:name', action(s, async (p, { request, params }) => {
      await s.catalog.remove(p.user, params.name!)
      return back(request)
    }))
