// App settings: what an owner may set (idle time, run attempts and concurrency, pod CPU and
// memory), checked against the platform's caps; and how they are shown (no secrets).
import type { AppDoc } from '../data/apps.repo'
import type { SettingsRepo } from '../data/settings.repo'
import type { Config } from '../config'
import { cpuMillis, memoryBytes } from '../lib/quantity'
import { badRequest } from './errors'
import { DEFAULT_ATTEMPTS, DEFAULT_CONCURRENCY } from './runs'

/** What app settings accept. */
export interface SettingsInput {
  idleMinutes?: number
  /** Attempts of each run (1 = no retries). */
  maxAttempts?: number
  /** Runs of this app executing at once. */
  concurrency?: number
  cpu?: string | null
  memory?: string | null
}

/** The platform setting (admin) under which apps sleep no sooner than this many idle minutes. */
export const MIN_IDLE_SETTING = 'minIdleMinutes'
/** The longest idle time an app or the admin may set: a week. */
const MAX_IDLE_MINUTES = 10080

/** Checks the admin's minimum idle time (1 minute to a week). */
export function minIdleMinutes(n: number): number {
  return wholeIn(n, 1, MAX_IDLE_MINUTES, 'minIdleMinutes')
}

/** The admin's minimum idle time as stored (1 when never set). */
export function readMinIdleMinutes(settings: Pick<SettingsRepo, 'get'>): Promise<number> {
  return settings.get<number>(MIN_IDLE_SETTING, 1)
}

/** The idle time that applies to an app: its own, but never below the admin's minimum. */
export function effectiveIdleMinutes(own: number | undefined, minimum: number): number {
  return Math.max(own ?? 15, minimum)
}

/** The most attempts of one run and the most runs of one app at once an app may ask for. */
export const MAX_ATTEMPTS = 10
export const MAX_CONCURRENCY = 16

function wholeIn(n: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest(`${name} must be a whole number between ${min} and ${max}`)
  return n
}

/** Sets (or with null/'' clears) a CPU or memory setting, within [min, max]. */
function setQuantity(s: AppDoc['settings'], key: 'cpu' | 'memory', raw: string | null, parse: (q: string) => number | null, min: number, max: string, minText: string): void {
  const q = (raw ?? '').trim()
  if (!q) return void delete s[key]
  const example = key === 'cpu' ? '250m or 1' : '128Mi or 1Gi'
  const n = parse(q)
  if (n === null) throw badRequest(`${key} must be a Kubernetes quantity such as ${example}`)
  if (n < min || n > parse(max)!) throw badRequest(`${key} must be between ${minText} and ${max} (the limit set for this platform)`)
  s[key] = q
}

/** An app's settings as shown: run defaults filled in, and whether webhooks must be signed (never the secret). */
export type AppSettingsView = Omit<AppDoc['settings'], 'webhookSecret'> & { maxAttempts: number; concurrency: number; webhookSigned: boolean }

export function settingsView(s: AppDoc['settings']): AppSettingsView {
  const { webhookSecret, ...rest } = s
  return { ...rest, maxAttempts: s.maxAttempts ?? DEFAULT_ATTEMPTS, concurrency: s.concurrency ?? DEFAULT_CONCURRENCY, webhookSigned: !!webhookSecret }
}

/** The settings after `input`, checked (400 with the reason, nothing changed, on a bad value). */
export function applySettings(current: AppDoc['settings'], input: SettingsInput, k: Config['kubernetes']): AppDoc['settings'] {
  const s = { ...current }
  if (input.idleMinutes !== undefined) s.idleMinutes = wholeIn(input.idleMinutes, 1, MAX_IDLE_MINUTES, 'idleMinutes')
  if (input.maxAttempts !== undefined) s.maxAttempts = wholeIn(input.maxAttempts, 1, MAX_ATTEMPTS, 'maxAttempts')
  if (input.concurrency !== undefined) s.concurrency = wholeIn(input.concurrency, 1, MAX_CONCURRENCY, 'concurrency')
  if (input.cpu !== undefined) setQuantity(s, 'cpu', input.cpu, cpuMillis, 10, k.maxCpu, '10m')
  if (input.memory !== undefined) setQuantity(s, 'memory', input.memory, memoryBytes, 32 * 1024 ** 2, k.maxMemory, '32Mi')
  return s
}
