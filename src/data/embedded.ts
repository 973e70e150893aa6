// The embedded MongoDB-wire server: used when MONGO_URL is unset. Starts mongod when it is on
// PATH, else FerretDB (SQLite backend) built by scripts/setup.sh, and restarts it if it dies.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

/** A supervised local database server. */
export interface EmbeddedDb {
  url: string
  kind: 'mongod' | 'ferretdb'
  stop(): Promise<void>
}

/** Finds a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = server.port
  server.stop(true)
  return port
}

/** Locates a database server binary: mongod on PATH, then ferretdb on PATH or in the build cache. */
export function findDbServer(env = process.env): { kind: 'mongod' | 'ferretdb'; bin: string } | null {
  if (env.FERRETDB_BIN && existsSync(env.FERRETDB_BIN)) return { kind: 'ferretdb', bin: env.FERRETDB_BIN }
  const mongod = Bun.which('mongod')
  if (mongod) return { kind: 'mongod', bin: mongod }
  const ferret = Bun.which('ferretdb')
  if (ferret) return { kind: 'ferretdb', bin: ferret }
  const caches = env.FP_CACHE ? [env.FP_CACHE] : ['/var/cache/fastapi-platform', join(homedir(), '.cache/fastapi-platform')]
  for (const dir of caches) {
    const cached = join(dir, 'bin/ferretdb')
    if (existsSync(cached)) return { kind: 'ferretdb', bin: cached }
  }
  return null
}

/** The argv that starts a server on `port` with its data under `dir` (pure; no shell involved). */
export function dbServerArgv(kind: 'mongod' | 'ferretdb', bin: string, dir: string, port: number): string[] {
  if (kind === 'mongod') return [bin, '--dbpath', dir, '--bind_ip', '127.0.0.1', '--port', String(port), '--quiet']
  return [
    // WAL (FerretDB default) + synchronous=NORMAL: durable across process crashes (kill -9), one fsync per checkpoint
    bin, '--handler=sqlite', `--sqlite-url=file:${dir}/?_pragma=synchronous(normal)`, `--state-dir=${dir}`,
    `--listen-addr=127.0.0.1:${port}`, '--debug-addr=-', '--telemetry=disable', '--log-level=error',
  ]
}

/** A server left behind by a platform that was killed would share our data files: stop it first. */
function killStale(pidFile: string): void {
  if (!existsSync(pidFile)) return
  const pid = Number(readFileSync(pidFile, 'utf8'))
  if (!Number.isInteger(pid) || pid <= 1) return
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    if (cmd.includes('ferretdb') || cmd.includes('mongod')) process.kill(pid, 'SIGKILL')
  } catch {}
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const sock = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {} } })
      sock.end()
      return
    } catch {
      await Bun.sleep(30)
    }
  }
  throw new Error(`database server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`)
}

/** Starts and supervises the embedded database server under `dataDir`. */
export async function startEmbeddedDb(dataDir: string, log: (msg: string) => void = console.error): Promise<EmbeddedDb> {
  const found = findDbServer()
  if (!found) {
    throw new Error('no MongoDB-wire server found: run `bun run setup` to build FerretDB, install mongod, or set MONGO_URL')
  }
  const dir = join(dataDir, found.kind === 'mongod' ? 'mongodb' : 'ferretdb')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  killStale(join(dir, 'server.pid'))
  const port = await freePort()
  let stopping = false
  let proc: ReturnType<typeof Bun.spawn> | null = null
  let failures = 0

  const spawn = () => {
    const started = Date.now()
    proc = Bun.spawn(dbServerArgv(found.kind, found.bin, dir, port), { stdout: 'ignore', stderr: 'inherit', cwd: dir })
    writeFileSync(join(dir, 'server.pid'), String(proc.pid))
    proc.exited.then(async (code) => {
      if (stopping) return
      failures = Date.now() - started > 30_000 ? 1 : failures + 1
      const delay = Math.min(200 * 2 ** (failures - 1), 10_000)
      log(`[db] ${found.kind} exited with code ${code}; restarting in ${delay} ms`)
      await Bun.sleep(delay)
      if (!stopping) spawn()
    })
  }
  spawn()
  await waitForPort(port, 20_000)
  return {
    url: `mongodb://127.0.0.1:${port}/`,
    kind: found.kind,
    async stop() {
      stopping = true
      if (proc) {
        proc.kill('SIGTERM')
        await Promise.race([proc.exited, Bun.sleep(3000)])
        proc.kill('SIGKILL')
      }
      rmSync(join(dir, 'server.pid'), { force: true })
    },
  }
}
