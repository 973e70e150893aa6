// Maps domain errors and Elysia's own errors to JSON (API) answers with clear messages.
import { Elysia } from 'elysia'
import { DomainError } from '../domain/errors'

/** The JSON body of every error answer: a stable code, a message for people, optional details. */
export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { error: code, message, ...(details ?? {}) }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } })
}

function validationMessage(error: unknown): string {
  const e = error as { all?: { path?: string; summary?: string; message?: string }[]; message?: string }
  const first = e.all?.[0]
  if (first) {
    const where = first.path ? first.path.replace(/^\//, '').replace(/\//g, '.') : 'body'
    return `${where}: ${first.summary ?? first.message ?? 'invalid value'}`
  }
  return 'the request does not match the expected shape'
}

/** Driver errors that mean the database cannot be reached (not that a query was wrong). */
const DB_DOWN = /^Mongo(ServerSelection|Network|NetworkTimeout|PoolCleared|OperationTimeout|TopologyClosed)Error$/

/** True for an unreachable database; a bulk write that lost its connection carries no per-document errors. */
function dbDown(error: unknown): boolean {
  const name = (error as Error)?.name ?? ''
  if (DB_DOWN.test(name)) return true
  if (name !== 'MongoBulkWriteError') return false
  const e = error as { writeErrors?: unknown; writeConcernError?: unknown; err?: unknown }
  return !Object.values(e.writeErrors ?? {}).length && !e.writeConcernError && !e.err
}

/** The global error handler. */
export const errorsPlugin = () =>
  new Elysia({ name: 'errors' }).onError({ as: 'global' }, ({ code, error }) => {
    if (error instanceof DomainError) {
      const headers: Record<string, string> = {}
      const retry = error.details?.retryAfter
      if (typeof retry === 'number') headers['retry-after'] = String(retry)
      return json(error.status, errorBody(error.code, error.message, error.details), headers)
    }
    switch (code) {
      case 'VALIDATION':
        return json(400, errorBody('bad_request', validationMessage(error)))
      case 'PARSE':
        return json(400, errorBody('bad_request', 'the request body is not valid JSON'))
      case 'NOT_FOUND':
        return json(404, errorBody('not_found', 'no such route'))
      case 'INVALID_COOKIE_SIGNATURE':
        return json(401, errorBody('unauthorized', 'invalid session cookie'))
    }
    // the platform's database is away (stopped, restarting): say so instead of a generic 500
    if (dbDown(error)) {
      return json(503, errorBody('database_unavailable', 'the platform\'s database is not reachable right now; retry shortly (GET /healthz shows the state)'), { 'retry-after': '5' })
    }
    const status = (error as { status?: number })?.status
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return json(status, errorBody('bad_request', String((error as Error).message ?? 'bad request')))
    }
    console.error('[error]', error)
    return json(500, errorBody('internal', 'something went wrong on the platform; the error is in its log'))
  })
