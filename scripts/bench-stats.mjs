// What every benchmark script shares: order statistics over samples, and whether a peer tool is installed.
import {spawnSync} from 'node:child_process'

/** The p-quantile (0–1) of the samples, nearest rank; percentile(xs, 0.5) is the median. */
export const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]
export const median = (xs) => percentile(xs, 0.5)
/** True when `command` is on PATH (a peer such as mkcert or pebble is installed). */
export const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0
