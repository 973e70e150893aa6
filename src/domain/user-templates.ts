// Template catalog: the built-ins plus templates users saved from their app versions (issue 9).
// A user template is private to its owner until an admin publishes it; it never carries env values.
import { nanoid } from 'nanoid'
import type { UserTemplateDoc } from '../data/templates.repo'
import type { PublicUser } from './auth'
import type { DomainDeps } from './context'
import { badRequest, conflict, DomainError, forbidden, notFound } from './errors'
import type { Template } from './templates'

/** A call the guide tab can run in one click. */
export interface TemplateCall {
  method: string
  path: string
  body?: string
  /** The status a smoke check expects, when the call comes from one. */
  expect?: number
}

/** A template as lists show it (no files). */
export interface TemplateSummary {
  name: string
  title: string
  description: string
  level: 'beginner' | 'intermediate'
  tags: string[]
  kind: 'builtin' | 'user'
  published: boolean
  /** The owner's email (user templates only). */
  owner: string | null
  mine: boolean
}

/** A template with what a new app needs. */
export interface ResolvedTemplate extends TemplateSummary {
  entrypoint: string
  files: Record<string, string>
  /** Env a new app starts with: built-in defaults, or a user template's names with empty values. */
  env: Record<string, string>
  guide: string
  calls: TemplateCall[]
}

/** What a user sends to save a version as a template. */
export interface SaveTemplateInput {
  app_id: string
  version?: number
  name: string
  title: string
  description?: string
  tags?: string[]
  level?: string
  guide?: string
}

/** What may change on an existing template. */
export type EditTemplateInput = Partial<Pick<SaveTemplateInput, 'name' | 'title' | 'description' | 'tags' | 'level' | 'guide'>>

/** Templates one user may keep (each holds up to an app's 500 KB of files). */
export const MAX_TEMPLATES_PER_USER = 50
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/
const TAG = /^[a-z0-9][a-z0-9-]{0,23}$/
const RESERVED = new Set(['blank', 'new', 'mine', 'published', 'builtin'])
const METHODS = 'GET|POST|PUT|PATCH|DELETE'
/** Smoke checks of vendored assets prove the app works offline; they are no lesson, so the guide skips them. */
const STATIC_FILE = /\.(js|css|map)(\?|$)/
const GUIDE_CALL = new RegExp(`\\b(${METHODS})\\s+\`?(/[^\\s\`]*)\`?(?:\\s+with\\s+\`([^\`]+)\`)?`, 'g')

/** Calls a guide names in prose, e.g. "POST `/items` with `{"name": "tea"}`" or "`GET /items`". */
export function guideCalls(guide: string): TemplateCall[] {
  const out: TemplateCall[] = []
  for (const m of guide.matchAll(GUIDE_CALL)) out.push({ method: m[1]!, path: m[2]!, ...(m[3] ? { body: m[3] } : {}) })
  return out
}

/** Checks before a template is shown: the smoke checks first (CI proves them), then the guide's calls; one per method+path+body. */
export function mergeCalls(...lists: TemplateCall[][]): TemplateCall[] {
  const seen = new Set<string>()
  const out: TemplateCall[] = []
  for (const c of lists.flat()) {
    const key = `${c.method} ${c.path} ${c.body ?? ''}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push(c)
  }
  return out.slice(0, 12)
}

/** The name rule, with a message a person can act on (400). */
export function checkTemplateName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw badRequest('template name: 1–40 lower-case letters, digits and dashes, not starting or ending with a dash (e.g. "class-todo-api")')
  }
  if (RESERVED.has(name)) throw badRequest(`template name "${name}" is reserved`)
  return name
}

function checkText(field: string, value: unknown, max: number, required: boolean): string {
  if (value === undefined && !required) return ''
  if (typeof value !== 'string' || (required && !value.trim())) throw badRequest(`${field} is required`)
  const v = value.trim()
  if (v.length > max) throw badRequest(`${field} must be at most ${max} characters`)
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(v)) throw badRequest(`${field} contains control characters`)
  return v
}

function checkLevel(level: unknown): 'beginner' | 'intermediate' {
  if (level === undefined) return 'beginner'
  if (level !== 'beginner' && level !== 'intermediate') throw badRequest('level must be "beginner" or "intermediate"')
  return level
}

function checkTags(tags: unknown): string[] {
  if (tags === undefined) return []
  if (!Array.isArray(tags) || tags.length > 8) throw badRequest('tags: a list of at most 8')
  const out = [...new Set(tags.map((t) => (typeof t === 'string' ? t.trim().toLowerCase() : '')))]
  const bad = out.find((t) => !TAG.test(t))
  if (bad !== undefined) throw badRequest(`tag "${String(bad).slice(0, 30)}": lower-case letters, digits and dashes, at most 24`)
  return out
}

function builtinSummary(t: Template): TemplateSummary {
  return { name: t.name, title: t.title, description: t.description, level: t.level, tags: t.tags, kind: 'builtin', published: true, owner: null, mine: false }
}

function userSummary(t: UserTemplateDoc, me: PublicUser): TemplateSummary {
  return {
    name: t.name, title: t.title, description: t.description, level: t.level, tags: t.tags, kind: 'user',
    published: t.published, owner: t.ownerId ? t.ownerEmail : null, mine: t.ownerId === me.id,
  }
}

/** The template catalog: lists, resolves, saves, edits, publishes and deletes. */
export function templateCatalog(deps: DomainDeps, builtins: Template[]) {
  const { templates, apps } = deps.repos
  const builtin = (name: string) => builtins.find((t) => t.name === name)

  /** A user template the user may see, else 404 (private ones of others are not revealed). */
  async function visible(me: PublicUser, name: string): Promise<UserTemplateDoc> {
    const t = await templates.byName(String(name))
    if (!t || !(t.published || t.ownerId === me.id || me.role === 'admin')) throw notFound('template')
    return t
  }
  /** A user template the user may change: the owner's, or any for an admin. */
  async function editable(me: PublicUser, name: string): Promise<UserTemplateDoc> {
    if (builtin(name)) throw forbidden('built-in templates cannot be changed')
    const t = await visible(me, name)
    if (t.ownerId !== me.id && me.role !== 'admin') throw forbidden('only its owner or an admin may change this template')
    return t
  }
  async function freeName(name: string) {
    if (builtin(name) || (await templates.nameTaken(name))) throw conflict(`a template named "${name}" exists: pick another name`)
  }

  return {
    /** Built-ins, the user's own, published ones (and, for an admin, everybody's private ones). */
    async list(me: PublicUser): Promise<{ builtin: TemplateSummary[]; mine: TemplateSummary[]; published: TemplateSummary[]; others: TemplateSummary[] }> {
      const users = (await templates.visible(me.id, me.role === 'admin')).map((t) => userSummary(t, me))
      return {
        builtin: builtins.map(builtinSummary),
        mine: users.filter((t) => t.mine),
        published: users.filter((t) => !t.mine && t.published),
        others: users.filter((t) => !t.mine && !t.published),
      }
    },

    /** A template with its files, as the user may see it. */
    async resolve(me: PublicUser, name: string): Promise<ResolvedTemplate> {
      const b = builtin(String(name))
      if (b) {
        return {
          ...builtinSummary(b), entrypoint: b.entrypoint, files: b.files, env: b.env ?? {}, guide: b.guide,
          calls: mergeCalls(
            b.checks.filter((c) => !STATIC_FILE.test(c.path)).map((c) => ({ method: c.method, path: c.path, body: c.body, expect: c.expect_status })),
            guideCalls(b.guide),
          ),
        }
      }
      const t = await visible(me, name)
      return {
        ...userSummary(t, me), entrypoint: t.entrypoint, files: t.files, guide: t.guide,
        env: Object.fromEntries(t.envKeys.map((k) => [k, ''])), calls: mergeCalls(t.calls, guideCalls(t.guide)),
      }
    },

    /** Saves an app version (the current one, else the draft) as a private template of its owner. */
    async save(me: PublicUser, input: SaveTemplateInput): Promise<TemplateSummary> {
      const name = checkTemplateName(input.name)
      const title = checkText('title', input.title, 80, true)
      const description = checkText('description', input.description, 300, false)
      const level = checkLevel(input.level)
      const tags = checkTags(input.tags)
      const app = await apps.get(me.id, String(input.app_id))
      if (!app) throw notFound('app')
      const version = input.version ?? app.currentVersion
      let files = app.draft.files
      let entrypoint = app.draft.entrypoint
      if (version != null) {
        const v = await apps.version(app._id, Number(version))
        if (!v) throw notFound('version')
        files = v.files
        entrypoint = v.entrypoint
      }
      const origin = app.template ? await this.resolve(me, app.template).catch(() => null) : null
      const guide = input.guide === undefined ? origin?.guide ?? '' : checkText('guide', input.guide, 8000, false)
      await freeName(name)
      if ((await templates.countByOwner(me.id)) >= MAX_TEMPLATES_PER_USER) {
        throw conflict(`you have ${MAX_TEMPLATES_PER_USER} templates already: delete one first`)
      }
      const now = deps.now()
      const doc: UserTemplateDoc = {
        _id: nanoid(12), name, ownerId: me.id, ownerEmail: me.email, title, description, level, tags, entrypoint, files,
        envKeys: app.env.map((e) => e.name), guide, calls: (origin?.calls ?? []).map(({ method, path, body }) => ({ method, path, ...(body ? { body } : {}) })),
        published: false, source: { appId: app._id, version: version ?? null }, createdAt: now, updatedAt: now,
      }
      try {
        await templates.insert(doc)
      } catch (err) {
        if ((err as { code?: number }).code === 11000) throw conflict(`a template named "${name}" exists: pick another name`)
        throw err
      }
      return userSummary(doc, me)
    },

    /** Renames or re-describes a template (owner or admin). */
    async edit(me: PublicUser, name: string, input: EditTemplateInput): Promise<TemplateSummary> {
      const t = await editable(me, name)
      const set: Parameters<typeof templates.update>[1] = {}
      if (input.name !== undefined && input.name !== t.name) {
        set.name = checkTemplateName(input.name)
        await freeName(set.name)
      }
      if (input.title !== undefined) set.title = checkText('title', input.title, 80, true)
      if (input.description !== undefined) set.description = checkText('description', input.description, 300, false)
      if (input.level !== undefined) set.level = checkLevel(input.level)
      if (input.tags !== undefined) set.tags = checkTags(input.tags)
      if (input.guide !== undefined) set.guide = checkText('guide', input.guide, 8000, false)
      try {
        await templates.update(t._id, set)
      } catch (err) {
        if ((err as { code?: number }).code === 11000) throw conflict(`a template named "${set.name}" exists: pick another name`)
        throw err
      }
      return userSummary({ ...t, ...set }, me)
    },

    /** Publishes to everybody, or back to private (admins only). */
    async publish(me: PublicUser, name: string, published: boolean): Promise<TemplateSummary> {
      if (me.role !== 'admin') throw forbidden('only an admin may publish templates')
      const t = await editable(me, name)
      await templates.update(t._id, { published })
      return userSummary({ ...t, published }, me)
    },

    /** Deletes a user template (owner or admin). */
    async remove(me: PublicUser, name: string): Promise<void> {
      const t = await editable(me, name)
      await templates.remove(t._id)
    },

    /** The user is being deleted: private templates go, published ones stay (class links keep working). */
    removeOwner: (userId: string) => templates.removeOwner(userId),

    /** The guide and calls the editor shows for an app started from `name` (empty when gone or hidden). */
    async guideFor(me: PublicUser, name: string | null | undefined): Promise<{ guide: string; calls: TemplateCall[] }> {
      if (!name) return { guide: '', calls: [] }
      try {
        const t = await this.resolve(me, name)
        return { guide: t.guide, calls: t.calls }
      } catch (err) {
        if (err instanceof DomainError && err.status === 404) return { guide: '', calls: [] }
        throw err
      }
    },
  }
}

/** The catalog's shape. */
export type TemplateCatalog = ReturnType<typeof templateCatalog>
