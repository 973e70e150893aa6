// New app: a name and a starting point (blank or a template).
import { Page, type ShellUser } from '../../layouts/page'

/** A template as the chooser shows it. */
export interface TemplateCard {
  name: string
  title: string
  description: string
  level: string
  tags: string[]
}

/** Props of the new-app screen. */
export interface NewAppProps {
  user: ShellUser
  templates: TemplateCard[]
  error?: string | null
  name?: string
  chosen?: string
}

/** The form (htmx swaps it on errors). */
export function NewAppForm({ templates, error, name, chosen }: Omit<NewAppProps, 'user'>) {
  const pick = chosen ?? (templates.some((t) => t.name === 'hello-api') ? 'hello-api' : templates[0]?.name ?? 'blank')
  return (
    <form id="new-app" hx-post="/apps" hx-swap="outerHTML" class="panel">
      {error ? <div class="alert" role="alert" safe>{error}</div> : ''}
      <div class="field">
        <label for="name">App name</label>
        <input id="name" name="name" required maxlength="100" placeholder="my-api" value={name ?? ''} autofocus />
      </div>
      <label>Start from</label>
      <div class="grid" style="margin-bottom:16px">
        {[...templates, { name: 'blank', title: 'Blank app', description: 'An empty FastAPI app.', level: 'beginner', tags: [] }].map((t) => (
          <label class="panel" style="cursor:pointer;margin:0;color:var(--text)">
            <div class="row">
              <input type="radio" name="template" value={t.name} checked={t.name === pick} style="width:auto" />
              <strong class="grow" safe>{t.title}</strong>
              <span class="pill" safe>{t.level}</span>
            </div>
            <div class="muted" style="margin-top:6px" safe>{t.description}</div>
          </label>
        ))}
      </div>
      <button class="btn primary" type="submit">Create app</button>
    </form>
  )
}

/** The new-app page. */
export function NewApp(p: NewAppProps) {
  return (
    <Page title="New app" user={p.user} active="new">
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
