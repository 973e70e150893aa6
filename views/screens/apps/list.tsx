// Home: the user's apps with status, URL and last request; search and status filter.
import { Page, type ShellUser } from '../../layouts/page'
import { Ago, StatusBadge } from '../../components/status'

/** One app as the list shows it. */
export interface AppRow {
  id: string
  name: string
  slug: string
  url: string
  status: string
  lastRequestAt: Date | null
  currentVersion: number | null
}

/** Props of the apps list. */
export interface AppsListProps {
  user: ShellUser
  apps: AppRow[]
}

/** The apps list page. */
export function AppsList({ user, apps }: AppsListProps) {
  return (
    <Page title="Apps" user={user} active="apps">
      <div x-data="{ q: '', status: '' }">
        <div class="page-head">
          <div class="grow">
            <h1>Your apps</h1>
            <div class="sub">Each app gets a URL and its own database, and sleeps when idle.</div>
          </div>
          <a class="btn primary" href="/apps/new">+ New app</a>
        </div>
        {apps.length === 0 ? (
          <div class="panel empty">
            <h2>No apps yet</h2>
            <p>Start from a template: pick one, press Deploy, and call it from the test panel.</p>
            <a class="btn primary" href="/apps/new">Create your first app</a>
          </div>
        ) : (
          <>
            <div class="toolbar">
              <input type="search" placeholder="Search apps…" x-model="q" aria-label="Search apps" />
              <select x-model="status" aria-label="Filter by status">
                <option value="">All statuses</option>
                <option value="running">Running</option>
                <option value="sleeping">Sleeping</option>
                <option value="error">Error</option>
                <option value="draft">Draft</option>
              </select>
            </div>
            <div class="grid">
              {apps.map((a) => (
                <div class="panel app-card" data-name={a.name.toLowerCase()} data-status={a.status}
                  x-show="(!q || $el.dataset.name.includes(q.toLowerCase())) && (!status || $el.dataset.status === status)">
                  <div class="row">
                    <a class="name grow" href={`/apps/${a.id}`} safe>{a.name}</a>
                    <StatusBadge status={a.status} />
                  </div>
                  <div class="url" safe>{a.url}</div>
                  <div class="row">
                    <span class="faint grow">
                      last request <Ago at={a.lastRequestAt} />
                      {a.currentVersion ? ` · v${a.currentVersion}` : ''}
                    </span>
                    <button class="btn sm" type="button" data-url={a.url} onclick="navigator.clipboard&&navigator.clipboard.writeText(this.dataset.url);this.textContent='Copied'">Copy</button>
                    <a class="btn sm" href={a.url} target="_blank" rel="noopener">Open</a>
                    <a class="btn sm" href={`/apps/${a.id}/edit`}>Edit</a>
                  </div>
                </div>
              ))}
            </div>
          </>
        )}
      </div>
    </Page>
  )
}
