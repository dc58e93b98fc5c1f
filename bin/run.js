#!/usr/bin/env node
import {execute, settings} from '@oclif/core'

// Our commands are shipped compiled and bundled: never look for tsconfig/ts-node (saves a few ms per run).
settings.enableAutoTranspile = false
await execute({dir: import.meta.url})
