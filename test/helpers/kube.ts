// A real Kubernetes control plane for tests (scripts/k8s-testenv.sh): etcd, kube-apiserver with RBAC
// and PodSecurity, controller-manager, scheduler, and kwok as the kubelet of one fake node whose pod
// IPs are loopback addresses. Contracts: docs/kubernetes.md §4.
import { spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const ROOT = join(import.meta.dir, '../..')
const SCRIPT = join(ROOT, 'scripts/k8s-testenv.sh')
const CACHE = process.env.FP_CACHE
  || (process.getuid?.() === 0 ? '/var/cache/fastapi-platform' : join(homedir(), '.cache/fastapi-platform'))

/** The kubectl built with the test API server (v1.30). */
export function kubectlPath(): string {
  return join(CACHE, 'k8s/bin/kubectl')
}

/** Whether `scripts/k8s-testenv.sh build` has been run (every binary in the cache). */
export function kubeBinariesBuilt(): boolean {
  return spawnSync('bash', [SCRIPT, 'check'], { stdio: 'ignore' }).status === 0
}

/** True when the Kubernetes tests can run. Missing binaries fail the run under CI=true (`.ci/run`
 * builds them); elsewhere they return false so a test file can skip with a clear message. */
export function requireKube(): boolean {
  if (kubeBinariesBuilt()) return true
  const msg = 'Kubernetes test binaries are missing: run `bash scripts/k8s-testenv.sh build`'
  if (process.env.CI === 'true') throw new Error(msg)
  console.warn(`[kube] ${msg} — skipping`)
  return false
}

export interface KubectlResult { code: number; stdout: string; stderr: string }

/** A running test cluster. */
export interface Kube {
  dir: string
  /** Admin kubeconfig (static token in group system:masters). */
  kubeconfig: string
  apiUrl: string
  /** DIR/env as a map (KUBECONFIG, K8S_API_URL, K8S_ADMIN_TOKEN, …). */
  env: Record<string, string>
  /** Runs kubectl against this cluster (argument list, never a shell). */
  kubectl(args: string[], opts?: { stdin?: string; kubeconfig?: string }): Promise<KubectlResult>
  /** kubectl that throws with its stderr when it fails; returns stdout. */
  kubectlOk(args: string[], opts?: { stdin?: string; kubeconfig?: string }): Promise<string>
  stop(): Promise<void>
}

const running = new Set<string>()
let exitHook = false

function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z0-9_]+)='(.*)'$/.exec(line)
    if (m) env[m[1]] = m[2]
  }
  return env
}

async function run(cmd: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<KubectlResult> {
  const proc = Bun.spawn(cmd, {
    stdin: opts.stdin === undefined ? 'ignore' : new Blob([opts.stdin]),
    stdout: 'pipe', stderr: 'pipe', env: { ...process.env, ...opts.env },
  })
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  return { code, stdout, stderr }
}

/** Starts a fresh cluster in a temp dir (a few seconds); `stop()` tears it down and removes the dir.
 * `readyGate`: app pods (label app.kubernetes.io/managed-by=fastapi-platform) get an IP and run but
 * turn Ready only once something serves on their IP — see servePods(). Without it every pod is Ready
 * as soon as it is scheduled. */
export async function startKube(opts: { readyGate?: boolean } = {}): Promise<Kube> {
  const dir = mkdtempSync(join(tmpdir(), 'fp-kube-'))
  running.add(dir)
  if (!exitHook) {
    exitHook = true
    process.on('exit', () => { for (const d of running) spawnSync('bash', [SCRIPT, 'down', d], { stdio: 'ignore' }) })
  }
  // K8S_PARENT_PID: the cluster goes away with this process even if it is killed
  const up = await run(['bash', SCRIPT, 'up', dir], { env: { K8S_PARENT_PID: String(process.pid), K8S_READY_GATE: opts.readyGate ? '1' : '' } })
  if (up.code !== 0) {
    await run(['bash', SCRIPT, 'down', dir])
    running.delete(dir)
    throw new Error(`k8s-testenv up failed (exit ${up.code}):\n${up.stderr}`)
  }
  const env = parseEnv(readFileSync(join(dir, 'env'), 'utf8'))
  const kubeconfig = join(dir, 'kubeconfig')
  const kubectl: Kube['kubectl'] = (args, opts = {}) =>
    run([kubectlPath(), '--kubeconfig', opts.kubeconfig ?? kubeconfig, ...args], { stdin: opts.stdin })
  return {
    dir, kubeconfig, apiUrl: env.K8S_API_URL, env, kubectl,
    async kubectlOk(args, opts) {
      const r = await kubectl(args, opts)
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
      return r.stdout
    },
    async stop() {
      await run(['bash', SCRIPT, 'down', dir])
      running.delete(dir)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Applies k8s/runtime (namespace labelled restricted, ServiceAccount, Role, RoleBinding, NetworkPolicy). */
export async function installRuntimeAccess(kube: Kube): Promise<void> {
  await kube.kubectlOk(['apply', '-k', join(ROOT, 'k8s/runtime')])
}

/** A kubeconfig that authenticates as a ServiceAccount (a TokenRequest token), to prove a Role is enough. */
export async function serviceAccountKubeconfig(kube: Kube, namespace = 'fastapi-platform', name = 'fastapi-platform'): Promise<string> {
  const token = (await kube.kubectlOk(['-n', namespace, 'create', 'token', name, '--duration', '1h'])).trim()
  const admin = readFileSync(kube.kubeconfig, 'utf8')
  const file = join(kube.dir, `kubeconfig-${namespace}-${name}`)
  writeFileSync(file, admin.replace(/token: .*/, `token: ${token}`).replace(/- name: admin/, `- name: ${name}`).replace(/user: admin/, `user: ${name}`), { mode: 0o600 })
  return file
}

/** Waits until `check` returns a value (not undefined), polling every `everyMs`; throws after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await check()
      if (v !== undefined) return v
    } catch (e) { last = e }
    await Bun.sleep(everyMs)
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`)
}

/** A runner process standing in for a pod's container (kwok runs none); its output is the pod's log. */
export interface PodProcess {
  ip: string
  port: number
  url: string
  /** What the runner printed so far (stdout and stderr). */
  output(): string
  stop(): Promise<void>
}

/** Acts as the kubelet for one pod: reads the pod, its env (Secret/ConfigMap refs) and its ConfigMap
 * volumes from the API, lays the files out as the kubelet mounts them, and starts runner/pod_entry.py
 * listening on the pod IP (a loopback address in the test cluster). */
export async function runPod(kube: Kube, namespace: string, podName: string, opts: { python?: string; timeoutMs?: number } = {}): Promise<PodProcess> {
  const get = async (kind: string, name: string) => JSON.parse(await kube.kubectlOk(['-n', namespace, 'get', kind, name, '-o', 'json']))
  const pod = await get('pod', podName)
  const ip: string | undefined = pod.status?.podIP
  if (!ip) throw new Error(`pod ${podName} has no IP yet (phase ${pod.status?.phase})`)
  const container = pod.spec.containers[0]
  const root = mkdtempSync(join(tmpdir(), `fp-pod-${podName}-`))
  const decode = (obj: any, key: string): string =>
    obj.kind === 'Secret' ? Buffer.from(obj.data?.[key] ?? '', 'base64').toString('utf8') : (obj.data?.[key] ?? '')

  // environment: the image's defaults (runner/Dockerfile), envFrom, then env
  const env: Record<string, string> = { FP_CODE_DIR: '/app/code', FP_APP_DIR: '/tmp/app', FP_ENTRYPOINT: 'app.py', PORT: '8000' }
  for (const from of container.envFrom ?? []) {
    const ref = from.secretRef ?? from.configMapRef
    const obj = await get(from.secretRef ? 'secret' : 'configmap', ref.name)
    for (const key of Object.keys(obj.data ?? {})) env[(from.prefix ?? '') + key] = decode(obj, key)
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m: string, v: string) => env[v] ?? m)
    else if (e.valueFrom?.secretKeyRef) env[e.name] = decode(await get('secret', e.valueFrom.secretKeyRef.name), e.valueFrom.secretKeyRef.key)
    else if (e.valueFrom?.configMapKeyRef) env[e.name] = decode(await get('configmap', e.valueFrom.configMapKeyRef.name), e.valueFrom.configMapKeyRef.key)
  }

  // ConfigMap volumes, as the kubelet lays them out: DIR/..<ts>/files, DIR/..data → ..<ts>, DIR/<path> → ..data/<path>
  for (const mount of container.volumeMounts ?? []) {
    const vol = (pod.spec.volumes ?? []).find((v: any) => v.name === mount.name)
    const target = join(root, mount.mountPath)
    mkdirSync(target, { recursive: true })
    if (!vol?.configMap) continue
    const cm = await get('configmap', vol.configMap.name)
    const items: { key: string; path: string }[] = vol.configMap.items
      ?? [...Object.keys(cm.data ?? {}), ...Object.keys(cm.binaryData ?? {})].map((key) => ({ key, path: key }))
    const ts = join(target, '..2026_01_01_00_00_00.000000001')
    for (const { key, path } of items) {
      const file = join(ts, path)
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, cm.data?.[key] !== undefined ? cm.data[key] : Buffer.from(cm.binaryData?.[key] ?? '', 'base64'))
    }
    mkdirSync(ts, { recursive: true })
    symlinkSync('..2026_01_01_00_00_00.000000001', join(target, '..data'))
    for (const top of new Set(items.map((i) => i.path.split('/')[0]))) symlinkSync(join('..data', top), join(target, top))
  }
  for (const k of ['FP_CODE_DIR', 'FP_APP_DIR']) env[k] = join(root, env[k])
  const port = Number(env.PORT || 8000)
  env.FP_HOST = ip

  const python = opts.python ?? process.env.RUNNER_PYTHON ?? join(ROOT, 'runner/.venv/bin/python')
  if (!existsSync(python)) throw new Error(`runner Python not found at ${python} (bash scripts/setup.sh)`)
  const proc = Bun.spawn([python, join(ROOT, 'runner/pod_entry.py')], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1', ...env }, stdout: 'pipe', stderr: 'pipe',
  })
  // The output goes to a CRI-format log file that kwok serves as the pod's log (kwok Logs object),
  // so `kubectl logs -f` and the driver's log stream read what the runner really printed.
  let out = ''
  const logFile = join(root, 'container.log')
  writeFileSync(logFile, '')
  const pump = async (s: ReadableStream<Uint8Array>, stream: 'stdout' | 'stderr') => {
    const dec = new TextDecoder()
    let partial = ''
    for await (const c of s) {
      const text = dec.decode(c, { stream: true })
      out += text
      const lines = (partial + text).split('\n')
      partial = lines.pop() ?? ''
      if (lines.length) appendFileSync(logFile, lines.map((l) => `${new Date().toISOString()} ${stream} F ${l}\n`).join(''))
    }
    if (partial) appendFileSync(logFile, `${new Date().toISOString()} ${stream} F ${partial}\n`)
  }
  void pump(proc.stdout, 'stdout'); void pump(proc.stderr, 'stderr')
  await kube.kubectlOk(['apply', '-f', '-'], {
    stdin: JSON.stringify({
      apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'Logs', metadata: { name: podName, namespace },
      spec: { logs: [{ containers: [container.name], logsFile: logFile, follow: true }] },
    }),
  })
  const url = `http://${ip}:${port}`
  const stop = async () => {
    proc.kill('SIGTERM')
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000)
    await proc.exited
    clearTimeout(t)
    await kube.kubectl(['-n', namespace, 'delete', 'logs.kwok.x-k8s.io', podName, '--ignore-not-found', '--wait=false'])
    rmSync(root, { recursive: true, force: true })
  }
  try {
    await eventually(`runner of pod ${podName} on ${url}`, async () => {
      if (proc.exitCode !== null) throw new Error(`runner exited ${proc.exitCode}: ${out}`)
      const res = await fetch(`${url}/health`).catch(() => undefined)
      return res?.status === 200 ? true : undefined
    }, opts.timeoutMs ?? 20_000)
  } catch (e) {
    await stop()
    throw e
  }
  return { ip, port, url, output: () => out, stop }
}

/** Annotation that opens the readiness gate of a pod (startKube({ readyGate: true })). */
export const SERVING_ANNOTATION = 'fp-test/serving'

/** Acts as the kubelet for every pod matching `selector` in `namespace`, for as long as it runs: when a
 * pod gets its IP, runPod starts the runner there and, once it answers /health, the pod is annotated
 * so the ready gate lets kwok mark it Ready (a readiness probe's job on a real node); when the pod
 * is deleted its runner stops. Uses one `kubectl get --watch`. */
export function servePods(kube: Kube, namespace: string, selector = 'app.kubernetes.io/managed-by=fastapi-platform'): {
  /** Runners by pod name. */
  pods: Map<string, PodProcess>
  /** Errors of runners that failed to start (pod name → message). */
  errors: Map<string, string>
  stop(): Promise<void>
} {
  const pods = new Map<string, PodProcess>()
  const starting = new Map<string, Promise<void>>()
  const errors = new Map<string, string>()
  const template = '{{.type}} {{.object.metadata.name}} {{or .object.status.podIP "-"}} {{or .object.metadata.deletionTimestamp "-"}}{{"\\n"}}'
  const proc = Bun.spawn([kubectlPath(), '--kubeconfig', kube.kubeconfig, '-n', namespace, 'get', 'pods', '-l', selector,
    '--watch', '--output-watch-events', '-o', `go-template=${template}`], { stdout: 'pipe', stderr: 'pipe' })
  let stopped = false
  const release = async (name: string) => {
    await starting.get(name)
    const p = pods.get(name)
    pods.delete(name)
    await p?.stop()
  }
  const onEvent = (type: string, name: string, ip: string, deleting: string) => {
    if (stopped) return
    if (type === 'DELETED' || deleting !== '-') { void release(name); return }
    if (ip === '-' || pods.has(name) || starting.has(name)) return
    starting.set(name, (async () => {
      try {
        const p = await runPod(kube, namespace, name)
        if (stopped) { await p.stop(); return }
        pods.set(name, p)
        await kube.kubectlOk(['-n', namespace, 'annotate', 'pod', name, `${SERVING_ANNOTATION}=true`, '--overwrite'])
      } catch (e) {
        errors.set(name, String(e))
      } finally {
        starting.delete(name)
      }
    })())
  }
  void (async () => {
    const dec = new TextDecoder()
    let buf = ''
    for await (const chunk of proc.stdout) {
      buf += dec.decode(chunk, { stream: true })
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const [type, name, ip, deleting] = buf.slice(0, nl).trim().split(' ')
        buf = buf.slice(nl + 1)
        if (type && name) onEvent(type, name, ip ?? '-', deleting ?? '-')
      }
    }
  })()
  return {
    pods, errors,
    async stop() {
      stopped = true
      proc.kill()
      await proc.exited
      await Promise.all([...starting.values()])
      await Promise.all([...pods.values()].map((p) => p.stop()))
      pods.clear()
    },
  }
}
