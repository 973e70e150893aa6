// The retention sweeper: app logs, request records and ended runs older than the retention period
// go, claimed cron slots after a day (they only guard a slot against a second tick), and no app
// keeps more than its cap (a flood cannot grow the store without bound). Works without TTL indexes.
import { periodic } from '../lib/periodic'
import type { Repos } from '../domain/context'

/** Limits the sweeper enforces. */
export interface RetentionLimits {
  retentionDays: number
  logsPerApp: number
  requestsPerApp: number
}

/** Starts the sweeper; `tick()` runs one pass (tests call it directly). */
export function startRetention(deps: { repos: Pick<Repos, 'logs' | 'apps' | 'runs'>; now?: () => number; log?: (m: string) => void }, limits: RetentionLimits, intervalMs = 60_000) {
  const now = deps.now ?? Date.now
  async function pass() {
    const before = new Date(now() - limits.retentionDays * 86_400_000)
    const expired = await deps.repos.logs.expire(before)
    const runs = await deps.repos.runs.expire(before, new Date(now() - 86_400_000))
    let capped = 0
    for (const appId of await deps.repos.logs.appIds()) {
      capped += await deps.repos.logs.capApp(appId, limits.logsPerApp)
      capped += await deps.repos.logs.capRequests(appId, limits.requestsPerApp)
    }
    return { ...expired, ...runs, capped }
  }
  return periodic(pass, intervalMs, (e) => deps.log?.(`[retention] ${e.message}`))
}
