// Writes oclif.manifest.json (what `oclif manifest` does) with @oclif/core alone, so we need not install the
// 220-package oclif dev CLI. The manifest lets oclif list commands without importing every command file.
import {rm, writeFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'
import path from 'node:path'
import {Plugin} from '@oclif/core'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const file = path.join(root, 'oclif.manifest.json')
await rm(file, {force: true})
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, isRoot: true})
await plugin.load()
if (plugin.commandIDs.length === 0) throw new Error('no commands found in dist/oclif/commands: build first')
await writeFile(file, JSON.stringify(plugin.manifest, null, 2) + '\n')
console.error(`oclif.manifest.json: ${plugin.commandIDs.length} commands`)
