// The request tag an app's runner puts in front of a line printed while serving a request
// (runner/request_log.py): RS, the request id, US. Any driver that reads app output strips it here.

const TAG = /\x1e([A-Za-z0-9_-]{1,64})\x1f/g

/** A line without its tags, and the request id of the first one (null when untagged). */
export function untag(line: string): { line: string; requestId: string | null } {
  if (!line.includes('\x1e')) return { line, requestId: null }
  let requestId: string | null = null
  const clean = line.replace(TAG, (_, id: string) => {
    requestId ??= id
    return ''
  })
  return { line: clean, requestId }
}
