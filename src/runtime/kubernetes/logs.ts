// Follows a pod's log stream and hands it over line by line (the platform stores and tails it like local logs).
import { Writable } from 'node:stream'
import { Log, type KubeConfig } from '@kubernetes/client-node'

const MAX_LINE = 16 * 1024

/** A writable that splits what it gets into lines (over-long lines are cut, never buffered without bound). */
export function lineSink(onLine: (line: string) => void): Writable {
  let rest = ''
  const decoder = new TextDecoder()
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
      let nl: number
      while ((nl = rest.indexOf('\n')) >= 0) {
        onLine(rest.slice(0, nl).replace(/\r$/, ''))
        rest = rest.slice(nl + 1)
      }
      if (rest.length > MAX_LINE) {
        onLine(rest.slice(0, MAX_LINE))
        rest = ''
      }
      done()
    },
    final(done) {
      if (rest) onLine(rest)
      rest = ''
      done()
    },
  })
}

/** Follows one container's log from its start; returns the function that stops following. */
export function followPodLog(
  kc: KubeConfig,
  where: { namespace: string; pod: string; container: string },
  onLine: (line: string) => void,
  onError: (msg: string) => void,
): () => void {
  let abort: AbortController | null = null
  let stopped = false
  const sink = lineSink(onLine)
  // Stopping aborts the request: the response body (piped into the sink, which never sees its errors)
  // then fails with an AbortError, expected rather than a failure.
  const broke = (err: unknown) => {
    if (!stopped) onError(`the log stream of pod ${where.pod} broke: ${(err as Error)?.message ?? err}`)
  }
  sink.on('error', broke)
  sink.on('pipe', (body: NodeJS.ReadableStream) => body.on('error', broke))
  new Log(kc)
    .log(where.namespace, where.pod, where.container, sink, { follow: true })
    .then((ctrl) => {
      abort = ctrl
      if (stopped) ctrl.abort()
    })
    .catch((err) => {
      if (!stopped) onError(`cannot follow the log of pod ${where.pod}: ${(err as Error)?.message ?? err}`)
    })
  return () => {
    stopped = true
    abort?.abort()
  }
}
