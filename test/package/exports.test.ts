import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {ROOT, sh, tempDir} from '../support/env.js'
import {scratchProject} from '../support/project.js'

// What a project that ran `npm install localcert` sees: the packed tarball, required and imported from outside.
let project: string
const home = tempDir('localcert-exports-home-')
beforeAll(async () => {
  project = await scratchProject()
})

/** Runs a file in the scratch project with the Node running this suite (20 or 24 in CI) and returns its stdout as JSON. */
async function runIn(file: string, source: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Record<string, unknown>> {
  writeFileSync(path.join(project, file), source)
  const result = await sh(process.execPath, [...args, file], {cwd: project, env: {LOCALCERT_HOME: home, NODE_OPTIONS: '', ...env}})
  expect(result.stderr, `${file} wrote to stderr`).toBe('')
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as Record<string, unknown>
}

/** Entry points of the public Node API (src/index.ts) that both builds, ESM and CommonJS, must export. */
const PUBLIC_API = ['issueCertificate', 'httpsOptions', 'autoRenew', 'startAcmeServer', 'renewalAt', 'renewalDue', 'LocalcertError', 'isLocalcertError', 'DEFAULT_ACME_PORT']

const SERVE_AND_FETCH = `
  const options = await api.httpsOptions(['app.localhost'])
  const server = https.createServer(options, (req, res) => res.end('ok over ' + req.socket.getProtocol())).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const body = await new Promise((resolve, reject) => {
    https.get({host: '127.0.0.1', port: server.address().port, servername: 'app.localhost', ca: options.ca}, (res) => {
      let text = ''
      res.on('data', (chunk) => (text += chunk)).on('end', () => resolve(text))
    }).on('error', reject)
  })
  server.close()
`

describe('the package as installed from npm', () => {
  it('is required from CommonJS, with the Vite plugin, and serves HTTPS trusted by its root alone', async () => {
    const out = await runIn('app.cjs', `
      const https = require('node:https')
      const api = require('localcert')
      const vite = require('localcert/vite')
      ;(async () => {
        ${SERVE_AND_FETCH}
        // the same process may hold both builds (a CJS config, an ESM app): an error from one is recognised by the other
        const esm = await import('localcert')
        const fromEsm = await esm.issueCertificate(['example.com']).catch((error) => error)
        const crossBuild = fromEsm instanceof api.LocalcertError === false && api.isLocalcertError(fromEsm) && fromEsm.code === 'NAME_NOT_ALLOWED'
        const loaded = Object.keys(require.cache)
        console.log(JSON.stringify({
          exports: Object.keys(api).sort(), plugin: vite.localcert().name, sameDefault: vite.default === vite.localcert, body,
          terminal: loaded.filter((file) => /[\\\\/](@oclif|chalk|ora|ink)[\\\\/]|[\\\\/]dist[\\\\/](cli|oclif)[\\\\/]/.test(file)),
          resolved: require.resolve('localcert'), crossBuild, isError: api.isLocalcertError(new api.LocalcertError('INVALID_NAME', 'm', 'h')),
        }))
      })()
    `)
    expect(out.body).toBe('ok over TLSv1.3')
    expect(out.plugin).toBe('localcert')
    expect(out.sameDefault).toBe(true)
    expect(out.isError).toBe(true)
    expect(out.crossBuild).toBe(true)
    expect(out.resolved).toMatch(/node_modules[\\/]localcert[\\/]dist[\\/]cjs[\\/]index\.js$/)
    expect(out.exports).toEqual(expect.arrayContaining(PUBLIC_API))
    expect(out.terminal).toEqual([])
  })

  it('is imported from ESM and never loads oclif or terminal code', async () => {
    // a resolve hook records every module the program loads, ESM and CommonJS alike
    writeFileSync(path.join(project, 'record.mjs'), `
      import {register} from 'node:module'
      register('data:text/javascript,' + encodeURIComponent(\`
        import {appendFileSync} from 'node:fs'
        export async function resolve(specifier, context, next) {
          const result = await next(specifier, context)
          appendFileSync(process.env.RECORD, result.url + '\\\\n')
          return result
        }\`))
    `)
    const record = path.join(tempDir(), 'loaded.txt')
    writeFileSync(record, '')
    const out = await runIn('app.mjs', `
      import https from 'node:https'
      import * as api from 'localcert'
      import localcert, {viteNames} from 'localcert/vite'
      ${SERVE_AND_FETCH}
      console.log(JSON.stringify({body, plugin: localcert().name, viteNames: typeof viteNames, resolved: import.meta.resolve('localcert'), exports: Object.keys(api)}))
    `, ['--import', './record.mjs'], {RECORD: record})
    expect(out.body).toBe('ok over TLSv1.3')
    expect(out.plugin).toBe('localcert')
    expect(out.viteNames).toBe('function')
    expect(out.exports).toEqual(expect.arrayContaining(PUBLIC_API))
    expect(out.resolved).toMatch(/node_modules\/localcert\/dist\/index\.js$/)
    const loaded = readFileSync(record, 'utf8').split('\n').filter(Boolean)
    expect(loaded.some((url) => url.includes('/localcert/dist/index.js'))).toBe(true)
    expect(loaded.filter((url) => /\/(@oclif|chalk|ora|ink)\/|\/dist\/(cli|oclif)\//.test(url))).toEqual([])
  })

  // skipLibCheck as in tsc --init and the Vite and Next templates: @peculiar/asn1-schema's own declarations import an ESM-only package from CJS
  it('has types for import and for require that TypeScript resolves under node16 and nodenext', async () => {
    writeFileSync(path.join(project, 'consumer.cts'), `
      import https = require('node:https')
      import lc = require('localcert')
      import vite = require('localcert/vite')
      const plugin: {name: 'localcert'} = vite.localcert({names: ['app.localhost']})
      // @ts-expect-error the options are typed, not any
      vite.localcert({days: 'seven'})
      export async function start(): Promise<https.Server> {
        const options: lc.HttpsOptions = await lc.httpsOptions(['app.localhost'], {days: 7})
        void plugin
        return https.createServer(options)
      }
    `)
    writeFileSync(path.join(project, 'consumer.mts'), `
      import {httpsOptions, isLocalcertError, type ErrorCode} from 'localcert'
      import localcert from 'localcert/vite'
      const code: ErrorCode = 'NAME_NOT_ALLOWED'
      export const ready = httpsOptions().then((o) => o.notAfter.getTime()).catch((e: unknown) => isLocalcertError(e) && e.code === code)
      export const plugin = localcert()
      // @ts-expect-error a typo in an option is a type error
      localcert({nmaes: []})
    `)
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    for (const module of ['node16', 'nodenext']) {
      const result = await sh(process.execPath, [tsc, '--noEmit', '--strict', '--module', module, '--moduleResolution', module, '--types', 'node', '--skipLibCheck', 'consumer.cts', 'consumer.mts'], {cwd: project})
      expect(result.stdout + result.stderr, `tsc --module ${module}`).toBe('')
      expect(result.code).toBe(0)
    }
  })

  it('ships only what it needs: both builds and their types, no sources or tests', async () => {
    const files = (await sh('find', ['.', '-type', 'f'], {cwd: path.join(project, 'node_modules', 'localcert')})).stdout.split('\n').filter(Boolean)
    for (const needed of ['./dist/index.js', './dist/index.d.ts', './dist/cjs/index.js', './dist/cjs/index.d.ts', './dist/cjs/package.json', './dist/vite.js', './dist/cjs/vite.js', './dist/cjs/api/vite.d.ts', './bin/run.js', './oclif.manifest.json']) {
      expect(files, needed).toContain(needed)
    }
    expect(files.filter((file) => /^\.\/(src|test|scripts)\//.test(file) || file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([])
  })
})
