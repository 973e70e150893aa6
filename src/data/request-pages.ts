// Request records are stored packed: one document ("page") per app per recorder flush, its records
// as one JSON string. Embedded FerretDB spends ~75 µs per inserted document and decodes every
// document a filter looks at; a page costs ~10 µs per record and is one document to decode.

/** One proxied request, as the proxy records it (optional fields only when set). */
export interface StoredRequest {
  /** The request id (x-request-id). */
  _id: string
  appId: string
  method: string
  path: string
  status: number
  latencyMs: number
  cold: boolean
  /** Time spent waking the app for this request, in ms (cold starts only). */
  wakeMs?: number | null
  error?: string | null
  traceback?: string | null
  at: Date
}

/** A request record as read: the id as `requestId` too, absent fields as null. */
export type RequestRecord = StoredRequest & { requestId: string; wakeMs: number | null; error: string | null }

/** A page of one app's records, oldest first in `items`. */
export interface RequestPageDoc {
  _id: string
  appId: string
  /** The oldest and newest record's time. */
  from: Date
  at: Date
  n: number
  errors: number
  colds: number
  items: string
}

type Item = Omit<StoredRequest, 'appId' | 'at'> & { at: number }

/** Groups records by app into pages (pure: the same records make the same page ids). */
export function pack(records: StoredRequest[]): RequestPageDoc[] {
  const byApp = new Map<string, StoredRequest[]>()
  for (const r of records) {
    const list = byApp.get(r.appId)
    if (list) list.push(r)
    else byApp.set(r.appId, [r])
  }
  return [...byApp].map(([appId, rs]) => {
    const items: Item[] = rs.map(({ appId: _, at, ...rest }) => ({ ...rest, at: at.getTime() }))
    const times = items.map((i) => i.at)
    return {
      _id: `${items[0]!._id}-${Bun.hash(items.map((i) => i._id).join(' ')).toString(36)}`, appId, from: new Date(Math.min(...times)), at: new Date(Math.max(...times)), n: items.length,
      errors: items.filter((i) => i.status >= 500).length, colds: items.filter((i) => i.cold).length,
      items: JSON.stringify(items),
    }
  })
}

/** A page's records, newest first (pure). */
export function unpack(page: Pick<RequestPageDoc, 'appId' | 'items'>, withTraceback = true): RequestRecord[] {
  const items = JSON.parse(page.items) as Item[]
  const out: RequestRecord[] = []
  for (let i = items.length - 1; i >= 0; i--) {
    const { at, traceback, ...rest } = items[i]!
    out.push({
      ...rest, appId: page.appId, at: new Date(at), requestId: rest._id, wakeMs: rest.wakeMs ?? null, error: rest.error ?? null,
      ...(withTraceback ? { traceback: traceback ?? null } : {}),
    })
  }
  return out
}
