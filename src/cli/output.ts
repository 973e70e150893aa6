// Output for people (colour on a TTY) and for scripts (--json, no colour when piped).

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, failed: 1, usage: 2, auth: 3, notFound: 4, invalid: 5 } as const

const tty = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (code: string) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s)
/** Colours that vanish when piped. */
export const c = { green: paint('32'), red: paint('31'), yellow: paint('33'), dim: paint('2'), bold: paint('1'), cyan: paint('36') }

/** An error the CLI prints and exits with. */
export class CliError extends Error {
  constructor(message: string, readonly code: number = EXIT.failed) {
    super(message)
  }
}

/** Prints `data` as JSON when asked, else runs `human`. */
export function emit(json: boolean, data: unknown, human: () => void): void {
  if (json) console.log(JSON.stringify(data, null, 2))
  else human()
}

/** A spinner-free progress line on stderr (TTY only). */
export function progress(msg: string): void {
  if (process.stderr.isTTY) process.stderr.write(`${c.dim('…')} ${msg}\n`)
}
