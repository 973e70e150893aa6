import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/config'

describe('config', () => {
  test('defaults', () => {
    const c = loadConfig({}, '/srv/fp')
    expect(c).toMatchObject({ port: 8080, dataDir: '/srv/fp/.data', runtime: 'local', baseUrl: 'http://localhost:8080', mongoUrl: undefined })
    expect(c.runnerPython).toBe('/srv/fp/runner/.venv/bin/python')
  })
  test('overrides and normalisation', () => {
    const c = loadConfig({ PORT: '9000', APPS_DOMAIN: '.Apps.Example.com.', BASE_URL: 'https://fp.example.com/', MONGO_URL: 'mongodb://db/' }, '/x')
    expect(c).toMatchObject({ port: 9000, appsDomain: 'apps.example.com', baseUrl: 'https://fp.example.com', mongoUrl: 'mongodb://db/' })
  })
  test('clear errors for bad values', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow('PORT must be')
    expect(() => loadConfig({ RUNTIME: 'docker' })).toThrow('RUNTIME must be')
  })
})
