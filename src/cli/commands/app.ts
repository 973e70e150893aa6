// fp apps, status, open, logs, requests, invoke, versions, rollback, env, delete.
import type { Args } from '../args'
import { client, type Client } from '../client'
import { c, CliError, emit, EXIT } from '../output'
import { readProject } from '../project'
import { findApp } from './project'

/** The app this command is about: --app NAME, else .fp.yaml's name. */
async function target(api: Client, a: Args): Promise<any> {
  const name = (a.flags.app as string) ?? readProject(process.cwd()).name
  const app = await findApp(api, name)
  if (!app) throw new CliError(`no app named "${name}" (deploy it first)`, EXIT.notFound)
  return app
}

const when = (d: string | null) => (d ? new Date(d).toLocaleString() : 'never')

export async function apps(a: Args): Promise<void> {
  const { apps } = await client().ok('GET', '/api/apps')
  emit(!!a.flags.json, apps, () => {
    if (!apps.length) return console.log('no apps yet: fp init && fp deploy')
    for (const x of apps) console.log(`${x.name.padEnd(24)} ${x.status.padEnd(9)} ${x.url}`)
  })
}

export async function status(a: Args): Promise<void> {
  const api = client()
  const app = await target(api, a)
  const s = await api.ok('GET', `/api/apps/${app.id}/status`)
  emit(!!a.flags.json, s, () => {
    const color = s.status === 'running' ? c.green : s.status === 'error' ? c.red : c.yellow
    console.log(`${c.bold(s.name)}  ${color(s.status)}  v${s.currentVersion ?? '-'}`)
    console.log(`url           ${s.url}`)
    console.log(`last request  ${when(s.lastRequestAt)}`)
    if (s.error) console.log(`error         ${c.red(s.error)}`)
  })
}

export async function open(a: Args): Promise<void> {
  const app = await target(client(), a)
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open'
  if (Bun.which(opener) && !a.flags.json) Bun.spawn([opener, app.url], { stdout: 'ignore', stderr: 'ignore' })
  emit(!!a.flags.json, { url: app.url }, () => console.log(app.url))
}

export async function logs(a: Args): Promise<void> {
  const api = client()
  const app = await target(api, a)
  let since = String(a.flags.since ?? '1h')
  const print = (l: any) => console.log(`${c.dim(new Date(l.at).toLocaleTimeString())} ${l.stream === 'stderr' ? c.red(l.line) : l.stream === 'system' ? c.cyan(l.line) : l.line}`)
  const q = a.flags.grep ? `&q=${encodeURIComponent(String(a.flags.grep))}` : ''
  const asked = new Date().toISOString() // a line stored while the first answer travels is in the next poll
  const first = await api.ok('GET', `/api/apps/${app.id}/logs?since=${encodeURIComponent(since)}${q}`)
  if (a.flags.json && !a.flags.follow) return console.log(JSON.stringify(first.logs, null, 2))
  first.logs.forEach(a.flags.json ? (l: any) => console.log(JSON.stringify(l)) : print)
  if (!a.flags.follow) return
  let last = first.logs.length ? first.logs[first.logs.length - 1].at : asked
  let seen = new Set(first.logs.filter((l: any) => l.at === last).map((l: any) => l.line))
  for (;;) {
    await Bun.sleep(1000)
    const r = await api.ok('GET', `/api/apps/${app.id}/logs?since=${encodeURIComponent(last)}${q}`)
    const fresh = r.logs.filter((l: any) => !(l.at === last && seen.has(l.line)))
    fresh.forEach(a.flags.json ? (l: any) => console.log(JSON.stringify(l)) : print)
    if (r.logs.length) {
      last = r.logs[r.logs.length - 1].at
      seen = new Set(r.logs.filter((l: any) => l.at === last).map((l: any) => l.line))
    }
    since = last
  }
}

export async function requests(a: Args): Promise<void> {
  const api = client()
  const app = await target(api, a)
  const r = await api.ok('GET', `/api/apps/${app.id}/requests?limit=${Number(a.flags.limit) || 20}${a.flags.errors ? '&errors=true' : ''}`)
  emit(!!a.flags.json, r.requests, () => {
    for (const x of r.requests) {
      const st = x.status >= 500 ? c.red(String(x.status)) : x.status >= 400 ? c.yellow(String(x.status)) : c.green(String(x.status))
      console.log(`${c.dim(new Date(x.at).toLocaleTimeString())} ${x.method.padEnd(6)} ${st} ${String(x.latencyMs).padStart(7)} ms ${x.cold ? c.cyan('cold ') : ''}${x.path}${x.error ? c.red('  ' + x.error) : ''}`)
    }
  })
}

/** fp invoke [-X METHOD] PATH [--data JSON]: calls the app through its URL. */
export async function invoke(a: Args): Promise<void> {
  const api = client()
  const app = await target(api, a)
  const path = a.positional[0] ?? '/'
  if (a.flags.async) {
    const r = await api.ok('POST', `/api/invoke/${app.id}${path.startsWith('/') ? path : '/' + path}`, a.flags.data ? JSON.parse(String(a.flags.data)) : {})
    return emit(!!a.flags.json, r, () => console.log(`${c.green('✓')} queued ${r.run_id}  (fp runs to follow it)`))
  }
  const method = String(a.flags.method ?? (a.flags.data ? 'POST' : 'GET')).toUpperCase()
  const t0 = performance.now()
  const res = await fetch(`${api.base}/app/${app.slug}${path.startsWith('/') ? path : '/' + path}`, {
    method, body: a.flags.data ? String(a.flags.data) : undefined,
    headers: a.flags.data ? { 'content-type': 'application/json' } : {},
  })
  const text = await res.text()
  const ms = Math.round(performance.now() - t0)
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {}
  emit(!!a.flags.json, { status: res.status, ms, body }, () => {
    console.error(c.dim(`${res.status} ${res.statusText} in ${ms} ms${res.headers.get('server-timing') ? ' (woke up)' : ''}`))
    console.log(typeof body === 'string' ? body : JSON.stringify(body, null, 2))
  })
  if (res.status >= 400) throw new CliError('', EXIT.failed)
}

export async function versions(a: Args): Promise<void> {
  const api = client()
  const app = await target(api, a)
  const { versions } = await api.ok('GET', `/api/apps/${app.id}/versions`)
  emit(!!a.flags.json, versions, () => versions.forEach((v: any) => console.log(`v${String(v.version).padEnd(4)} ${when(v.createdAt)} ${v.current ? c.green('live') : ''}`)))
}

export async function rollback(a: Args): Promise<void> {
  const api = client()
  const app = await target(api, a)
  let version = Number(a.positional[0])
  if (!version) {
    const { versions } = await api.ok('GET', `/api/apps/${app.id}/versions`)
    const cur = versions.findIndex((v: any) => v.current)
    version = versions[cur + 1]?.version
    if (!version) throw new CliError('no earlier version to roll back to', EXIT.usage)
  }
  const r = await api.ok('POST', `/api/apps/${app.id}/rollback`, { version })
  emit(!!a.flags.json, r, () => console.log(`${c.green('✓')} version ${version} is live again (${r.durationMs} ms)`))
}

/** fp env list|set K=V…|unset K…|pull|push */
export async function env(a: Args): Promise<void> {
  const api = client()
  const app = await target(api, a)
  const [sub = 'list', ...rest] = a.positional
  const reveal = !!a.flags.reveal
  if (sub === 'list' || sub === 'pull') {
    const { env } = await api.ok('GET', `/api/apps/${app.id}/env${reveal || sub === 'pull' ? '?reveal=1' : ''}`)
    if (sub === 'pull') {
      const text = env.map((e: any) => `${e.name}=${e.value}`).join('\n') + '\n'
      await Bun.write(String(a.flags.file ?? '.env'), text)
      return console.log(`${c.green('✓')} wrote ${env.length} variable(s) to ${a.flags.file ?? '.env'}`)
    }
    return emit(!!a.flags.json, env, () => env.forEach((e: any) => console.log(`${e.name}=${e.value}`)))
  }
  let changes: Record<string, string | null> = {}
  if (sub === 'set') for (const kv of rest) {
    const i = kv.indexOf('=')
    if (i < 1) throw new CliError(`expected NAME=value, got "${kv}"`, EXIT.usage)
    changes[kv.slice(0, i)] = kv.slice(i + 1)
  }
  else if (sub === 'unset') changes = Object.fromEntries(rest.map((k) => [k, null]))
  else if (sub === 'push') {
    const text = await Bun.file(String(a.flags.file ?? '.env')).text()
    for (const line of text.split('\n')) {
      const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line)
      if (m) changes[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1')
    }
  } else throw new CliError('usage: fp env list|set NAME=value…|unset NAME…|pull|push', EXIT.usage)
  const r = await api.ok('PUT', `/api/apps/${app.id}/env`, { env: changes })
  emit(!!a.flags.json, r, () => console.log(`${c.green('✓')} env updated${r.restarted ? `; version ${r.restarted} restarted` : ''}`))
}

export async function remove(a: Args): Promise<void> {
  const api = client()
  const app = await target(api, a)
  if (!a.flags.yes) throw new CliError(`this deletes ${app.name} and its history: run again with --yes`, EXIT.usage)
  const r = await api.ok('DELETE', `/api/apps/${app.id}${a.flags['keep-database'] ? '?keepDatabase=true' : ''}`)
  emit(!!a.flags.json, r, () => console.log(`${c.green('✓')} deleted ${app.name}${r.databaseDropped ? ' and its database' : ''}`))
}
