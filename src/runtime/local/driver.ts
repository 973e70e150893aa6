// The local runtime: app instances are children of a pre-warmed zygote, served over Unix sockets.
import { chmodSync, chownSync, existsSync, mkdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nanoid } from 'nanoid'
import type { Endpoint, AppSpec, Runtime, RuntimeEvent } from '../types'
import { StartError } from '../types'
import { startLogServer } from './logs'
import { Zygote, type ZygoteEvent } from './zygote'
import { appPaths, buildSpawnCommand, exitReason, safeJoin } from './commands'

/** Settings of the local driver. */
export interface LocalRuntimeOptions {
  dataDir: string
  python: string
  runnerDir: string
  startTimeoutMs: number
  /** How long an idle instance stays frozen before it is stopped (0: freezing is off). */
  frozenMs?: number
  /** Most instances frozen at once; the oldest is stopped first. */
  maxFrozen?: number
  log?: (msg: string) => void
}

interface Instance extends Endpoint {
  appId: string
  /** What the instance runs (code, env, limits): a frozen one is resumed only for the same. */
  fingerprint: string
  pid: number
  socketPath: string
  stopping: boolean
}

interface Pending {
  resolve: () => void
  reject: (e: StartError) => void
  instance: Instance
}

const IS_ROOT = process.getuid?.() === 0

/** Everything of a spec that an instance bakes in at start. */
export const fingerprint = (spec: AppSpec) =>
  Bun.hash(JSON.stringify([spec.hash, spec.version, spec.entrypoint, spec.env, spec.limits, spec.uid ?? null])).toString(36)

/** Sends `sig` to an instance's process group; false when it is gone. */
function signalGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig)
    return true
  } catch {
    return false
  }
}

/** Directories on the way to `file` that other uids cannot traverse (apps could not import from there). */
export function privateDirs(file: string): string[] {
  const out: string[] = []
  let dir = realpathSync(file)
  while (dir !== '/') {
    dir = join(dir, '..')
    if ((statSync(dir).mode & 0o001) === 0) out.push(dir)
  }
  return out
}

/** Creates the local runtime (zygote, log socket, instance table). */
export function createLocalRuntime(opts: LocalRuntimeOptions): Runtime & { zygote: Zygote } {
  const log = opts.log ?? console.error
  // Unix socket paths are limited to 107 bytes: keep the run directory short.
  const preferred = join(opts.dataDir, 'run')
  const runDir = preferred.length <= 60 ? preferred : join(tmpdir(), `fp-run-${Bun.hash(preferred).toString(36)}`)
  mkdirSync(runDir, { recursive: true, mode: 0o700 })
  chmodSync(runDir, 0o700)
  if (IS_ROOT) chmodSync(opts.dataDir, 0o711) // app uids may traverse DATA_DIR, never list it
  if (IS_ROOT && existsSync(opts.python)) {
    const hidden = privateDirs(opts.python)
    if (hidden.length) {
      log(`[runtime] warning: apps run under their own uids but cannot read ${hidden.join(', ')} ` +
        `(where ${opts.python} lives): lazy imports will fail. Run scripts/setup.sh, which puts the runner venv in /var/cache/fastapi-platform.`)
    }
  }
  const appsDir = join(opts.dataDir, 'apps')
  mkdirSync(appsDir, { recursive: true, mode: 0o711 })

  const zygote = new Zygote(opts.python, opts.runnerDir, log)
  const listeners = new Set<(e: RuntimeEvent) => void>()
  const emit = (e: RuntimeEvent) => listeners.forEach((l) => l(e))
  const current = new Map<string, Instance>() // appId → serving instance
  const byId = new Map<string, Instance>() // instanceId → any live instance
  const pending = new Map<string, Pending>()
  const frozen = new Map<string, { inst: Instance; timer: Timer }>() // appId → stopped (SIGSTOP) instance

  const logServer = startLogServer(join(runDir, 'logs.sock'), (instanceId, stream, line, requestId) => {
    const inst = byId.get(instanceId)
    if (inst) emit({ type: 'log', appId: inst.appId, instanceId, stream, line, at: new Date(), ...(requestId ? { requestId } : {}) })
  })

  zygote.onEvent((e: ZygoteEvent) => {
    if (e.event === 'spawned') {
      const inst = e.id ? byId.get(e.id) : undefined
      if (inst) inst.pid = e.pid
    } else if (e.event === 'ready') {
      pending.get(e.id)?.resolve()
    } else if (e.event === 'failed') {
      pending.get(e.id)?.reject(new StartError(e.error || 'the app failed to start', e.traceback))
    } else if (e.event === 'exit' && e.id) {
      const inst = byId.get(e.id)
      const reason = exitReason(e.code, e.signal)
      pending.get(e.id)?.reject(new StartError(`the app exited during startup: ${reason}`))
      if (!inst) return
      byId.delete(e.id)
      logServer.forget(e.id)
      rmSync(inst.socketPath, { force: true })
      const wasCurrent = current.get(inst.appId)?.instanceId === inst.instanceId
      if (wasCurrent) current.delete(inst.appId)
      const cold = frozen.get(inst.appId)
      if (cold?.inst === inst) {
        clearTimeout(cold.timer)
        frozen.delete(inst.appId)
        inst.stopping = true // a frozen app is asleep: its end is no crash
      }
      emit({ type: 'exit', appId: inst.appId, instanceId: inst.instanceId, version: inst.version, reason, expected: inst.stopping })
    }
  })

  function writeCode(spec: AppSpec): string {
    const paths = appPaths(appsDir, spec.appId, spec.hash)
    mkdirSync(join(paths.appDir, 'code'), { recursive: true, mode: 0o750 })
    if (IS_ROOT && spec.uid) {
      chownSync(paths.appDir, 0, spec.uid)
      chownSync(join(paths.appDir, 'code'), 0, spec.uid)
    }
    mkdirSync(paths.tmpDir, { recursive: true, mode: 0o700 })
    if (IS_ROOT && spec.uid) chownSync(paths.tmpDir, spec.uid, spec.uid)
    if (existsSync(paths.codeDir)) return paths.codeDir
    const staging = `${paths.codeDir}.${nanoid(6)}.tmp`
    mkdirSync(staging, { recursive: true, mode: 0o750 })
    for (const [rel, content] of Object.entries(spec.files)) {
      const target = safeJoin(staging, rel)
      mkdirSync(join(target, '..'), { recursive: true, mode: 0o750 })
      writeFileSync(target, content, { mode: 0o640 })
      if (IS_ROOT && spec.uid) chownSync(target, 0, spec.uid)
    }
    // The code directory is read-only for the app: files frameworks would create in it are made here.
    if (spec.env.PLATFORM_SESSION_KEY && !('.sesskey' in spec.files)) {
      writeFileSync(join(staging, '.sesskey'), spec.env.PLATFORM_SESSION_KEY, { mode: 0o640 })
      if (IS_ROOT && spec.uid) chownSync(join(staging, '.sesskey'), 0, spec.uid)
    }
    if (IS_ROOT && spec.uid) {
      for (const dir of new Set(Object.keys(spec.files).map((f) => join(staging, f, '..')))) chownSync(dir, 0, spec.uid)
      chownSync(staging, 0, spec.uid)
    }
    renameSync(staging, paths.codeDir)
    return paths.codeDir
  }

  async function stopInstance(inst: Instance, graceMs = 5000): Promise<void> {
    inst.stopping = true
    const cold = frozen.get(inst.appId)
    if (cold?.inst === inst) {
      clearTimeout(cold.timer)
      frozen.delete(inst.appId)
    }
    if (!inst.pid || !byId.has(inst.instanceId)) return
    signalGroup(inst.pid, 'SIGCONT') // a frozen process handles SIGTERM only once it runs again
    if (!signalGroup(inst.pid, 'SIGTERM')) return
    const deadline = Date.now() + graceMs
    while (byId.has(inst.instanceId) && Date.now() < deadline) await Bun.sleep(20)
    if (byId.has(inst.instanceId)) signalGroup(inst.pid, 'SIGKILL')
  }

  /** Resumes the app's frozen instance if it runs exactly `spec`; stops it otherwise. */
  async function thaw(spec: AppSpec): Promise<Instance | null> {
    const cold = frozen.get(spec.appId)
    if (!cold) return null
    clearTimeout(cold.timer)
    frozen.delete(spec.appId)
    const { inst } = cold
    if (inst.fingerprint !== fingerprint(spec) || !byId.has(inst.instanceId) || !signalGroup(inst.pid, 'SIGCONT')) {
      void stopInstance(inst)
      return null
    }
    // No stale keep-alive connection can be waiting to be closed as the app's timers catch up: the
    // runner closes idle connections after 30 s (runner/instance.py), and apps freeze after ≥ 1 min idle.
    inst.startedAt = Date.now()
    current.set(spec.appId, inst)
    return inst
  }

  return {
    name: 'local',
    zygote,
    async start(spec: AppSpec): Promise<Endpoint> {
      const resumed = await thaw(spec)
      if (resumed) return resumed
      const codeDir = writeCode(spec)
      const instanceId = nanoid(10)
      const socketPath = join(runDir, `${instanceId}.sock`)
      const inst: Instance = {
        instanceId, appId: spec.appId, fingerprint: fingerprint(spec), version: spec.version, pid: 0, socketPath, stopping: false,
        unix: socketPath, baseUrl: 'http://app.local', startedAt: 0,
      }
      const paths = appPaths(appsDir, spec.appId, spec.hash)
      const cmd = buildSpawnCommand(spec, {
        instanceId, codeDir, socketPath, logSocket: join(runDir, 'logs.sock'), tmpDir: paths.tmpDir,
        dropPrivileges: IS_ROOT,
      })
      byId.set(instanceId, inst)
      const ready = new Promise<void>((resolve, reject) => pending.set(instanceId, { resolve, reject, instance: inst }))
      let timer: Timer | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new StartError(`the app did not become ready within ${Math.round(opts.startTimeoutMs / 1000)} s`)),
          opts.startTimeoutMs,
        )
      })
      try {
        await zygote.spawn(cmd)
        await Promise.race([ready, timeout])
      } catch (err) {
        void stopInstance(inst, 0)
        byId.delete(instanceId)
        throw err instanceof StartError ? err : new StartError(String((err as Error)?.message ?? err))
      } finally {
        clearTimeout(timer)
        pending.delete(instanceId)
      }
      inst.startedAt = Date.now()
      const previous = current.get(spec.appId)
      current.set(spec.appId, inst)
      if (previous) void stopInstance(previous)
      return inst
    },
    endpoint: (appId) => current.get(appId),
    running: () => [...current.keys()],
    discard(appId, instanceId) {
      if (current.get(appId)?.instanceId === instanceId) current.delete(appId)
    },
    async freeze(appId) {
      const inst = current.get(appId)
      if (!inst || !opts.frozenMs || !inst.pid || pending.has(inst.instanceId)) return false
      current.delete(appId)
      if (!signalGroup(inst.pid, 'SIGSTOP')) return false
      const timer = setTimeout(() => void stopInstance(inst), opts.frozenMs)
      timer.unref?.()
      frozen.set(appId, { inst, timer })
      const max = opts.maxFrozen ?? 16
      for (const [, oldest] of frozen) {
        if (frozen.size <= max) break
        void stopInstance(oldest.inst) // Map order: the longest frozen first
      }
      return true
    },
    async stop(appId) {
      const inst = current.get(appId)
      current.delete(appId)
      const all = [...byId.values()].filter((i) => i.appId === appId)
      if (inst && !all.includes(inst)) all.push(inst)
      await Promise.all(all.map((i) => stopInstance(i)))
    },
    async remove(appId) {
      await this.stop(appId)
      rmSync(join(appsDir, appId), { recursive: true, force: true })
    },
    onEvent(fn) {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    async close() {
      await Promise.all([...byId.values()].map((i) => stopInstance(i, 1000)))
      await zygote.close()
      logServer.stop()
    },
  }
}
