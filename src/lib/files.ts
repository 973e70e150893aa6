// App file sets: safe relative paths and size limits, checked before anything touches disk.
// Mirrors runner/validator.py so the API rejects bad input even if the validator is down.

/** Limits on one app's files (DESIGN: ≤ 50 files, ≤ 100 KB each, ≤ 500 KB total). */
export const FILE_LIMITS = { maxFiles: 50, maxFileBytes: 100 * 1024, maxTotalBytes: 500 * 1024, maxPathLength: 200 }

const TEXT_EXTENSIONS = new Set([
  '.py', '.html', '.htm', '.css', '.js', '.mjs', '.svg', '.json', '.md', '.txt',
  '.csv', '.toml', '.yaml', '.yml', '.jinja', '.j2', '.xml', '.ini', '.cfg',
])
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.\-]*$/

/** An app's files: relative path → text content. */
export type FileMap = Record<string, string>

/** Why a path is unsafe (`../x`, `/etc/passwd`, NUL, over-long, odd types), or null when fine. */
export function pathProblem(path: unknown): string | null {
  if (typeof path !== 'string' || path === '') return 'file path is empty'
  if (path.includes('\0')) return 'file path contains a NUL byte'
  if (path.length > FILE_LIMITS.maxPathLength) return `file path is longer than ${FILE_LIMITS.maxPathLength} characters`
  if (path.startsWith('/') || path.includes('\\')) return "file path must be relative and use '/'"
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.' || seg === '..' || !SEGMENT.test(seg)) {
      return `file path segment "${seg}" is not allowed (letters, digits, '_', '-', '.')`
    }
  }
  const dot = path.lastIndexOf('.')
  const ext = dot > path.lastIndexOf('/') ? path.slice(dot).toLowerCase() : ''
  if (!TEXT_EXTENSIONS.has(ext)) return `file type "${ext || '(none)'}" is not allowed`
  return null
}

/** Problems with a whole file set; empty when it is acceptable. */
export function fileSetProblems(files: unknown): { file: string; message: string }[] {
  if (!files || typeof files !== 'object' || Array.isArray(files)) return [{ file: '', message: 'files must be an object of {path: content}' }]
  const entries = Object.entries(files as Record<string, unknown>)
  const out: { file: string; message: string }[] = []
  if (entries.length === 0) out.push({ file: '', message: 'the app has no files' })
  if (entries.length > FILE_LIMITS.maxFiles) out.push({ file: '', message: `too many files: ${entries.length} > ${FILE_LIMITS.maxFiles}` })
  let total = 0
  for (const [path, content] of entries) {
    const why = pathProblem(path)
    if (why) out.push({ file: path.slice(0, FILE_LIMITS.maxPathLength), message: why })
    if (typeof content !== 'string') {
      out.push({ file: path, message: 'file content must be text' })
      continue
    }
    const size = Buffer.byteLength(content)
    total += size
    if (size > FILE_LIMITS.maxFileBytes) out.push({ file: path, message: `file is ${size} bytes; the limit is ${FILE_LIMITS.maxFileBytes}` })
  }
  if (total > FILE_LIMITS.maxTotalBytes) out.push({ file: '', message: `files total ${total} bytes; the limit is ${FILE_LIMITS.maxTotalBytes}` })
  return out
}

/** A stable content hash of a file set (order-independent). */
export function hashFiles(files: FileMap, entrypoint: string): string {
  const h = new Bun.CryptoHasher('sha256')
  h.update(`entry:${entrypoint}\0`)
  for (const path of Object.keys(files).sort()) h.update(`${path}\0${files[path]}\0`)
  return h.digest('hex').slice(0, 16)
}
