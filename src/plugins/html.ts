// HTML answers for the browser screens, and redirects that htmx follows (HX-Location, not 302).

/** An HTML response with the right content type (Elysia would serve a bare string as text/plain). */
export function html(body: string | Promise<string>, status = 200, headers: Record<string, string> = {}): Response | Promise<Response> {
  const make = (b: string) => new Response(b, { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers } })
  return typeof body === 'string' ? make(body) : body.then(make)
}

/** True when htmx sent the request. */
export const isHtmx = (request: Request) => request.headers.get('hx-request') === 'true'

/**
 * Sends the browser to `location`: HX-Redirect for htmx requests (a full page load, so each screen's
 * own scripts run; htmx would otherwise follow a 302 inside the request), 303 otherwise.
 */
export function redirect(request: Request, location: string, headers: Record<string, string> = {}): Response {
  if (isHtmx(request)) return new Response(null, { status: 200, headers: { 'hx-redirect': location, ...headers } })
  return new Response(null, { status: 303, headers: { location, ...headers } })
}
