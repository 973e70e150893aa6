// A small JSON client for tests that talk to a platform over HTTP (e.g. a spawned `bun src/main.ts`).

export interface JsonResponse {
  status: number
  body: any
}

/** `json(method, path, body?, token?)` against `base`: sends JSON (and a bearer token if given), parses the JSON answer. */
export function jsonClient(base: string) {
  return async (method: string, path: string, body?: unknown, token?: string): Promise<JsonResponse> => {
    const r = await fetch(base + path, {
      method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: r.status, body: (await r.json()) as any }
  }
}
