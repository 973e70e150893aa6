// Talks to runner/zygote.py over its stdin/stdout (JSON lines) and restarts it if it dies.
import type { Subprocess } from 'bun'
import { join } from 'node:path'
import { readJsonLines } from '../../lib/json-lines'

/** The fields of a spawn command (see runner/zygote.py). */
export interface SpawnCommand {
  id: string
  code_dir: string
  entrypoint: string
  socket: string
  log_socket: string
  env: Record<string, string>
  uid: number | null
  gid: number | null
  limits: { memory_mb: number; processes: number; open_files: number; file_size_mb: number; cpu_seconds: number }
}

/** Events the zygote reports about the children it forked. */
export type ZygoteEvent =
  | { event: 'spawned'; id: string; pid: number }
  | { event: 'ready'; id: string; pid: number }
  | { event: 'failed'; id: string; pid: number; error: string; traceback: string }
  | { event: 'exit'; id: string | null; pid: number; code: number | null; signal: number | null }

/** A supervised zygote process. */
export class Zygote {
  private proc: Subprocess<'pipe', 'pipe', 'inherit'> | null = null
  private readyPromise: Promise<void> | null = null
  private listeners = new Set<(e: ZygoteEvent) => void>()
  private closed = false
  preloadMs = 0

  constructor(
    private python: string,
    private runnerDir: string,
    private log: (msg: string) => void = console.error,
  ) {}

  /** Starts the zygote if it is not running; resolves when it has preloaded. */
  ensure(): Promise<void> {
    if (this.readyPromise) return this.readyPromise
    this.readyPromise = this.boot()
    this.readyPromise.catch(() => (this.readyPromise = null))
    return this.readyPromise
  }

  private boot(): Promise<void> {
    return new Promise((resolve, reject) => {
      const proc = Bun.spawn([this.python, '-u', join(this.runnerDir, 'zygote.py')], {
        cwd: this.runnerDir,
        stdin: 'pipe',
        stdout: 'pipe',
        stderr: 'inherit',
        // MALLOC_ARENA_MAX is read by glibc at the first malloc, so it must be set here, not in the
        // child: otherwise every worker thread reserves a 64 MB arena and RLIMIT_AS is hit.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1', LANG: 'C.UTF-8', MALLOC_ARENA_MAX: '2', ...(process.env.FP_TRACE ? { FP_TRACE: process.env.FP_TRACE } : {}) },
      })
      this.proc = proc
      let hello = false
      const timer = setTimeout(() => !hello && reject(new Error('the zygote did not start within 60 s')), 60_000)
      void readJsonLines<Record<string, unknown>>(proc.stdout, (msg) => {
        if (msg.event === 'hello') {
          hello = true
          clearTimeout(timer)
          this.preloadMs = Number(msg.preload_ms) || 0
          resolve()
        } else {
          for (const l of this.listeners) l(msg as ZygoteEvent)
        }
      }, (line) => this.log(`[zygote] unreadable line: ${line.slice(0, 200)}`))
      proc.exited.then((code) => {
        clearTimeout(timer)
        if (!hello) reject(new Error(`the zygote exited with code ${code} before it was ready (is ${this.python} the runner venv? run \`bun run setup\`)`))
        if (this.proc === proc) {
          this.proc = null
          this.readyPromise = null
        }
        if (!this.closed) this.log(`[zygote] exited with code ${code}; it restarts on the next start`)
      })
    })
  }

  /** Asks the zygote to fork one instance; events about it arrive through `onEvent`. */
  async spawn(cmd: SpawnCommand): Promise<void> {
    await this.ensure()
    if (!this.proc) throw new Error('the zygote is not running')
    this.proc.stdin.write(JSON.stringify({ op: 'spawn', ...cmd }) + '\n')
    this.proc.stdin.flush()
  }

  /** Subscribes to child events; returns the unsubscribe function. */
  onEvent(fn: (e: ZygoteEvent) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  async close(): Promise<void> {
    this.closed = true
    const proc = this.proc
    if (!proc) return
    proc.stdin.end() // EOF: the zygote kills its children and exits
    await Promise.race([proc.exited, Bun.sleep(2000)])
    proc.kill('SIGKILL')
  }
}
