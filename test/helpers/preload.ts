// Loaded before every test file (bunfig.toml): tears down shared servers once the run ends.
import { afterAll } from 'bun:test'
import { stopAll } from './platform'

afterAll(async () => {
  await stopAll()
})
