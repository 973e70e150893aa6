// A thin HTTP client over the platform API.
import { readConfig } from './config'
import { CliError, EXIT } from './output'

/** A JSON answer of the API. */
export interface ApiResult<T = any> {
  status: number
  body: T
}

/** Calls the API with the stored (or given) login. */
export function client(override?: { url: string; token?: string }) {
  const cfg = override ?? readConfig()
  if (!cfg) throw new CliError('not logged in: run `fp login <url>` first', EXIT.auth)
  const base = cfg.url.replace(/\/+$/, '')
  async function call<T = any>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    let res: Response
    try {
      res = await fetch(base + path, {
        method,
        headers: { ...(cfg!.token ? { authorization: `Bearer ${cfg!.token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch (e) {
      throw new CliError(`cannot reach ${base}: ${(e as Error).message}`)
    }
    const text = await res.text()
    let parsed: any = text
    try {
      parsed = JSON.parse(text)
    } catch {}
    if (res.status === 401) throw new CliError('the platform did not accept your login: run `fp login` again', EXIT.auth)
    return { status: res.status, body: parsed as T }
  }
  return {
    base,
    call,
    /** Like call, but any non-2xx answer becomes a CliError with the platform's message. */
    async ok<T = any>(method: string, path: string, body?: unknown): Promise<T> {
      const r = await call<T>(method, path, body)
      if (r.status >= 200 && r.status < 300) return r.body
      const msg = (r.body as { message?: string })?.message ?? `HTTP ${r.status}`
      throw new CliError(msg, r.status === 404 ? EXIT.notFound : r.status === 422 || r.status === 400 ? EXIT.invalid : EXIT.failed)
    },
  }
}

/** The client's shape. */
export type Client = ReturnType<typeof client>
