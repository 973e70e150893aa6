// The embedded MongoDB-wire server: used when MONGO_URL is unset. Starts mongod when it is on
// PATH, else FerretDB (SQLite backend) built by scripts/setup.sh, and restarts it if it dies.
// FerretDB has no per-database users, so the platform keeps its own data in a server that listens
// only on a Unix socket in a root-only directory (apps run under other uids and cannot connect),
// and apps' databases in a second server on loopback TCP.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
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

/** Where a server listens: a loopback TCP port, or only a Unix socket (FerretDB). */
export type Listen = { port: number } | { unix: string }

/** The argv that starts a server with its data under `dir` (pure; no shell involved). */
export function dbServerArgv(kind: 'mongod' | 'ferretdb', bin: string, dir: string, listen: Listen): string[] {
  if (kind === 'mongod') {
    if (!('port' in listen)) throw new Error('the embedded mongod listens on TCP only')
    return [bin, '--dbpath', dir, '--bind_ip', '127.0.0.1', '--port', String(listen.port), '--quiet']
  }
  return [
    // WAL (FerretDB default) + synchronous=NORMAL: durable across process crashes (kill -9), one fsync per checkpoint
    bin, '--handler=sqlite', `--sqlite-url=file:${dir}/?_pragma=synchronous(normal)`, `--state-dir=${dir}`,
    ...('port' in listen ? [`--listen-addr=127.0.0.1:${listen.port}`] : ['--listen-addr=', `--listen-unix=${listen.unix}`]),
    '--debug-addr=-', '--telemetry=disable', '--log-level=error',
  ]
}

/** Moves the SQLite files of databases named `prefix…` from one FerretDB data directory to another
 *  (an install from before the split kept apps' databases beside the platform's). Servers stopped. */
export function moveDatabases(from: string, to: string, prefix: string): string[] {
  if (!existsSync(from)) return []
  mkdirSync(to, { recursive: true, mode: 0o700 })
  const moved: string[] = []
  for (const f of readdirSync(from)) {
    const m = /^(.+)\.sqlite(-wal|-shm)?$/.exec(f)
    if (!m || !m[1]!.startsWith(prefix) || existsSync(join(to, f))) continue
    renameSync(join(from, f), join(to, f))
    if (!m[2]) moved.push(m[1]!)
  }
  return moved
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

async function waitForListen(listen: Listen, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const sock = 'port' in listen
        ? await Bun.connect({ hostname: '127.0.0.1', port: listen.port, socket: { data() {} } })
        : await Bun.connect({ unix: listen.unix, socket: { data() {} } })
      sock.end()
      return
    } catch {
      await Bun.sleep(30)
    }
  }
  throw new Error(`database server did not listen on ${'port' in listen ? `127.0.0.1:${listen.port}` : listen.unix} within ${timeoutMs} ms`)
}

/** A Unix socket path inside `dir` when it fits (107 bytes), else in a private directory under /tmp. */
function socketPath(dir: string): string {
  const inDir = join(dir, 'db.sock')
  if (inDir.length <= 100) return inDir
  const short = join(tmpdir(), `fp-db-${Bun.hash(dir).toString(36)}`)
  mkdirSync(short, { recursive: true, mode: 0o700 })
  chmodSync(short, 0o700)
  return join(short, 'db.sock')
}

/** Which server: its data directory's name, and whether it listens only on a private Unix socket. */
export interface EmbeddedOptions {
  name?: string
  unixOnly?: boolean
}

/** Starts and supervises the embedded database server under `dataDir`. */
export async function startEmbeddedDb(dataDir: string, log: (msg: string) => void = console.error, opts: EmbeddedOptions = {}): Promise<EmbeddedDb> {
  const found = findDbServer()
  if (!found) {
    throw new Error('no MongoDB-wire server found: run `bun run setup` to build FerretDB, install mongod, or set MONGO_URL')
  }
  const dir = join(dataDir, opts.name ?? (found.kind === 'mongod' ? 'mongodb' : 'ferretdb'))
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  killStale(join(dir, 'server.pid'))
  const listen: Listen = opts.unixOnly && found.kind === 'ferretdb' ? { unix: socketPath(dir) } : { port: await freePort() }

  let stopping = false
  let proc: ReturnType<typeof Bun.spawn> | null = null
  let failures = 0

  const spawn = () => {
    const started = Date.now()
    if ('unix' in listen) rmSync(listen.unix, { force: true }) // a killed server leaves its socket file behind
    proc = Bun.spawn(dbServerArgv(found.kind, found.bin, dir, listen), { stdout: 'ignore', stderr: 'inherit', cwd: dir })
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
  await waitForListen(listen, 20_000)
  return {
    url: 'port' in listen ? `mongodb://127.0.0.1:${listen.port}/` : `mongodb://${encodeURIComponent(listen.unix)}/`,
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
