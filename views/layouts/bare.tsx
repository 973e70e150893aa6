// A minimal standalone page (no platform chrome): used for proxy pages the app's visitors see.
import type { PropsWithChildren } from '@kitajs/html'

/** Props of the bare layout. */
export interface BareProps {
  title: string
  /** Trusted markup for <head> (never user content). */
  safeHead?: string
}

/** A full HTML document with inline styles only (works when the platform's assets are unreachable). */
export function Bare({ title, safeHead, children }: PropsWithChildren<BareProps>) {
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{title}</title>
          <style>{BARE_CSS}</style>
          {safeHead ?? ''}
        </head>
        <body>
          <main class="card">{children}</main>
        </body>
      </html>
    </>
  )
}

const BARE_CSS = `
*{box-sizing:border-box}body{margin:0;min-height:100vh;display:grid;place-items:center;
font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#0f172a;color:#e2e8f0}
.card{max-width:760px;width:calc(100% - 32px);background:#111827;border:1px solid #1f2937;border-radius:14px;padding:28px 32px;
box-shadow:0 10px 30px rgba(0,0,0,.35)}h1{font-size:20px;margin:0 0 6px}p{margin:6px 0;color:#94a3b8}
.badge{display:inline-block;font-size:12px;padding:2px 10px;border-radius:999px;background:#7f1d1d;color:#fecaca;margin-bottom:12px}
.badge.wait{background:#1e3a8a;color:#bfdbfe}pre{background:#020617;color:#fca5a5;padding:14px;border-radius:10px;overflow:auto;
font-size:12.5px;line-height:1.45;max-height:50vh;white-space:pre-wrap}code{color:#e2e8f0}a{color:#93c5fd}`
