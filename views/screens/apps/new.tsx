// New app: a name and a starting point, picked from the template gallery (issue 9).
import { Page, type ShellUser } from '../../layouts/page'
import { Gallery, type GallerySections } from '../templates/gallery'

export type { TemplateCard } from '../templates/gallery'

/** Props of the new-app screen. */
export interface NewAppProps {
  user: ShellUser
  sections: GallerySections
  error?: string | null
  name?: string
  /** The template picked (a teacher's link `/new?template=<name>` or the previous submit). */
  chosen?: string
  /** True when the page was opened on one template by a link. */
  focused?: boolean
}

/** The form (htmx swaps it on errors). */
export function NewAppForm({ sections, error, name, chosen, focused, user }: NewAppProps) {
  const all = [...sections.builtin, ...sections.mine, ...sections.published, ...sections.others]
  const known = !!chosen && (chosen === 'blank' || all.some((t) => t.name === chosen))
  const pick = known ? chosen! : all.some((t) => t.name === 'hello-api') ? 'hello-api' : all[0]?.name ?? 'blank'
  const focus = focused && known ? all.find((t) => t.name === chosen) : undefined
  return (
    <form id="new-app" hx-post="/apps" hx-swap="outerHTML" data-focus={focus ? focus.name : ''}>
      {error ? <div class="alert" role="alert" safe>{error}</div> : ''}
      {focused && chosen && !known ? (
        <div class="alert info" role="status" safe>{`There is no template named "${chosen}" that you can see (it may be private or deleted). Pick another one below.`}</div>
      ) : ''}
      {focus ? (
        <div class="alert info focus-note" role="status">
          You were sent a link to <strong safe>{focus.title}</strong>: it is selected below. Name your app and press Create app.
        </div>
      ) : ''}
      <div class="panel new-bar">
        <div class="grow">
          <label for="name">App name</label>
          <input id="name" name="name" required maxlength="100" placeholder="my-api" value={name ?? ''} autofocus />
        </div>
        <div class="picked">
          <label>Starting from</label>
          <strong id="g-picked" safe>{all.find((t) => t.name === pick)?.title ?? 'Blank app'}</strong>
        </div>
        <button class="btn primary" type="submit">Create app</button>
      </div>
      {Gallery({ sections, pick, focus: focus?.name, isAdmin: user.role === 'admin' })}
    </form>
  )
}

/** The new-app page. */
export function NewApp(p: NewAppProps) {
  return (
    <Page title="New app" user={p.user} active="new" safeHead={`<script defer src="/assets/gallery.js"></script>`}>
      <div class="page-head">
        <div class="grow">
          <h1>New app</h1>
          <div class="sub">Pick a starting point. You can change everything in the editor.</div>
        </div>
      </div>
      {NewAppForm(p)}
    </Page>
  )
}
