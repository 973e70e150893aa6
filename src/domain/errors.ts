// Domain errors: services throw these; plugins/errors.ts maps them to HTTP statuses.

/** Base of every error a user may see; `code` is stable for scripts, `message` is for people. */
export class DomainError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: Record<string, unknown>) {
    super(message)
    this.name = 'DomainError'
  }
}

/** 404: missing, or owned by somebody else (never say which). */
export const notFound = (what = 'resource') => new DomainError(404, 'not_found', `${what} not found`)
/** 400: input the platform cannot use. */
export const badRequest = (message: string, details?: Record<string, unknown>) => new DomainError(400, 'bad_request', message, details)
/** 401: no valid credentials. */
export const unauthorized = (message = 'log in first, or send a valid bearer token') => new DomainError(401, 'unauthorized', message)
/** 403: authenticated but not allowed. */
export const forbidden = (message: string) => new DomainError(403, 'forbidden', message)
/** 409: conflicts with the current state. */
export const conflict = (message: string) => new DomainError(409, 'conflict', message)
/** 413: body too large. */
export const tooLarge = (limit: number) => new DomainError(413, 'payload_too_large', `request body is larger than ${limit} bytes`)
/** 429: slow down; `retryAfter` in seconds. */
export const tooMany = (message: string, retryAfter: number) => new DomainError(429, 'too_many_requests', message, { retryAfter })
/** 422: code that does not validate; carries the diagnostics. */
export const invalidCode = (diagnostics: unknown[]) =>
  new DomainError(422, 'validation_failed', 'the app did not pass validation: fix the problems listed in diagnostics', { diagnostics })
/** 422: code that validated but could not start; carries the app's traceback. */
export const startFailed = (message: string, traceback: string) =>
  new DomainError(422, 'start_failed', `the app failed to start: ${message}`, { traceback })
