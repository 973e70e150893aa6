// What the domain services need, built once by main.ts (or by tests with a test database).
import type { Config } from '../config'
import type { AppDbRepo, DbCapabilities } from '../data/appdb.repo'
import type { AppsRepo } from '../data/apps.repo'
import type { LogsRepo } from '../data/logs.repo'
import type { RunsRepo } from '../data/runs.repo'
import type { EventsRepo } from '../data/events.repo'
import type { SettingsRepo } from '../data/settings.repo'
import type { TemplatesRepo } from '../data/templates.repo'
import type { UsersRepo } from '../data/users.repo'
import type { Bus } from '../lib/bus'
import type { Runtime } from '../runtime/types'
import type { Validator } from '../runtime/validator'

/** Keys derived from the platform secret, one per purpose. */
export interface Keys {
  jwt: Buffer
  secrets: Buffer
}

/** The repositories of data/. */
export interface Repos {
  users: UsersRepo
  apps: AppsRepo
  events: EventsRepo
  settings: SettingsRepo
  logs: LogsRepo
  runs: RunsRepo
  templates: TemplatesRepo
}

/** Dependencies shared by every service. */
export interface DomainDeps {
  config: Config
  repos: Repos
  runtime: Runtime
  validator: Validator
  keys: Keys
  bus: Bus
  /** URI of the database server apps connect to (PLATFORM_MONGO_URI is derived from it). */
  mongoUrl: string
  /** Apps' own databases on that server. */
  appDb: AppDbRepo
  /** What that server enforces (users and roles, or not). */
  capabilities: DbCapabilities
  now: () => Date
  dbHealthy: () => Promise<boolean>
}
