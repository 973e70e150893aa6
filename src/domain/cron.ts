// Cron triggers of an app: checked with croner (invalid expressions are refused with the reason).
import { Cron } from 'croner'
import { nanoid } from 'nanoid'
import type { AppDoc, CronTrigger } from '../data/apps.repo'
import type { DomainDeps } from './context'
import { badRequest, notFound } from './errors'
import type { RunsService } from './runs'

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])

/** The next `n` times a trigger fires after `from`. */
export function nextRuns(expr: string, timezone: string, n: number, from = new Date()): Date[] {
  return new Cron(expr, { timezone, paused: true }).nextRuns(n, from)
}

/** Checks a trigger's fields; throws 400 with the reason. */
export function checkTrigger(input: Partial<CronTrigger>): Omit<CronTrigger, 'id'> {
  const expr = String(input.expr ?? '').trim()
  const timezone = String(input.timezone || 'UTC')
  try {
    nextRuns(expr, timezone, 1)
  } catch (e) {
    throw badRequest(`invalid cron trigger: ${(e as Error).message}`)
  }
  const method = String(input.method || 'POST').toUpperCase()
  if (!METHODS.has(method)) throw badRequest(`method must be one of ${[...METHODS].join(', ')}`)
  const path = String(input.path || '/')
  if (!path.startsWith('/') || path.length > 500 || /\s/.test(path)) throw badRequest('path must start with / and contain no spaces')
  const body = String(input.body ?? '')
  if (body.length > 64 * 1024) throw badRequest('body is larger than 64 KB')
  return { expr, timezone, method, path, body, enabled: input.enabled !== false }
}

/** The next runs of a trigger's values as typed, or why they are refused (the form's live preview). */
export function preview(input: Partial<CronTrigger>): { next: Date[]; timezone: string; error?: string } {
  const timezone = String(input.timezone || 'UTC')
  try {
    const t = checkTrigger(input)
    return { next: nextRuns(t.expr, t.timezone, 3), timezone: t.timezone }
  } catch (e) {
    return { next: [], timezone, error: (e as Error).message }
  }
}

/** Cron trigger CRUD on an app, and firing a slot as a run. */
export function cronService(deps: DomainDeps, runs: RunsService) {
  const view = (t: CronTrigger) => ({ ...t, next: t.enabled ? nextRuns(t.expr, t.timezone, 3) : [] })
  return {
    list: (app: AppDoc) => (app.cron ?? []).map(view),
    async add(app: AppDoc, input: Partial<CronTrigger>) {
      const list = app.cron ?? []
      if (list.length >= 20) throw badRequest('at most 20 cron triggers per app')
      const t: CronTrigger = { id: `cron_${nanoid(10)}`, ...checkTrigger(input), lastRunAt: null }
      await deps.repos.apps.update(app._id, { cron: [...list, t] })
      return view(t)
    },
    async update(app: AppDoc, id: string, input: Partial<CronTrigger>) {
      const list = app.cron ?? []
      const old = list.find((t) => t.id === id)
      if (!old) throw notFound('cron trigger')
      const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<CronTrigger>
      const t: CronTrigger = { ...old, ...checkTrigger({ ...old, ...changes }), id: old.id }
      await deps.repos.apps.update(app._id, { cron: list.map((x) => (x.id === id ? t : x)) })
      return view(t)
    },
    /** One due slot of a trigger: a run, and the trigger's last run time (re-read, so edits are kept). */
    async fire(app: AppDoc, t: CronTrigger, slot: Date) {
      await runs.enqueue(app, 'cron', { method: t.method, path: t.path, headers: t.body ? { 'content-type': 'application/json' } : {}, body: t.body }, { triggerId: t.id })
      const fresh = await deps.repos.apps.byId(app._id)
      if (fresh?.cron) await deps.repos.apps.update(app._id, { cron: fresh.cron.map((x) => (x.id === t.id ? { ...x, lastRunAt: slot } : x)) })
    },
    async remove(app: AppDoc, id: string) {
      const list = app.cron ?? []
      if (!list.some((t) => t.id === id)) throw notFound('cron trigger')
      await deps.repos.apps.update(app._id, { cron: list.filter((t) => t.id !== id) })
    },
  }
}

/** The cron service's shape. */
export type CronService = ReturnType<typeof cronService>
