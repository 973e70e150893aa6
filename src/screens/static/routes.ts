// Static files: our own assets (views/assets) and browser libraries served from node_modules
// (no CDN: installs are often offline). Paths are resolved under fixed roots only.
import { Elysia } from 'elysia'
import { existsSync, statSync } from 'node:fs'
import { resolve, sep } from 'node:path'

const ROOT = resolve(import.meta.dir, '../../..')
const FILES: Record<string, string> = {
  'htmx.min.js': 'node_modules/htmx.org/dist/htmx.min.js',
  'htmx-ws.js': 'node_modules/htmx-ext-ws/dist/ws.min.js',
  'alpine.min.js': 'node_modules/alpinejs/dist/cdn.min.js',
}
const MONACO = resolve(ROOT, 'node_modules/monaco-editor/min')
const ASSETS = resolve(ROOT, 'views/assets')

function serve(root: string, rel: string, maxAge: number): Response {
  const target = resolve(root, rel)
  if (!target.startsWith(root + sep) || !existsSync(target) || !statSync(target).isFile()) {
    return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } })
  }
  return new Response(Bun.file(target), { headers: { 'cache-control': `public, max-age=${maxAge}` } })
}

/** Routes for /assets/* and /vendor/*. */
export const staticRoutes = () =>
  new Elysia()
    .get('/assets/*', ({ params }) => serve(ASSETS, params['*'], 300))
    .get('/vendor/monaco/*', ({ params }) => serve(MONACO, params['*'], 86400))
    .get('/vendor/:file', ({ params }) => {
      const rel = FILES[params.file]
      return rel ? serve(ROOT, rel, 86400) : new Response('not found', { status: 404 })
    })
