// Composition root: reads config, boots real dependencies, restores deployed apps, listens.
import { createApp } from './app'
import { boot } from './boot'
import { loadConfig } from './config'

const config = loadConfig()
const started = performance.now()
const platform = await boot(config)
const { services } = platform
const app = createApp(services)

app.listen({
  port: config.port,
  hostname: config.host,
  maxRequestBodySize: Math.max(config.apiBodyLimit, config.appBodyLimit) + 1024,
  idleTimeout: 120,
})

console.log(
  `fastapi-platform listening on ${config.baseUrl} (port ${config.port}, runtime ${config.runtime}, ` +
    `database ${platform.embedded ? `embedded ${platform.embedded.kind}` : 'MONGO_URL'}) in ${Math.round(performance.now() - started)} ms`,
)

// Bring deployed apps back after a restart (ACCEPTANCE 28): warm the zygote, then start them.
void (async () => {
  const deps = services.deps
  const runtime = deps.runtime as { zygote?: { ensure(): Promise<void> } }
  await runtime.zygote?.ensure().catch((e) => console.error(`[runtime] ${e.message}`))
  for (const a of await deps.repos.apps.deployed()) {
    if (a.status !== 'running') continue
    await services.deploy.activate(a._id).catch((e) => console.error(`[restore] ${a.slug}: ${e.message}`))
  }
})()

let stopping = false
const shutdown = async (signal: string) => {
  if (stopping) return
  stopping = true
  console.log(`${signal}: shutting down`)
  await app.stop().catch(() => {})
  await platform.close().catch((e) => console.error(e))
  process.exit(0)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))
