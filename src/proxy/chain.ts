// The proxy chain, innermost first (Knative activator style): forward ← activate ← record ← resolve.
import type { RouteEntry } from '../domain/directory'
import type { Endpoint } from '../runtime/types'
import type { Match } from './resolve'

/** One proxied request as it moves through the chain. */
export interface ProxyRequest {
  request: Request
  match: Match
  app: RouteEntry
  requestId: string
  clientIp: string
  /** performance.now() when the request arrived. */
  started: number
  /** Set by activate: the ready instance to forward to. */
  endpoint?: Endpoint
  /** Set by activate: the request waited for a start. */
  cold: boolean
  /** Set by activate: how long the wait for the start took, in ms. */
  wakeMs?: number
  /** Set by inner links for the record: a platform-side error and the app's traceback. */
  error?: string
  traceback?: string | null
}

/** A link of the chain. */
export type Handler = (pr: ProxyRequest) => Promise<Response>
