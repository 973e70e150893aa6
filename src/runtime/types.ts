// The Runtime interface: how the platform runs app versions, whatever drives them.
import type { AppLimits, RuntimeName } from '../config'

/** Everything a runtime needs to run one version of one app. */
export interface AppSpec {
  appId: string
  slug: string
  version: number
  hash: string
  files: Record<string, string>
  entrypoint: string
  /** The app's own environment, already decrypted, platform variables included. */
  env: Record<string, string>
  /** Unprivileged uid/gid for the app's processes (local runtime, when root). */
  uid?: number
  limits: AppLimits
  /** CPU and memory as Kubernetes quantities (kubernetes runtime; requests = limits). */
  resources?: { cpu: string; memory: string }
}

/** Where a ready instance accepts HTTP: a Unix socket (local) or a base URL (kubernetes). */
export interface Endpoint {
  instanceId: string
  version: number
  unix?: string
  baseUrl: string
  /** When the instance became ready (ms since epoch). */
  startedAt: number
}

/** Something the runtime noticed about an app: output lines and instance exits. */
export type RuntimeEvent =
  | { type: 'log'; appId: string; instanceId: string; stream: 'stdout' | 'stderr' | 'system'; line: string; at: Date; requestId?: string }
  | { type: 'exit'; appId: string; instanceId: string; version: number; reason: string; expected: boolean }

/** Raised when a version cannot start; carries the app's own traceback when there is one. */
export class StartError extends Error {
  constructor(message: string, readonly traceback = '') {
    super(message)
    this.name = 'StartError'
  }
}

/** What drives apps: the local driver (zygote + Unix sockets) or the kubernetes driver. */
export interface Runtime {
  readonly name: RuntimeName
  /** Starts `spec` and resolves once it is ready; the previous instance keeps serving until then. */
  start(spec: AppSpec): Promise<Endpoint>
  /** The ready endpoint of an app, if one is running (the warm path: a map lookup). */
  endpoint(appId: string): Endpoint | undefined
  /** Forgets an instance found dead (its socket refuses connections) before its exit is reported. */
  discard(appId: string, instanceId: string): void
  /** Ids of the apps that have a serving instance. */
  running(): string[]
  /** Stops an app's instances; its code stays. */
  stop(appId: string): Promise<void>
  /** Puts an idle app to sleep keeping its process frozen: the next start of the same spec resumes
   *  it in about a millisecond; the runtime stops it for real later. False when it cannot. */
  freeze?(appId: string): Promise<boolean>
  /** Stops an app and deletes everything the runtime keeps for it. */
  remove(appId: string): Promise<void>
  /** Subscribes to runtime events; returns the unsubscribe function. */
  onEvent(listener: (e: RuntimeEvent) => void): () => void
  close(): Promise<void>
}
