// The local project: .fp.yaml (name, entrypoint, env, idle_minutes), .fpignore, and its files.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { parse, stringify } from 'yaml'
import { fileSetProblems, pathProblem } from '../lib/files'
import { CliError, EXIT } from './output'

/** .fp.yaml */
export interface ProjectConfig {
  name: string
  entrypoint: string
  env?: Record<string, string>
  idle_minutes?: number
}

const ALWAYS_IGNORED = ['.git', 'node_modules', '__pycache__', '.venv', 'venv', '.fp.yaml', '.fpignore', '.env', '.DS_Store']

export function readProject(dir: string): ProjectConfig {
  const p = join(dir, '.fp.yaml')
  if (!existsSync(p)) throw new CliError('no .fp.yaml here: run `fp init` or `fp pull NAME` first', EXIT.usage)
  const cfg = parse(readFileSync(p, 'utf8')) as ProjectConfig
  if (!cfg?.name) throw new CliError('.fp.yaml needs a `name`', EXIT.invalid)
  return { ...cfg, entrypoint: cfg.entrypoint || 'app.py' }
}

export function writeProject(dir: string, cfg: ProjectConfig): void {
  writeFileSync(join(dir, '.fp.yaml'), stringify(cfg))
}

function ignorePatterns(dir: string): string[] {
  const p = join(dir, '.fpignore')
  const extra = existsSync(p) ? readFileSync(p, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')) : []
  return [...ALWAYS_IGNORED, ...extra]
}

function ignored(rel: string, patterns: string[]): boolean {
  const parts = rel.split('/')
  return patterns.some((pat) => {
    const p = pat.replace(/\/$/, '')
    if (p.includes('*')) {
      const re = new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*') + '$')
      return parts.some((x) => re.test(x)) || re.test(rel)
    }
    return parts.includes(p) || rel === p
  })
}

/** The project's files (what would be uploaded), checked like the platform checks them. */
export function collectFiles(dir: string): Record<string, string> {
  const patterns = ignorePatterns(dir)
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name)
      const rel = relative(dir, full).split(sep).join('/')
      if (ignored(rel, patterns)) continue
      if (statSync(full).isDirectory()) walk(full)
      else if (!pathProblem(rel)) out[rel] = readFileSync(full, 'utf8')
    }
  }
  walk(dir)
  const problems = fileSetProblems(out)
  if (problems.length) throw new CliError(problems.map((p) => `${p.file || 'project'}: ${p.message}`).join('\n'), EXIT.invalid)
  return out
}

/** Which files differ between local and remote. */
export function diffFiles(local: Record<string, string>, remote: Record<string, string>) {
  const changed = Object.keys(local).filter((f) => remote[f] !== local[f]).sort()
  const deleted = Object.keys(remote).filter((f) => !(f in local)).sort()
  return { changed, deleted }
}
