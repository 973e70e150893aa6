// `fp validate` without network: the platform's own validator (runner/validator.py, embedded in the
// binary) run by a local CPython. Only the standard library is needed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// @ts-ignore Bun text import: the validator ships inside the compiled binary
import validatorSource from '../../runner/validator.py' with { type: 'text' }
import { CliError, EXIT } from './output'

import type { Diagnostic } from '../runtime/validator'

/** Runs the validator on `files`; needs python3 (or FP_PYTHON) but no network. */
export async function validateLocally(files: Record<string, string>, entrypoint?: string): Promise<{ ok: boolean; diagnostics: Diagnostic[] }> {
  const python = process.env.FP_PYTHON || Bun.which('python3') || Bun.which('python')
  if (!python) throw new CliError('fp validate needs python3 on PATH (or FP_PYTHON)', EXIT.failed)
  const dir = mkdtempSync(join(tmpdir(), 'fp-validate-'))
  try {
    writeFileSync(join(dir, 'validator.py'), validatorSource as string)
    const code = 'import sys, json; sys.path.insert(0, sys.argv[1]); from validator import validate; ' +
      'req = json.load(sys.stdin); print(json.dumps(validate(req["files"], req.get("entrypoint"))))'
    const proc = Bun.spawn([python, '-c', code, dir], { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' })
    proc.stdin.write(JSON.stringify({ files, entrypoint }))
    proc.stdin.end()
    const [out, err] = [await new Response(proc.stdout).text(), await new Response(proc.stderr).text()]
    if ((await proc.exited) !== 0) throw new CliError(`the validator failed: ${err.trim()}`)
    return JSON.parse(out)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** `file:line:col: severity: message [code]`, the format editors understand. */
export const formatDiagnostic = (d: Diagnostic) => `${d.file || '.'}:${d.line}:${d.column}: ${d.severity}: ${d.message} [${d.code}]`
