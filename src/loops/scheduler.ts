// The cron scheduler: each tick finds the slots that fell due since the last tick and enqueues one
// run per slot. A slot is claimed in the database (unique per trigger and slot), so a restart,
// clock skew or a second platform process never runs it twice. Clock injectable for tests.
import { Cron } from 'croner'
import { periodic } from '../lib/periodic'
import type { AppDoc, CronTrigger } from '../data/apps.repo'
import type { Repos } from '../domain/context'

/** What the scheduler needs. */
export interface SchedulerDeps {
  repos: Pick<Repos, 'apps' | 'runs'>
  enqueue: (app: AppDoc, t: CronTrigger, slot: Date) => Promise<unknown>
  now?: () => Date
  log?: (m: string) => void
}

/** Starts the scheduler; `tick()` runs one pass (tests drive it with their own clock). */
export function startScheduler(deps: SchedulerDeps, tickMs = 1000) {
  const now = deps.now ?? (() => new Date())
  // Slots from the start on; earlier ones belong to whoever ran then (a slot runs at most once anyway).
  let last = now()

  async function pass(): Promise<number> {
    const until = now()
    const from = last
    last = until
    let fired = 0
    for (const app of await deps.repos.apps.withCron()) {
      for (const t of app.cron ?? []) {
        if (!t.enabled) continue
        let job: Cron
        try {
          job = new Cron(t.expr, { timezone: t.timezone, paused: true })
        } catch {
          continue
        }
        // at most 60 missed slots per tick: a long pause does not flood the queue
        for (let slot = job.nextRun(from), guard = 0; slot && slot <= until && guard < 60; slot = job.nextRun(slot), guard++) {
          if (!(await deps.repos.runs.claimSlot(`${t.id}:${slot.toISOString()}`))) continue
          await deps.enqueue(app, t, slot)
          fired++
        }
      }
    }
    return fired
  }

  return periodic(pass, tickMs, (e) => deps.log?.(`[cron] ${e.message}`))
}
