// Not found: what was asked for does not exist, or is not yours.
import { Page, type ShellUser } from '../layouts/page'

/** The 404 page. */
export function NotFound({ user }: { user: ShellUser | null }) {
  return (
    <Page title="Not found" user={user}>
      <div class="panel empty">
        <h2>Not found</h2>
        <p>This page does not exist, or it belongs to someone else.</p>
        <a class="btn primary" href="/">Back to your apps</a>
      </div>
    </Page>
  )
}
