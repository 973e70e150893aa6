// fp login, logout, whoami.
import { createInterface } from 'node:readline/promises'
import { client } from '../client'
import { clearConfig, readConfig, writeConfig } from '../config'
import { c, CliError, emit, EXIT } from '../output'
import type { Args } from '../args'

async function ask(question: string, hidden = false): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY })
  if (hidden && process.stdin.isTTY) {
    const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream }
    out._writeToOutput = (s: string) => out.output.write(s.includes(question) ? s : '')
  }
  const answer = await rl.question(question)
  rl.close()
  if (hidden && process.stdin.isTTY) process.stderr.write('\n')
  return answer.trim()
}

/** fp login <url> [--token T | --email E --password P] */
export async function login(a: Args): Promise<void> {
  const url = (a.positional[0] ?? readConfig()?.url ?? '').replace(/\/+$/, '')
  if (!/^https?:\/\//.test(url)) throw new CliError('usage: fp login <url> (e.g. fp login http://localhost:8080)', EXIT.usage)
  let token = a.flags.token as string | undefined
  let email: string | undefined
  if (!token) {
    email = (a.flags.email as string) ?? (await ask('Email: '))
    const password = (a.flags.password as string) ?? process.env.FP_PASSWORD ?? (await ask('Password: ', true))
    const anon = client({ url })
    const r = await anon.call('POST', '/api/auth/login', { email, password })
    if (r.status !== 200) throw new CliError(r.body?.message ?? `login failed (HTTP ${r.status})`, EXIT.auth)
    const t = await client({ url, token: r.body.token }).ok('POST', '/api/tokens', { name: `fp cli on ${process.env.HOSTNAME ?? 'this machine'}` })
    token = t.token as string
  }
  const me = await client({ url, token }).ok('GET', '/api/auth/me')
  writeConfig({ url, token: token!, email: me.user.email })
  emit(!!a.flags.json, { url, email: me.user.email }, () => console.log(`${c.green('✓')} logged in to ${url} as ${me.user.email}`))
}

/** fp logout */
export async function logout(a: Args): Promise<void> {
  clearConfig()
  emit(!!a.flags.json, { ok: true }, () => console.log('logged out'))
}

/** fp whoami */
export async function whoami(a: Args): Promise<void> {
  const api = client()
  const me = await api.ok('GET', '/api/auth/me')
  emit(!!a.flags.json, { url: api.base, ...me.user }, () => console.log(`${me.user.email} (${me.user.role}) on ${api.base}`))
}
