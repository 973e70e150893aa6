// Client of runner/validator_server.py: one long-lived CPython that checks app files with `ast`.
import type { Subprocess } from 'bun'
import { join } from 'node:path'
import { readJsonLines } from '../lib/json-lines'

/** One finding of the validator, shaped for editor markers. */
export interface Diagnostic {
  file: string
  line: number
  column: number
  severity: 'error' | 'warning'
  code: string
  message: string
}

/** The validator's verdict on a file set. */
export interface ValidationResult {
  ok: boolean
  entrypoint: string | null
  diagnostics: Diagnostic[]
}

/** Checks an app's files; implemented by the runner's validator process (or a fake in unit tests). */
export interface Validator {
  validate(files: Record<string, string>, entrypoint?: string, allowedImports?: string[]): Promise<ValidationResult>
  close(): Promise<void>
}

/** Starts (lazily) and supervises the validator process. */
export function createValidator(python: string, runnerDir: string, timeoutMs = 10_000): Validator {
  let proc: Subprocess<'pipe', 'pipe', 'inherit'> | null = null
  let seq = 0
  const waiting = new Map<number, { resolve: (r: ValidationResult) => void; reject: (e: Error) => void }>()

  const boot = () => {
    const p = Bun.spawn([python, '-u', join(runnerDir, 'validator_server.py')], {
      cwd: runnerDir, stdin: 'pipe', stdout: 'pipe', stderr: 'inherit',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1' },
    })
    proc = p
    void readJsonLines<{ id: number; error?: string } & ValidationResult>(p.stdout, (msg) => {
      const w = waiting.get(msg.id)
      waiting.delete(msg.id)
      if (msg.error) w?.reject(new Error(`validator: ${msg.error}`))
      else w?.resolve({ ok: msg.ok, entrypoint: msg.entrypoint, diagnostics: msg.diagnostics })
    })
    p.exited.then(() => {
      if (proc === p) proc = null
      for (const [id, w] of waiting) {
        waiting.delete(id)
        w.reject(new Error('the validator process exited'))
      }
    })
    return p
  }

  return {
    validate(files, entrypoint, allowedImports) {
      const p = proc ?? boot()
      const id = ++seq
      return new Promise<ValidationResult>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id)
          reject(new Error(`the validator did not answer within ${timeoutMs} ms`))
        }, timeoutMs)
        waiting.set(id, {
          resolve: (r) => (clearTimeout(timer), resolve(r)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        })
        p.stdin.write(JSON.stringify({ id, files, entrypoint, allowed_imports: allowedImports }) + '\n')
        p.stdin.flush()
      })
    },
    async close() {
      const p = proc
      proc = null
      if (p) {
        p.stdin.end()
        await Promise.race([p.exited, Bun.sleep(1000)])
        p.kill()
      }
    },
  }
}
