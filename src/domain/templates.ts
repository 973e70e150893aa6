// Built-in app templates: YAML files in templates/, checked at start-up; a broken one is reported, never fatal.
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve, sep } from 'node:path'
import { parse } from 'yaml'
import { fileSetProblems } from '../lib/files'

/** One smoke check of a template: a call and what its answer must contain. */
export interface TemplateCheck {
  method: string
  path: string
  body?: string
  expect_status: number
  expect_contains?: string
}

/** A template a new app can start from. */
export interface Template {
  name: string
  title: string
  description: string
  level: 'beginner' | 'intermediate'
  tags: string[]
  entrypoint: string
  files: Record<string, string>
  guide: string
  checks: TemplateCheck[]
  /** Default env vars (never secrets of a real user). */
  env?: Record<string, string>
  /**
   * Browser libraries copied into the app from the platform's node_modules (file path → package path),
   * so the app works offline instead of loading them from a CDN (DESIGN: installs are often offline).
   */
  vendor?: Record<string, string>
  /** Cron triggers an app from this template usually wants. */
  cron?: { expr: string; method?: string; path?: string; timezone?: string }[]
}

/** Loads and checks every template in `dir`; problems are returned, not thrown. */
export function loadTemplates(dir: string): { templates: Template[]; problems: string[] } {
  const templates: Template[] = []
  const problems: string[] = []
  let names: string[] = []
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort()
  } catch {
    return { templates, problems: [`templates directory ${dir} is missing`] }
  }
  for (const file of names) {
    try {
      const t = parse(readFileSync(join(dir, file), 'utf8')) as Partial<Template>
      if (t && typeof t === 'object' && t.vendor) t.files = { ...t.files, ...vendorFiles(t.vendor) }
      const why = checkTemplate(t)
      if (why) problems.push(`${file}: ${why}`)
      else templates.push({ tags: [], guide: '', checks: [], level: 'beginner', ...t } as Template)
    } catch (e) {
      problems.push(`${file}: ${(e as Error).message}`)
    }
  }
  // the gallery shows the friendliest first: the hello API, then beginner, then the rest by title
  const rank = (t: Template) => (t.name === 'hello-api' ? 0 : t.level === 'beginner' ? 1 : 2)
  templates.sort((a, b) => rank(a) - rank(b) || a.title.localeCompare(b.title))
  return { templates, problems }
}

const NODE_MODULES = resolve(import.meta.dir, '../../node_modules')
const PACKAGE_PATH = /^(@[a-z0-9._-]+\/)?[a-z0-9._-]+(\/[A-Za-z0-9._-]+)+$/

/** Reads each vendored file from node_modules; a path outside it or a missing file is an error. */
function vendorFiles(vendor: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [path, from] of Object.entries(vendor)) {
    const target = resolve(NODE_MODULES, String(from))
    if (!PACKAGE_PATH.test(String(from)) || String(from).split('/').includes('..') || !target.startsWith(NODE_MODULES + sep)) {
      throw new Error(`vendor file ${path}: "${from}" is not a path inside node_modules`)
    }
    out[path] = readFileSync(target, 'utf8')
  }
  return out
}

function checkTemplate(t: Partial<Template>): string | null {
  if (!t || typeof t !== 'object') return 'not a mapping'
  for (const k of ['name', 'title', 'description', 'entrypoint'] as const) if (typeof t[k] !== 'string' || !t[k]) return `missing "${k}"`
  if (!/^[a-z0-9-]{1,40}$/.test(t.name!)) return 'name must be lower-case letters, digits and dashes'
  const files = fileSetProblems(t.files)
  if (files.length) return files.map((p) => `${p.file} ${p.message}`).join('; ')
  if (!(t.entrypoint! in t.files!)) return `entrypoint ${t.entrypoint} is not one of its files`
  return null
}
