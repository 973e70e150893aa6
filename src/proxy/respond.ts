// Error answers of the proxy: an HTML page for browser navigations, JSON for API clients.
import { ProxyErrorPage } from '../../views/screens/proxy/error-page'

/** Options of an error answer. */
export interface ProxyErrorOptions {
  appName?: string
  traceback?: string | null
  hint?: string
  retryAfter?: number
  requestId?: string
  code?: string
}

/** True when the client is a browser asking for a page. */
export function wantsHtml(request: Request): boolean {
  const accept = request.headers.get('accept') ?? ''
  return request.method === 'GET' && accept.includes('text/html')
}

/** Builds the proxy's error answer. */
export function proxyError(request: Request, status: number, title: string, message: string, o: ProxyErrorOptions = {}): Response {
  const headers: Record<string, string> = { 'cache-control': 'no-store' }
  if (o.retryAfter) headers['retry-after'] = String(o.retryAfter)
  if (o.requestId) headers['x-request-id'] = o.requestId
  if (wantsHtml(request)) {
    const html = ProxyErrorPage({ status, title, message, appName: o.appName, traceback: o.traceback, hint: o.hint }) as string
    return new Response(html, { status, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' } })
  }
  const body = { error: o.code ?? title.toLowerCase().replace(/[^a-z]+/g, '_'), message, traceback: o.traceback ?? undefined, hint: o.hint }
  return new Response(JSON.stringify(body), { status, headers: { ...headers, 'content-type': 'application/json; charset=utf-8' } })
}
