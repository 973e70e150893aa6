// Sign up and log in: one form each, errors in place.
import { Page } from '../../layouts/page'

/** Props of the auth screens. */
export interface AuthProps {
  mode: 'login' | 'signup'
  error?: string | null
  email?: string
  signupOpen: boolean
  first: boolean
}

/** The form alone (htmx swaps it on errors). */
export function AuthForm({ mode, error, email, signupOpen, first }: AuthProps) {
  const login = mode === 'login'
  return (
    <div class="panel" id="auth-form">
      <h1>{login ? 'Welcome back' : first ? 'Create the admin account' : 'Create your account'}</h1>
      <p class="sub">{login ? 'Log in to your apps.' : 'Deploy your first Python API in under a minute.'}</p>
      {error ? <div class="alert" role="alert" safe>{error}</div> : ''}
      {!login && !signupOpen ? (
        <div class="alert info">Signup is closed on this platform: ask an admin for an account.</div>
      ) : (
        <form hx-post={login ? '/login' : '/signup'} hx-target="#auth-form" hx-swap="outerHTML">
          <div class="field">
            <label for="email">Email</label>
            <input id="email" name="email" type="email" required autofocus autocomplete="email" value={email ?? ''} />
          </div>
          <div class="field">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" required minlength="8"
              autocomplete={login ? 'current-password' : 'new-password'} placeholder={login ? '' : 'at least 8 characters'} />
          </div>
          <button class="btn primary" type="submit" style="width:100%">{login ? 'Log in' : 'Sign up'}</button>
        </form>
      )}
      <p class="sub" style="margin-top:16px;margin-bottom:0">
        {login ? (signupOpen ? <>New here? <a href="/signup">Create an account</a></> : '') : <>Have an account? <a href="/login">Log in</a></>}
      </p>
    </div>
  )
}

/** The whole auth page. */
export function AuthPage(p: AuthProps) {
  return (
    <Page title={p.mode === 'login' ? 'Log in' : 'Sign up'}>
      <div class="auth">{AuthForm(p)}</div>
    </Page>
  )
}
