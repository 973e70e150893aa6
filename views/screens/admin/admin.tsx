// Admin: users (promote/demote, delete with their apps), signup on/off, allowed imports.
import { Page, type ShellUser } from '../../layouts/page'
import { Ago } from '../../components/status'

/** One user row. */
export interface UserRow {
  id: string
  email: string
  role: 'admin' | 'user'
  disabled: boolean
  createdAt: Date
  apps: number
}

/** Props of the admin screen. */
export interface AdminProps {
  user: ShellUser & { id: string }
  users: UserRow[]
  signupOpen: boolean
  allowedImports: string[]
  /** Apps sleep no sooner than this many idle minutes, whatever they set. */
  minIdleMinutes: number
  isolation: string
  message?: string
}

/** The users table (swapped after changes). */
export function UsersTable({ users, me, message }: { users: UserRow[]; me: string; message?: string }) {
  return (
    <div id="users">
      {message ? <div class="alert info" safe>{message}</div> : ''}
      <table>
        <thead><tr><th>Email</th><th>Role</th><th>Apps</th><th>Joined</th><th></th></tr></thead>
        <tbody>
          {users.map((u) => (
            <tr>
              <td safe>{u.email}</td>
              <td>{u.role}{u.disabled ? <span class="pill" style="margin-left:6px">disabled</span> : ''}</td>
              <td safe>{String(u.apps)}</td>
              <td><Ago at={u.createdAt} /></td>
              <td style="text-align:right">
                {u.id === me ? <span class="faint">you</span> : (
                  <>
                    <button class="btn sm" hx-post={`/admin/users/${u.id}/role`} hx-vals={JSON.stringify({ role: u.role === 'admin' ? 'user' : 'admin' })} hx-target="#users" hx-swap="outerHTML">
                      {u.role === 'admin' ? 'Make user' : 'Make admin'}
                    </button>{' '}
                    <button class="btn sm" hx-post={`/admin/users/${u.id}/disabled`} hx-vals={JSON.stringify({ disabled: u.disabled ? 'false' : 'true' })} hx-target="#users" hx-swap="outerHTML">
                      {u.disabled ? 'Enable' : 'Disable'}
                    </button>{' '}
                    <button class="btn sm danger" hx-delete={`/admin/users/${u.id}`} hx-target="#users" hx-swap="outerHTML"
                      hx-confirm={`Delete ${u.email} and all their apps?`}>Delete</button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** The admin page. */
export function Admin(p: AdminProps) {
  return (
    <Page title="Admin" user={p.user} active="admin">
      <div class="page-head"><div class="grow"><h1>Admin</h1><div class="sub">Users and platform settings.</div></div></div>
      <div class="panel">
        <h2>Users</h2>
        {UsersTable({ users: p.users, me: p.user.id })}
      </div>
      <div class="grid-2" style="margin-top:16px">
        <div class="panel">
          <h2>Platform settings</h2>
          <form hx-put="/admin/settings" hx-target="#settings-msg">
            <label style="display:flex;gap:8px;align-items:center;color:var(--text)">
              <input type="checkbox" name="signupOpen" value="true" checked={p.signupOpen} style="width:auto" /> Anyone may sign up
            </label>
            <label for="imports" style="margin-top:12px">Allowed imports (one module per line; empty = platform defaults)</label>
            <textarea id="imports" name="allowedImports" rows="8" class="mono" safe>{p.allowedImports.join('\n')}</textarea>
            <label for="min-idle" style="margin-top:12px">Apps sleep after at least this many idle minutes (an app asking for less gets this)</label>
            <input id="min-idle" name="minIdleMinutes" type="number" min="1" max="10080" value={String(p.minIdleMinutes)} style="max-width:140px" />
            <div class="row" style="margin-top:8px"><button class="btn primary" type="submit">Save settings</button><span id="settings-msg" class="faint"></span></div>
          </form>
        </div>
        <div class="panel">
          <h2>Database</h2>
          <p class="muted" safe>{p.isolation}</p>
        </div>
      </div>
    </Page>
  )
}
