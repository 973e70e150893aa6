// The idle scaler: an app with no request for its idle time goes to sleep (process frozen when the
// runtime can, which it stops later by itself, else stopped; code, env, database and history kept). Timer semantics: from the last request (or the start,
// when nothing came since), never from the wake. Clock and interval are injectable for tests.
import { periodic } from '../lib/periodic'
import type { AppDoc } from '../data/apps.repo'
import type { Repos } from '../domain/context'
import { effectiveIdleMinutes, readMinIdleMinutes } from '../domain/app-settings'
import type { Runtime } from '../runtime/types'

/** What the scaler needs. */
export interface IdleScalerDeps {
  repos: Pick<Repos, 'apps' | 'settings'>
  runtime: Pick<Runtime, 'stop' | 'running' | 'freeze'>
  /** When the app last got a request, as seen by this process (ms since epoch). */
  lastRequestAt: (appId: string) => number | undefined
  /** When the serving instance started (ms since epoch). */
  startedAt: (appId: string) => number | undefined
  now?: () => number
  log?: (msg: string) => void
}

/** Decides whether an app is idle: pure, so it is tested without clocks. */
export function isIdle(now: number, idleMinutes: number, lastRequest: number | undefined, started: number | undefined): boolean {
  const last = Math.max(lastRequest ?? 0, started ?? 0)
  return last > 0 && now - last >= idleMinutes * 60_000
}

/** Starts the loop; returns its handle. `tick()` runs one pass (tests call it directly). */
export function startIdleScaler(deps: IdleScalerDeps, intervalMs = 15_000) {
  const now = deps.now ?? Date.now

  async function pass(): Promise<string[]> {
    const slept: string[] = []
    const minimum = await readMinIdleMinutes(deps.repos.settings)
    for (const appId of deps.runtime.running()) {
      const app: AppDoc | null = await deps.repos.apps.byId(appId)
      if (!app) continue
      const idleMinutes = effectiveIdleMinutes(app.settings?.idleMinutes, minimum)
      if (!isIdle(now(), idleMinutes, deps.lastRequestAt(appId), deps.startedAt(appId))) continue
      const frozen = (await deps.runtime.freeze?.(appId)) ?? false
      if (!frozen) await deps.runtime.stop(appId)
      await deps.repos.apps.update(appId, { status: 'sleeping' })
      deps.log?.(`[idle] ${app.slug} sleeps after ${idleMinutes} min without requests${frozen ? ' (frozen first)' : ''}`)
      slept.push(appId)
    }
    return slept
  }

  return periodic(pass, intervalMs, (e) => deps.log?.(`[idle] ${e.message}`))
}
