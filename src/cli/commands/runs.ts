// fp runs, fp replay, fp dev.
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Args } from '../args'
import { client } from '../client'
import { c, CliError, emit, EXIT } from '../output'
import { readProject } from '../project'
import { findApp } from './project'

export async function runs(a: Args): Promise<void> {
  const api = client()
  const name = (a.flags.app as string) ?? readProject(process.cwd()).name
  const app = await findApp(api, name)
  if (!app) throw new CliError(`no app named "${name}"`, EXIT.notFound)
  const q = new URLSearchParams()
  if (a.flags.status) q.set('status', String(a.flags.status))
  if (a.flags.trigger) q.set('trigger', String(a.flags.trigger))
  if (a.flags.since) q.set('since', String(a.flags.since))
  if (a.flags.until) q.set('until', String(a.flags.until))
  const { runs } = await api.ok('GET', `/api/apps/${app.id}/runs?${q}`)
  emit(!!a.flags.json, runs, () => {
    if (!runs.length) return console.log('no runs')
    for (const r of runs) {
      const color = r.status === 'succeeded' ? c.green : ['dead', 'failed'].includes(r.status) ? c.red : c.yellow
      console.log(`${r.id}  ${color(r.status.padEnd(9))} ${r.trigger.padEnd(7)} ${r.request.method} ${r.request.path}  attempts=${r.attempts.length}  ${c.dim(new Date(r.createdAt).toLocaleString())}`)
    }
  })
}

export async function replay(a: Args): Promise<void> {
  const id = a.positional[0]
  if (!id) throw new CliError('usage: fp replay RUN_ID', EXIT.usage)
  const r = await client().ok('POST', `/api/runs/${encodeURIComponent(id)}/replay`)
  emit(!!a.flags.json, r, () => console.log(`${c.green('✓')} replay queued as ${r.id}`))
}

/** fp dev [--port 8000]: the app locally, with the platform's own runner and hot reload. */
export async function dev(a: Args): Promise<void> {
  const cfg = readProject(process.cwd())
  const runnerDir = process.env.FP_RUNNER_DIR || resolve(import.meta.dir, '../../../runner')
  if (!existsSync(join(runnerDir, 'fp_dev_entry.py'))) throw new CliError('fp dev needs the platform\'s runner/ directory (set FP_RUNNER_DIR)', EXIT.failed)
  const venv = join(runnerDir, '.venv/bin/python')
  const python = process.env.FP_PYTHON || (existsSync(venv) ? venv : Bun.which('python3'))
  if (!python) throw new CliError('fp dev needs Python with the runner requirements (set FP_PYTHON)', EXIT.failed)
  const port = String(a.flags.port ?? '8000')
  let remoteUri: string | undefined
  if (a.flags['remote-db']) {
    const api = client()
    const app = await findApp(api, cfg.name)
    if (!app) throw new CliError(`no app named "${cfg.name}" on the platform yet: fp deploy first`, EXIT.notFound)
    remoteUri = (await api.ok('GET', `/api/apps/${app.id}/database?reveal=1`)).uri
  }
  const env = {
    ...process.env, FP_CODE_DIR: process.cwd(), FP_ENTRY: cfg.entrypoint, PYTHONUNBUFFERED: '1',
    PLATFORM_MONGO_URI: remoteUri || process.env.PLATFORM_MONGO_URI || `${(process.env.MONGO_URL || 'mongodb://127.0.0.1:27017/').replace(/\/+$/, '')}/${cfg.name.replace(/[^A-Za-z0-9_]/g, '_')}_dev`,
    PLATFORM_APP_NAME: cfg.name, ...(cfg.env ?? {}),
  }
  console.error(`${c.green('▶')} ${cfg.name} on http://127.0.0.1:${port}/ (reloads on change; ${remoteUri ? "the app's real database" : 'a local database'}; Ctrl+C stops)`)
  const proc = Bun.spawn([python, '-m', 'uvicorn', 'fp_dev_entry:app', '--app-dir', runnerDir, '--port', port, '--reload', '--reload-dir', process.cwd()], {
    env, stdout: 'inherit', stderr: 'inherit', stdin: 'inherit',
  })
  process.on('SIGINT', () => proc.kill('SIGINT'))
  const code = await proc.exited
  if (code !== 0 && code !== 130) throw new CliError(`the app exited with code ${code}`)
}
