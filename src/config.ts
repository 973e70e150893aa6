// Environment → typed Config. Pure: no I/O, so tests build configs freely.
import { resolve } from 'node:path'

/** Which app runtime drives user code. */
export type RuntimeName = 'local' | 'kubernetes'

/** Everything the platform reads from its environment, with defaults applied. */
export interface Config {
  port: number
  host: string
  dataDir: string
  /** Unset → the platform starts and supervises its own MongoDB-wire server. */
  mongoUrl?: string
  dbName: string
  runtime: RuntimeName
  /** `{slug}.{appsDomain}` host routing when set. */
  appsDomain?: string
  /** Unset → generated once into DATA_DIR/secret.key with 0600 permissions. */
  secretKey?: string
  baseUrl: string
  /** Python interpreter of the runner environment (venv made by scripts/setup.sh). */
  runnerPython: string
  runnerDir: string
  /** Built-in app templates (YAML). */
  templatesDir: string
  /** Maximum JSON body for the platform's own API, in bytes. */
  apiBodyLimit: number
  /** Maximum request body forwarded to an app, in bytes. */
  appBodyLimit: number
  /** How long a start may take before it fails, in ms. */
  startTimeoutMs: number
  /** Upstream timeout of one proxied request, in ms. */
  requestTimeoutMs: number
  /** How bodyless requests reach local instances: the proxy's own keep-alive sockets, or fetch. */
  proxyClient: 'sockets' | 'fetch'
  /** Longest a request waits for a sleeping app to wake, in ms (then 504). */
  wakeTimeoutMs: number
  /** Requests that may wait for one app's wake (then 503). */
  wakeQueue: number
  /** How long a browser navigation is held before it gets the waking page, in ms. */
  wakeHoldHtmlMs: number
  /** How often the idle scaler looks for idle apps, in ms. */
  idleCheckMs: number
  /** How long an idle app's process stays frozen (resumes in ~1 ms) before it is stopped, in seconds; 0 = never freeze. */
  frozenSeconds: number
  /** Most apps kept frozen at once (each holds its memory); the longest frozen is stopped first. */
  maxFrozen: number
  versionsKept: number
  /** Prefix of apps' database names (`app_<id>`). */
  dbPrefix: string
  /** Days app logs and request records are kept. */
  retentionDays: number
  /** Newest log lines kept per app. */
  logsPerApp: number
  /** How long a run worker's claim holds before another may take the run over, in ms. */
  runLeaseMs: number
  /** Newest request records kept per app. */
  requestsPerApp: number
  /** First uid handed to apps (local runtime, when root); each app gets the next one. */
  appUidBase: number
  /** Per-app resource limits for the local runtime. */
  limits: AppLimits
  /** Settings of the kubernetes runtime (RUNTIME=kubernetes). */
  kubernetes: KubernetesSettings
}

/** Where and how the kubernetes runtime runs apps. */
export interface KubernetesSettings {
  /** Namespace of the apps' objects (the platform's own, labelled for Pod Security "restricted"). */
  namespace: string
  /** A kubeconfig file (KUBECONFIG); unset → in-cluster, else ~/.kube/config. */
  kubeconfig?: string
  runnerImage: string
  /** Per-app CPU and memory by default (requests = limits), as Kubernetes quantities. */
  cpu: string
  memory: string
  /** The most an app's own settings may ask for. */
  maxCpu: string
  maxMemory: string
}

/** Per-app resource limits applied as rlimits by the local runtime. */
export interface AppLimits {
  memoryMb: number
  processes: number
  openFiles: number
  fileSizeMb: number
  cpuSeconds: number
}

function quantity(env: Record<string, string | undefined>, key: string, def: string): string {
  const raw = env[key] || def
  if (!/^[0-9]+(?:\.[0-9]+)?(?:m|k|Ki|M|Mi|G|Gi|T|Ti)?$/.test(raw)) throw new Error(`${key} must be a Kubernetes quantity such as 250m or 128Mi, got "${raw}"`)
  return raw
}

function int(env: Record<string, string | undefined>, key: string, def: number): number {
  const raw = env[key]
  if (raw === undefined || raw === '') return def
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${key} must be a non-negative integer, got "${raw}"`)
  return n
}

/** Reads the platform's configuration from an environment map. */
export function loadConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): Config {
  const port = int(env, 'PORT', 8080)
  const runtime = (env.RUNTIME || 'local') as RuntimeName
  if (runtime !== 'local' && runtime !== 'kubernetes') {
    throw new Error(`RUNTIME must be "local" or "kubernetes", got "${env.RUNTIME}"`)
  }
  const runnerDir = resolve(cwd, env.RUNNER_DIR || 'runner')
  const appsDomain = env.APPS_DOMAIN?.trim().replace(/^\.+|\.+$/g, '').toLowerCase() || undefined
  return {
    port,
    host: env.HOST || '0.0.0.0',
    dataDir: resolve(cwd, env.DATA_DIR || '.data'),
    mongoUrl: env.MONGO_URL || undefined,
    dbName: env.MONGO_DB || 'platform',
    runtime,
    appsDomain,
    secretKey: env.SECRET_KEY || undefined,
    baseUrl: (env.BASE_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    runnerPython: env.RUNNER_PYTHON || resolve(runnerDir, '.venv/bin/python'),
    runnerDir,
    templatesDir: resolve(cwd, env.TEMPLATES_DIR || 'templates'),
    apiBodyLimit: int(env, 'API_BODY_LIMIT', 2 * 1024 * 1024),
    appBodyLimit: int(env, 'APP_BODY_LIMIT', 32 * 1024 * 1024),
    startTimeoutMs: int(env, 'START_TIMEOUT_MS', 30_000),
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 60_000),
    proxyClient: env.PROXY_CLIENT === 'fetch' ? 'fetch' : 'sockets',
    wakeTimeoutMs: int(env, 'WAKE_TIMEOUT_MS', 30_000),
    wakeQueue: int(env, 'WAKE_QUEUE', 1000),
    wakeHoldHtmlMs: int(env, 'WAKE_HOLD_HTML_MS', 400),
    idleCheckMs: int(env, 'IDLE_CHECK_MS', 15_000),
    frozenSeconds: int(env, 'FROZEN_SECONDS', 600),
    maxFrozen: int(env, 'MAX_FROZEN', 16),
    versionsKept: int(env, 'VERSIONS_KEPT', 20),
    appUidBase: int(env, 'APP_UID_BASE', 200_000),
    dbPrefix: (env.DB_PREFIX || 'app_').replace(/[^A-Za-z0-9_]/g, '_'),
    retentionDays: int(env, 'RETENTION_DAYS', 7),
    logsPerApp: int(env, 'LOGS_PER_APP', 5000),
    requestsPerApp: int(env, 'REQUESTS_PER_APP', 10_000),
    runLeaseMs: int(env, 'RUN_LEASE_MS', 90_000),
    limits: {
      memoryMb: int(env, 'APP_MEMORY_MB', 1024),
      processes: int(env, 'APP_MAX_PROCESSES', 64),
      openFiles: int(env, 'APP_MAX_OPEN_FILES', 1024),
      fileSizeMb: int(env, 'APP_MAX_FILE_MB', 64),
      cpuSeconds: int(env, 'APP_CPU_SECONDS', 3600),
    },
    kubernetes: {
      namespace: env.K8S_NAMESPACE || 'fastapi-platform',
      kubeconfig: env.KUBECONFIG || undefined,
      runnerImage: env.K8S_RUNNER_IMAGE || 'fastapi-platform-runner:0.1.0',
      cpu: quantity(env, 'K8S_CPU', '250m'),
      memory: quantity(env, 'K8S_MEMORY', '128Mi'),
      maxCpu: quantity(env, 'K8S_MAX_CPU', '2'),
      maxMemory: quantity(env, 'K8S_MAX_MEMORY', '2Gi'),
    },
  }
}
