// /apps/:id/edit: the editor page; everything it does afterwards goes through the JSON API.
import { Elysia } from 'elysia'
import { Editor } from '../../../views/screens/editor/editor'
import { appView } from '../../domain/apps'
import { DomainError } from '../../domain/errors'
import type { Services } from '../../domain/services'
import { hashFiles } from '../../lib/files'
import { html } from '../../plugins/html'
import { notFoundPage } from '../not-found'
import { requireUser, shellUser } from '../session'

/** The editor screen. */
export const editorScreens = (s: Services) =>
  new Elysia().get('/apps/:id/edit', async ({ request, params }) => {
    const p = await requireUser(s, request)
    if (p instanceof Response) return p
    try {
      const app = await s.apps.get(p.user.id, params.id)
      const v = appView(s.deps, app)
      const current = app.currentVersion ? await s.deps.repos.apps.version(app._id, app.currentVersion) : null
      const draftDiffers = !current || current.hash !== hashFiles(app.draft.files, app.draft.entrypoint)
      const { guide, calls } = await s.catalog.guideFor(p.user, app.template)
      return html(Editor({
        user: shellUser(p),
        data: {
          id: app._id, name: app.name, slug: app.slug, url: v.url, status: v.status, files: app.draft.files,
          entrypoint: app.draft.entrypoint, currentVersion: app.currentVersion, draftDiffers, guide, calls,
        },
      }) as string)
    } catch (err) {
      if (err instanceof DomainError && err.status === 404) return notFoundPage(shellUser(p))
      throw err
    }
  })
