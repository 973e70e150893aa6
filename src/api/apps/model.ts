// Request schemas of the apps API. Paths and sizes of files are checked by the domain.
import { t } from 'elysia'

const files = t.Record(t.String(), t.String(), { description: 'relative path → text content' })
const entrypoint = t.String({ maxLength: 200 })
const envValues = t.Record(t.String({ maxLength: 128 }), t.Union([t.String(), t.Null()]))

/** POST /api/apps */
export const createApp = t.Object({
  name: t.String({ maxLength: 100 }),
  /** Start from a template (built-in or a user template the caller may see) instead of `files`. */
  template: t.Optional(t.String({ maxLength: 60 })),
  files: t.Optional(files),
  entrypoint: t.Optional(entrypoint),
  env: t.Optional(envValues),
  deploy: t.Optional(t.Boolean()),
})

/** PUT /api/apps/:id */
export const updateApp = t.Object({
  name: t.Optional(t.String({ maxLength: 100 })),
  files: t.Optional(files),
  entrypoint: t.Optional(entrypoint),
  env: t.Optional(envValues),
  deploy: t.Optional(t.Boolean()),
})

/** PUT /api/apps/:id/draft and POST /api/apps/:id/deploy|validate */
export const draft = t.Optional(t.Object({
  files: t.Optional(files),
  entrypoint: t.Optional(entrypoint),
  name: t.Optional(t.String({ maxLength: 100 })),
  /** Merge `files` into the current draft instead of replacing it (upload only what changed). */
  merge: t.Optional(t.Boolean()),
  /** With merge: paths to remove from the draft. */
  delete: t.Optional(t.Array(t.String({ maxLength: 200 }), { maxItems: 50 })),
}))

/** POST /api/apps/validate */
export const validate = t.Object({ files, entrypoint: t.Optional(entrypoint) })

/** PUT /api/apps/:id/env */
export const env = t.Object({ env: envValues, replace: t.Optional(t.Boolean()), restart: t.Optional(t.Boolean()) })

/** POST /api/apps/:id/rollback */
export const rollback = t.Object({ version: t.Integer({ minimum: 1 }) })

/** POST /api/apps/:id/clone */
export const clone = t.Optional(t.Object({
  name: t.Optional(t.String({ maxLength: 100 })),
  version: t.Optional(t.Integer({ minimum: 1 })),
  deploy: t.Optional(t.Boolean()),
}))

/** PUT /api/apps/:id/settings */
export const settings = t.Object({
  idleMinutes: t.Optional(t.Integer()),
  maxAttempts: t.Optional(t.Integer()),
  concurrency: t.Optional(t.Integer()),
  cpu: t.Optional(t.Union([t.String({ maxLength: 20 }), t.Null()])),
  memory: t.Optional(t.Union([t.String({ maxLength: 20 }), t.Null()])),
})

/** GET /api/apps/:id/requests */
export const requestsQuery = t.Object({
  limit: t.Optional(t.Numeric()),
  before: t.Optional(t.String({ maxLength: 40 })),
  errors: t.Optional(t.BooleanString()),
})
