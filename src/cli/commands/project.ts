// fp init, validate, deploy, pull: the local workflow to a live URL.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Args } from '../args'
import { client, type Client } from '../client'
import { c, CliError, emit, EXIT, progress } from '../output'
import { collectFiles, diffFiles, readProject, writeProject } from '../project'
import { formatDiagnostic, validateLocally } from '../validate-local'

const HELLO = 'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/")\ndef root():\n    print("hello from fp")\n    return {"message": "Hello, world!"}\n'

/** Finds the user's app by name (or slug). */
export async function findApp(api: Client, name: string): Promise<any | null> {
  const { apps } = await api.ok('GET', '/api/apps')
  return apps.find((a: any) => a.name === name || a.slug === name) ?? null
}

/** fp init [name] [--template T] */
export async function init(a: Args): Promise<void> {
  const dir = process.cwd()
  const name = a.positional[0] ?? dir.split('/').pop()!
  if (existsSync(join(dir, '.fp.yaml'))) throw new CliError('.fp.yaml exists already here', EXIT.usage)
  let files: Record<string, string> = { 'app.py': HELLO }
  let entrypoint = 'app.py'
  if (a.flags.template) {
    const t = await client().ok('GET', `/api/templates/${encodeURIComponent(String(a.flags.template))}`)
    files = t.files
    entrypoint = t.entrypoint
  }
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path)
    if (existsSync(full)) continue
    mkdirSync(join(full, '..'), { recursive: true })
    writeFileSync(full, content)
  }
  writeProject(dir, { name, entrypoint })
  if (!existsSync(join(dir, '.fpignore'))) writeFileSync(join(dir, '.fpignore'), '# files fp deploy never uploads\n*.pyc\n.env\ntests/\n')
  emit(!!a.flags.json, { name, entrypoint, files: Object.keys(files) }, () => {
    console.log(`${c.green('✓')} created ${name}: ${Object.keys(files).join(', ')}, .fp.yaml, .fpignore`)
    console.log(`  next: ${c.bold('fp deploy')}`)
  })
}

/** fp validate: the platform's own rules, locally, no network. */
export async function validate(a: Args): Promise<void> {
  const cfg = existsSync('.fp.yaml') ? readProject(process.cwd()) : { entrypoint: undefined }
  const files = collectFiles(process.cwd())
  const r = await validateLocally(files, cfg.entrypoint)
  emit(!!a.flags.json, r, () => {
    for (const d of r.diagnostics) console.log((d.severity === 'error' ? c.red : c.yellow)(formatDiagnostic(d)))
    if (r.ok) console.log(`${c.green('✓')} ${Object.keys(files).length} file(s) valid`)
  })
  if (!r.ok) throw new CliError('', EXIT.invalid)
}

/** fp deploy: validate, create the app if needed, upload only what changed, deploy, print the URL. */
export async function deploy(a: Args): Promise<void> {
  const dir = process.cwd()
  const cfg = readProject(dir)
  const files = collectFiles(dir)
  const local = await validateLocally(files, cfg.entrypoint).catch(() => null)
  if (local && !local.ok) {
    for (const d of local.diagnostics) console.error(c.red(formatDiagnostic(d)))
    throw new CliError('not deployed: fix the problems above', EXIT.invalid)
  }
  const api = client()
  let app = await findApp(api, cfg.name)
  let changed: string[] = Object.keys(files)
  let deleted: string[] = []
  let result: any
  if (!app) {
    progress(`creating ${cfg.name}`)
    const created = await api.call('POST', '/api/apps', { name: cfg.name, files, entrypoint: cfg.entrypoint, env: cfg.env })
    if (created.status >= 300) throw new CliError(created.body?.message ?? `create failed (HTTP ${created.status})`, EXIT.invalid)
    app = created.body
    result = created.body.deploy
  } else {
    const remote = await api.ok('GET', `/api/apps/${app.id}`)
    ;({ changed, deleted } = diffFiles(files, remote.files))
    progress(changed.length || deleted.length ? `uploading ${changed.length} changed, ${deleted.length} deleted` : 'no file changes; redeploying')
    const r = await api.call('POST', `/api/apps/${app.id}/deploy`, {
      files: Object.fromEntries(changed.map((f) => [f, files[f]!])), delete: deleted, merge: true, entrypoint: cfg.entrypoint,
    })
    result = r.status === 200 ? { ok: true, version: r.body.version, durationMs: r.body.durationMs } : { ok: false, ...r.body }
  }
  if (cfg.idle_minutes) await api.call('PUT', `/api/apps/${app.id}/settings`, { idleMinutes: cfg.idle_minutes })
  const out = { app: app.name, id: app.id, url: app.url, changed, deleted, ...result }
  if (!result?.ok) {
    emit(!!a.flags.json, out, () => {
      for (const d of result?.diagnostics ?? []) console.error(c.red(formatDiagnostic(d)))
      console.error(c.red(`✗ ${result?.message ?? 'deploy failed'}`))
      if (result?.traceback) console.error(result.traceback)
    })
    throw new CliError('', EXIT.invalid)
  }
  emit(!!a.flags.json, out, () => {
    for (const f of changed) console.log(`  ${c.green('+')} ${f}`)
    for (const f of deleted) console.log(`  ${c.red('-')} ${f}`)
    console.log(`${c.green('✓')} version ${result.version} live in ${result.durationMs} ms`)
    console.log(`  ${c.bold(app.url)}`)
  })
}

/** fp pull NAME [--dir D]: the app's draft files and .fp.yaml into a directory. */
export async function pull(a: Args): Promise<void> {
  const name = a.positional[0]
  if (!name) throw new CliError('usage: fp pull NAME [--dir DIR]', EXIT.usage)
  const api = client()
  const app = await findApp(api, name)
  if (!app) throw new CliError(`no app named "${name}"`, EXIT.notFound)
  const detail = await api.ok('GET', `/api/apps/${app.id}`)
  const dir = String(a.flags.dir ?? app.slug)
  mkdirSync(dir, { recursive: true })
  for (const [path, content] of Object.entries(detail.files as Record<string, string>)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  writeProject(dir, { name: app.name, entrypoint: detail.draftEntrypoint, idle_minutes: detail.settings?.idleMinutes })
  emit(!!a.flags.json, { dir, files: Object.keys(detail.files) }, () => console.log(`${c.green('✓')} pulled ${app.name} into ${dir}/ (${Object.keys(detail.files).length} files)`))
}
