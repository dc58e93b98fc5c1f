// What a user downloads and installs: `npm pack` of the built package, then a production install of that tarball
// into an empty project (`npm install --omit=dev`, dependencies from the registry through the user's npm cache).
// Prints the tarball size, the installed package count and the node_modules size (all of it and localcert's share),
// the heaviest dependencies, and writes .bench/package.json. Usage: node scripts/bench-package.mjs
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, lstatSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {root} from './bench-stats.mjs'

const work = mkdtempSync(path.join(tmpdir(), 'localcert-bench-package-'))
const npm = (args, cwd) => execFileSync('npm', args, {cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, npm_config_update_notifier: 'false'}})

/** Bytes on disk under `dir` (files' apparent sizes; symlinks not followed). */
function bytes(dir) {
  let total = 0
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry)
    const info = lstatSync(full)
    total += info.isDirectory() ? bytes(full) : info.size
  }
  return total
}

/** Every installed package directory (nested ones too), as `name → bytes`. */
function packages(modules, found = new Map()) {
  if (!existsSync(modules)) return found
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue
    const dirs = entry.startsWith('@') ? readdirSync(path.join(modules, entry)).map((name) => path.join(entry, name)) : [entry]
    for (const name of dirs) {
      const dir = path.join(modules, name)
      if (!existsSync(path.join(dir, 'package.json'))) continue
      found.set(path.relative(work, dir), bytes(dir) - (existsSync(path.join(dir, 'node_modules')) ? bytes(path.join(dir, 'node_modules')) : 0))
      packages(path.join(dir, 'node_modules'), found)
    }
  }
  return found
}

const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`
try {
  const tarball = path.join(work, npm(['pack', '--ignore-scripts', '--silent', '--pack-destination', work], root).trim().split('\n').pop())
  const project = path.join(work, 'project')
  mkdirSync(project)
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({name: 'bench-app', version: '1.0.0', private: true}))
  npm(['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], project)
  const installed = packages(path.join(project, 'node_modules'))
  const total = bytes(path.join(project, 'node_modules'))
  // what `du` reports (whole file-system blocks): the figure the issue quoted (14 MB before the cuts)
  const disk = Number(execFileSync('du', ['-sk', path.join(project, 'node_modules')], {encoding: 'utf8'}).split('\t')[0]) * 1024
  const own = installed.get(path.join('project', 'node_modules', 'localcert')) ?? 0
  const dependencies = [...installed].filter(([name]) => !name.endsWith(`${path.sep}localcert`))
  const direct = (await import(path.join(root, 'package.json'), {with: {type: 'json'}})).default.dependencies
  console.log('\n== package footprint (npm install --omit=dev of the packed tarball) ==')
  console.log(`tarball                      ${(statSync(tarball).size / 1024).toFixed(0)} KB`)
  console.log(`installed packages           ${installed.size} (localcert + ${dependencies.length} dependencies; ${Object.keys(direct).length} direct: ${Object.keys(direct).join(', ')})`)
  console.log(`node_modules                 ${mb(total)} of files, ${mb(disk)} on disk (du); localcert itself ${mb(own)}`)
  const heaviest = dependencies.sort((a, b) => b[1] - a[1]).slice(0, 8)
  console.log(`heaviest dependencies        ${heaviest.map(([name, size]) => `${name.replace(/^project\/node_modules\//, '')} ${(size / 1024).toFixed(0)} KB`).join(', ')}`)
  mkdirSync(path.join(root, '.bench'), {recursive: true})
  writeFileSync(path.join(root, '.bench', 'package.json'), JSON.stringify({date: new Date().toISOString(), node: process.version, tarballBytes: statSync(tarball).size, packages: installed.size, dependencies: dependencies.length, nodeModulesBytes: total, nodeModulesDiskBytes: disk, localcertBytes: own}, null, 2) + '\n')
} finally {
  rmSync(work, {recursive: true, force: true})
}
