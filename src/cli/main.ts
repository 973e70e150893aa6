#!/usr/bin/env bun
// fp — the fastapi-platform CLI: a thin HTTP client over the platform API.
import { parseArgs, type Args } from './args'
import * as account from './commands/account'
import * as app from './commands/app'
import * as project from './commands/project'
import * as runs from './commands/runs'
import { c, CliError, EXIT } from './output'

const COMMANDS: Record<string, [(a: Args) => Promise<void>, string]> = {
  login: [account.login, 'login <url> [--token T | --email E --password P]   store a token for the platform'],
  logout: [account.logout, 'logout                                              forget the stored token'],
  whoami: [account.whoami, 'whoami                                              who you are, on which platform'],
  init: [project.init, 'init [name] [--template T]                          app.py (or a template) + .fp.yaml + .fpignore'],
  validate: [project.validate, 'validate                                            the platform\'s checks, locally, offline'],
  deploy: [project.deploy, 'deploy                                              upload what changed, deploy, print the URL'],
  dev: [runs.dev, 'dev [--port 8000] [--remote-db]                     run the app locally with the platform\'s runner, hot reload'],
  pull: [project.pull, 'pull NAME [--dir D]                                 an app\'s files and .fp.yaml into a directory'],
  apps: [app.apps, 'apps                                                your apps'],
  status: [app.status, 'status                                              status, version, URL, last request'],
  open: [app.open, 'open                                                open the app\'s URL'],
  logs: [app.logs, 'logs [--follow] [--since 1h] [--grep TEXT]          the app\'s output'],
  requests: [app.requests, 'requests [--errors] [--limit N]                     request history'],
  invoke: [app.invoke, 'invoke [--async] [-X METHOD] PATH [--data JSON]      call the app (or queue a run)'],
  runs: [runs.runs, 'runs [--status S] [--trigger T] [--since 24h|DATE]  async runs, cron ticks, webhooks'],
  replay: [runs.replay, 'replay RUN_ID                                       run a run again (linked to the old one)'],
  versions: [app.versions, 'versions                                            deployed versions'],
  rollback: [app.rollback, 'rollback [VERSION]                                  serve an earlier version again'],
  env: [app.env, 'env list|set K=V|unset K|pull|push [--reveal]       environment variables'],
  delete: [app.remove, 'delete --yes [--keep-database]                      delete the app'],
}

function help(cmd?: string): void {
  if (cmd && COMMANDS[cmd]) return console.log(`usage: fp ${COMMANDS[cmd][1]}\n\nCommon flags: --json (machine output), --app NAME (instead of .fp.yaml)`)
  console.log(`${c.bold('fp')} — deploy Python APIs to fastapi-platform\n\nusage: fp <command> [flags]\n`)
  for (const [, line] of Object.values(COMMANDS)) console.log(`  ${line}`)
  console.log('\nEvery command takes --json. Exit codes: 0 ok, 1 failed, 2 usage, 3 login, 4 not found, 5 invalid code.')
}

async function main(argv: string[]): Promise<number> {
  const a = parseArgs(argv)
  if (a.command === 'help' || a.command === '--help') {
    help(a.positional[0])
    return EXIT.ok
  }
  const entry = COMMANDS[a.command]
  if (!entry) {
    console.error(`unknown command "${a.command}"; see fp --help`)
    return EXIT.usage
  }
  if (a.flags.help) {
    help(a.command)
    return EXIT.ok
  }
  try {
    await entry[0](a)
    return EXIT.ok
  } catch (err) {
    if (err instanceof CliError) {
      if (err.message) console.error(`${c.red('error:')} ${err.message}`)
      return err.code
    }
    console.error(`${c.red('error:')} ${(err as Error).message}`)
    return EXIT.failed
  }
}

process.exit(await main(process.argv.slice(2)))
