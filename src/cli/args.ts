// Argument parsing: `fp CMD [SUB] [positional…] [--flag[=value] | --flag value | -X value]`.

/** Parsed command line. */
export interface Args {
  command: string
  positional: string[]
  flags: Record<string, string | boolean>
}

const BOOLEAN = new Set(['json', 'help', 'async', 'follow', 'reveal', 'yes', 'remote-db', 'keep-database', 'no-color'])
const SHORT: Record<string, string> = { X: 'method', d: 'data', f: 'follow', h: 'help', y: 'yes' }

/** Parses argv (without the program name). */
export function parseArgs(argv: string[]): Args {
  const positional: string[] = []
  const flags: Record<string, string | boolean> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      positional.push(...argv.slice(i + 1))
      break
    }
    let name: string | null = null
    let value: string | undefined
    if (arg.startsWith('--')) {
      ;[name, value] = arg.slice(2).split(/=(.*)/s) as [string, string | undefined]
    } else if (/^-[A-Za-z]$/.test(arg)) {
      name = SHORT[arg[1]!] ?? arg[1]!
    }
    if (name === null) {
      positional.push(arg)
      continue
    }
    if (value !== undefined) flags[name] = value
    else if (BOOLEAN.has(name)) flags[name] = true
    else if (i + 1 < argv.length) flags[name] = argv[++i]!
    else flags[name] = true
  }
  return { command: positional.shift() ?? 'help', positional, flags }
}
