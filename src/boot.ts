// Builds the real dependencies from a Config: database (embedded or MONGO_URL), keys, runtime, validator.
// main.ts uses it to serve; integration tests use it to get a real platform without a port.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from './config'
import { appDbRepo, detectCapabilities } from './data/appdb.repo'
import { appsRepo } from './data/apps.repo'
import { logsRepo } from './data/logs.repo'
import { runsRepo } from './data/runs.repo'
import { moveDatabases, startEmbeddedDb, type EmbeddedDb } from './data/embedded'
import { eventsRepo } from './data/events.repo'
import { connect, ensureIndexes, ping } from './data/mongo'
import { migrate } from './data/migrations'
import { settingsRepo } from './data/settings.repo'
import { templatesRepo } from './data/templates.repo'
import { usersRepo } from './data/users.repo'
import { createServices, type Services } from './domain/services'
import { Bus } from './lib/bus'
import { deriveKey, randomToken } from './lib/crypto'
import { createKubernetesRuntime, loadKubeConfig } from './runtime/kubernetes/driver'
import { mongoPorts } from './runtime/kubernetes/objects'
import { createLocalRuntime } from './runtime/local/driver'
import type { Runtime } from './runtime/types'
import { createValidator } from './runtime/validator'

/** The platform secret: SECRET_KEY, else DATA_DIR/secret.key (generated once, mode 0600). */
export function loadSecret(config: Config): string {
  if (config.secretKey) {
    if (config.secretKey.length < 32) throw new Error('SECRET_KEY must be at least 32 characters')
    return config.secretKey
  }
  const file = join(config.dataDir, 'secret.key')
  if (!existsSync(file)) writeFileSync(file, randomToken(48) + '\n', { mode: 0o600, flag: 'wx' })
  chmodSync(file, 0o600)
  return readFileSync(file, 'utf8').trim()
}

/** A booted platform: services plus what must be closed on shutdown. */
export interface Booted {
  services: Services
  embedded: EmbeddedDb | null
  close(): Promise<void>
}

/** Boots every real dependency described by `config`. */
export async function boot(config: Config, log: (msg: string) => void = console.error): Promise<Booted> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o711 })
  const secret = loadSecret(config)
  // Embedded: the platform's data in a server on a root-only Unix socket, apps' databases in another
  // on loopback TCP (FerretDB has no per-database users; see data/embedded.ts).
  let embedded: EmbeddedDb | null = null
  let embeddedApps: EmbeddedDb | null = null
  if (!config.mongoUrl) {
    const moved = moveDatabases(join(config.dataDir, 'ferretdb'), join(config.dataDir, 'appdb'), config.dbPrefix)
    if (moved.length) log(`[db] moved ${moved.length} app database(s) to their own server`)
    embedded = await startEmbeddedDb(config.dataDir, log, { unixOnly: true })
    embeddedApps = embedded.kind === 'ferretdb' ? await startEmbeddedDb(config.dataDir, log, { name: 'appdb' }) : null
  }
  const mongoUrl = config.mongoUrl ?? embedded!.url
  const appsUrl = embeddedApps?.url ?? mongoUrl
  const database = await connect(mongoUrl, config.dbName)
  const appsDatabase = embeddedApps ? await connect(appsUrl, 'admin') : database
  await ensureIndexes(database.db)
  const logs = logsRepo(database.db)
  const runs = runsRepo(database.db)
  const events = eventsRepo(database.db)
  const settings = settingsRepo(database.db)
  void migrate(settings, [
    ['migration:request-pages', () => events.packLegacy(), (n) => `[db] packed ${n} request records of an older version into pages`],
    ['migration:run-queue', () => runs.adoptLegacy(), (n) => `[runs] ${n} unfinished runs moved to the queue`],
  ], log)
  const capabilities = await detectCapabilities(appsDatabase.client, appsUrl)
  const runtime: Runtime = config.runtime === 'kubernetes'
    ? createKubernetesRuntime({
      kc: loadKubeConfig(config.kubernetes.kubeconfig), ...config.kubernetes, image: config.kubernetes.runnerImage,
      startTimeoutMs: config.wakeTimeoutMs, mongoPorts: mongoPorts(appsUrl), log,
    })
    : createLocalRuntime({
      dataDir: config.dataDir, python: config.runnerPython, runnerDir: config.runnerDir, startTimeoutMs: config.startTimeoutMs, log,
      frozenMs: config.frozenSeconds * 1000, maxFrozen: config.maxFrozen,
    })
  const validator = createValidator(config.runnerPython, config.runnerDir)
  const services = createServices({
    config,
    repos: { users: usersRepo(database.db), apps: appsRepo(database.db), events, settings, logs, runs, templates: templatesRepo(database.db) },
    runtime, validator, bus: new Bus(), mongoUrl: appsUrl, appDb: appDbRepo(appsDatabase.client), capabilities,
    keys: { jwt: deriveKey(secret, 'jwt'), secrets: deriveKey(secret, 'secrets') },
    now: () => new Date(),
    dbHealthy: async () => (await ping(database.db)) && (appsDatabase === database || (await ping(appsDatabase.db))),
  })
  return {
    services,
    embedded,
    async close() {
      await services.stop()
      await runtime.close()
      await validator.close()
      await database.close()
      if (appsDatabase !== database) await appsDatabase.close()
      await embeddedApps?.stop()
      await embedded?.stop()
    },
  }
}
