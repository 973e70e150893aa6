// Pure builders for what the local runtime hands to the zygote and the file system.
// Nothing here reaches a shell: the zygote gets JSON, files get checked paths (STYLE rule 9).
import { join, resolve, sep } from 'node:path'
import { pathProblem } from '../../lib/files'
import type { AppSpec } from '../types'
import type { SpawnCommand } from './zygote'

const ID = /^[A-Za-z0-9_-]{1,64}$/

/** Where one app's code and scratch space live under the apps directory. */
export function appPaths(appsDir: string, appId: string, hash: string) {
  if (!ID.test(appId)) throw new Error(`invalid app id "${appId}"`)
  if (!/^[a-f0-9]{1,64}$/.test(hash)) throw new Error(`invalid code hash "${hash}"`)
  const appDir = join(appsDir, appId)
  return { appDir, codeDir: join(appDir, 'code', hash), tmpDir: join(appDir, 'tmp') }
}

/** Joins a user-supplied relative file path under `root`, refusing anything that escapes it. */
export function safeJoin(root: string, rel: string): string {
  const why = pathProblem(rel)
  if (why) throw new Error(`unsafe file path "${rel.slice(0, 80)}": ${why}`)
  const base = resolve(root)
  const target = resolve(base, rel)
  if (!target.startsWith(base + sep)) throw new Error(`file path "${rel.slice(0, 80)}" escapes the code directory`)
  return target
}

/** Variables every instance gets besides the app's own (the platform's own env never leaks). */
export function baseEnv(tmpDir: string): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: tmpDir,
    TMPDIR: tmpDir,
    LANG: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    MALLOC_ARENA_MAX: '2',
  }
}

/** Builds the zygote's spawn command for one instance of `spec`. */
export function buildSpawnCommand(
  spec: AppSpec,
  where: { instanceId: string; codeDir: string; socketPath: string; logSocket: string; tmpDir: string; dropPrivileges: boolean },
): SpawnCommand {
  if (!ID.test(where.instanceId)) throw new Error(`invalid instance id "${where.instanceId}"`)
  const entry = spec.entrypoint
  if (pathProblem(entry) || !entry.endsWith('.py')) throw new Error(`invalid entrypoint "${entry.slice(0, 80)}"`)
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(spec.env)) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !k.includes('\0') && !String(v).includes('\0')) env[k] = String(v)
  }
  const uid = where.dropPrivileges && spec.uid ? spec.uid : null
  return {
    id: where.instanceId,
    code_dir: where.codeDir,
    entrypoint: entry,
    socket: where.socketPath,
    log_socket: where.logSocket,
    env: { ...env, ...baseEnv(where.tmpDir) },
    uid,
    gid: uid,
    limits: {
      memory_mb: spec.limits.memoryMb,
      processes: spec.limits.processes,
      open_files: spec.limits.openFiles,
      file_size_mb: spec.limits.fileSizeMb,
      cpu_seconds: spec.limits.cpuSeconds,
    },
  }
}

const SIGNALS: Record<number, string> = { 9: 'SIGKILL', 15: 'SIGTERM', 11: 'SIGSEGV', 6: 'SIGABRT', 24: 'SIGXCPU', 25: 'SIGXFSZ' }

/** A person-readable reason for an instance's exit. */
export function exitReason(code: number | null, signal: number | null): string {
  if (signal) {
    const name = SIGNALS[signal] ?? `signal ${signal}`
    if (signal === 9) return `killed (${name}: out of memory or killed)`
    if (signal === 24) return `killed (${name}: CPU time limit reached)`
    if (signal === 25) return `killed (${name}: file size limit reached)`
    return `killed (${name})`
  }
  return code === 0 ? 'exited normally' : `exited with code ${code}`
}
