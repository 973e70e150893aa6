// Starts every background loop of the platform with explicit stop(): idle scaler, retention
// sweeper, async run worker, cron scheduler. main.ts and integration tests use it.
import type { Config } from '../config'
import type { Services } from '../domain/services'
import type { Invoker } from '../proxy'
import { startIdleScaler } from './idle-scaler'
import { startRetention } from './retention'
import { startRunWorker, type RunWorkerOptions } from './run-worker'
import { startScheduler } from './scheduler'

/** Starts the loops; returns their handles and one stop() for all. */
export function startLoops(s: Services, invoke: Invoker, config: Config, over: Partial<RunWorkerOptions> & { idle?: boolean } = {}) {
  const log = (m: string) => console.log(m)
  const { repos, runtime } = s.deps
  const idle = over.idle === false ? null : startIdleScaler({
    repos, runtime, log,
    lastRequestAt: (id) => s.recorder.lastRequestAt(id),
    startedAt: (id) => runtime.endpoint(id)?.startedAt,
  }, config.idleCheckMs)
  const retention = startRetention({ repos, log }, config)
  const worker = startRunWorker({ repos, invoke, bus: s.deps.bus, log }, {
    concurrency: 16, perApp: 4, leaseMs: config.runLeaseMs, pollMs: 200, maxAgeMs: 24 * 3600_000, ...over,
  })
  s.hooks.worker = worker
  const scheduler = startScheduler({
    repos, log,
    enqueue: (app, t, slot) => s.cron.fire(app, t, slot),
  })
  return {
    idle, retention, worker, scheduler,
    async stop() {
      s.hooks.worker = null
      await scheduler.stop()
      await worker.stop()
      await retention.stop()
      await idle?.stop()
    },
  }
}
