// The platform's page shell: head (assets served from node_modules by the platform), top bar, main.
import type { PropsWithChildren } from '@kitajs/html'

/** Who is signed in, as the shell shows it. */
export interface ShellUser {
  email: string
  role: 'admin' | 'user'
}

/** Props of the page layout. */
export interface PageProps {
  title: string
  user?: ShellUser | null
  active?: 'apps' | 'admin' | 'new'
  /** Extra trusted markup for <head> (scripts of a screen). */
  safeHead?: string
  /** Full-bleed main (the editor) instead of the centred column. */
  bleed?: boolean
}

const HTMX_CONFIG = JSON.stringify({
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '[45]..', swap: true, error: true },
  ],
  scrollIntoViewOnBoost: false,
})

/** A full page. */
export function Page({ title, user, active, safeHead, bleed, children }: PropsWithChildren<PageProps>) {
  return (
    <>
      {'<!doctype html>'}
      <html lang="en" data-theme="dark">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{`${title} · fastapi-platform`}</title>
          <meta name="htmx-config" content={HTMX_CONFIG} />
          <link rel="stylesheet" href="/assets/app.css" />
          <script src="/vendor/htmx.min.js"></script>
          <script src="/vendor/htmx-ws.js"></script>
          <script defer src="/vendor/alpine.min.js"></script>
          <script>{`try{var t=localStorage.getItem('fp-theme');if(t)document.documentElement.dataset.theme=t}catch(e){}`}</script>
          {safeHead ?? ''}
        </head>
        <body hx-headers='{"X-Requested-With": "htmx"}'>
          <header class="top">
            <a class="brand" href="/">
              <span class="logo"></span> fastapi-platform
            </a>
            {user ? (
              <nav>
                <a href="/" class={active === 'apps' ? 'on' : ''}>Apps</a>
                <a href="/apps/new" class={active === 'new' ? 'on' : ''}>New app</a>
                {user.role === 'admin' ? <a href="/admin" class={active === 'admin' ? 'on' : ''}>Admin</a> : ''}
              </nav>
            ) : ''}
            <span class="spacer"></span>
            <button class="btn sm" type="button" title="Switch light/dark"
              onclick="var d=document.documentElement;d.dataset.theme=d.dataset.theme==='light'?'dark':'light';try{localStorage.setItem('fp-theme',d.dataset.theme)}catch(e){}">
              ◐
            </button>
            {user ? (
              <>
                <span class="who" safe>{user.email}</span>
                <form hx-post="/logout" style="margin:0">
                  <button class="btn sm" type="submit">Log out</button>
                </form>
              </>
            ) : ''}
          </header>
          {bleed ? children : <main class="wrap">{children}</main>}
        </body>
      </html>
    </>
  )
}
