// Records every proxied request: method, path, status, latency, cold start, error and traceback.
import type { StoredRequest } from '../data/events.repo'
import type { Handler, ProxyRequest } from './chain'

/** Where records go (the domain's request recorder). */
export interface RecordSink {
  record(doc: StoredRequest): void
}

/** The record link. */
export function record(sink: RecordSink, inner: Handler): Handler {
  return async (pr: ProxyRequest) => {
    let res: Response | null = null
    try {
      res = await inner(pr)
      return res
    } catch (err) {
      pr.error = `platform error: ${(err as Error).message}`
      throw err
    } finally {
      write(sink, pr, res?.status ?? 500)
    }
  }
}

/** Writes the record of one proxied request (HTTP or a WebSocket upgrade). */
export function write(sink: RecordSink, pr: ProxyRequest, status: number): void {
  const path = pr.match.path.split('?')[0]!.slice(0, 500)
  const doc: StoredRequest = {
    _id: pr.requestId, appId: pr.app.id, method: pr.request.method, path, status,
    latencyMs: Math.round((performance.now() - pr.started) * 100) / 100, cold: pr.cold, at: new Date(),
  }
  if (pr.wakeMs != null) doc.wakeMs = pr.wakeMs
  const error = pr.error ?? (status >= 500 && pr.traceback ? errorLine(pr.traceback) : null)
  if (error) doc.error = error
  if (pr.traceback) doc.traceback = pr.traceback
  sink.record(doc)
}

/** The exception line of a traceback (its last line), for lists and run errors. */
export function errorLine(tb: string): string {
  const lines = tb.trim().split('\n')
  return (lines[lines.length - 1] ?? '').slice(0, 300)
}
