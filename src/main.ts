// Composition root: reads config, boots real dependencies, restores deployed apps, listens.
import { listen } from './serve'
import { boot } from './boot'
import { loadConfig } from './config'
import { startLoops } from './loops'

const config = loadConfig()
const started = performance.now()
const platform = await boot(config)
const { services } = platform
const { server, proxy } = await listen(services, { port: config.port })

console.log(
  `fastapi-platform listening on ${config.baseUrl} (port ${config.port}, runtime ${config.runtime}, ` +
    `database ${platform.embedded ? `embedded ${platform.embedded.kind}` : 'MONGO_URL'}) in ${Math.round(performance.now() - started)} ms`,
)

// After a restart nothing runs yet: deployed apps are sleeping and wake on their next request
// (ACCEPTANCE 28). Warm the zygote now so that first wake is fast.
await services.deps.repos.apps.sleepAll()
const zygote = (services.deps.runtime as { zygote?: { ensure(): Promise<void> } }).zygote
void zygote?.ensure().catch((e) => console.error(`[runtime] ${e.message}`))


const loops = startLoops(services, proxy.invoke, config)

let stopping = false
const shutdown = async (signal: string) => {
  if (stopping) return
  stopping = true
  console.log(`${signal}: shutting down`)
  await loops.stop()
  server.stop()
  await platform.close().catch((e) => console.error(e))
  process.exit(0)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))
