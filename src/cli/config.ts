// Where the CLI keeps its login: $XDG_CONFIG_HOME/fastapi-platform/config.json, mode 0600.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

/** The stored login. */
export interface CliConfig {
  url: string
  token: string
  email?: string
}

/** The config file's path (FP_CONFIG_DIR overrides, for tests). */
export function configPath(env = process.env): string {
  const dir = env.FP_CONFIG_DIR || join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'fastapi-platform')
  return join(dir, 'config.json')
}

export function readConfig(): CliConfig | null {
  const p = configPath()
  if (!existsSync(p)) return null
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as CliConfig
  } catch {
    return null
  }
}

export function writeConfig(cfg: CliConfig): void {
  const p = configPath()
  mkdirSync(join(p, '..'), { recursive: true, mode: 0o700 })
  writeFileSync(p, JSON.stringify(cfg, null, 2) + '\n', { mode: 0o600 })
  chmodSync(p, 0o600)
}

export function clearConfig(): void {
  rmSync(configPath(), { force: true })
}
