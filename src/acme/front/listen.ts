import https from 'node:https'
import type {AddressInfo} from 'node:net'
import {LocalcertError} from '../../errors.js'

export const LOOPBACK_HOSTS = ['127.0.0.1', '::1'] as const

export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '*'
}

function listenOnce(server: https.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening)
      reject(error)
    }
    const onListening = () => {
      server.off('error', onError)
      resolve((server.address() as AddressInfo).port)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen({host: host === '*' ? '::' : host, port, exclusive: true})
  })
}

function closeServer(server: https.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve()
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/**
 * Listens on every host with the same port. Port 0 picks a free port on the first host and retries the set when
 * that port is taken on another. An address this machine lacks (no IPv6) is skipped when `optional` says so.
 * @example const {port, bound} = await listenAll(() => https.createServer(opts, handler), ['127.0.0.1', '::1'], 0, new Set(['::1']))
 */
export async function listenAll(create: () => https.Server, hosts: readonly string[], port: number, optional: ReadonlySet<string>): Promise<{port: number; servers: https.Server[]; bound: string[]}> {
  for (let attempt = 0; ; attempt++) {
    const servers: https.Server[] = []
    const bound: string[] = []
    let chosen = port
    try {
      for (const host of hosts) {
        const server = create()
        try {
          chosen = await listenOnce(server, host, chosen)
          servers.push(server)
          bound.push(host)
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code
          if (optional.has(host) && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) continue
          throw error
        }
      }
      if (servers.length === 0) throw new LocalcertError('ADDRESS_UNAVAILABLE', `cannot listen on ${hosts.join(', ')}`, 'pass --host with an address of this machine')
      return {port: chosen, servers, bound}
    } catch (error) {
      await Promise.all(servers.map(closeServer))
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EADDRINUSE' && port === 0 && attempt < 5) continue
      if (code === 'EADDRINUSE') throw new LocalcertError('PORT_IN_USE', `port ${chosen} is already in use on ${hosts.join(' / ')}`, 'stop the program using it, or pick another port with --port (0 picks a free one)')
      if (code === 'EACCES') throw new LocalcertError('PERMISSION_DENIED', `not allowed to listen on port ${chosen}`, 'ports below 1024 need privileges; use the default 8555 or another port above 1023')
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new LocalcertError('ADDRESS_UNAVAILABLE', `cannot listen on ${hosts.join(', ')}: no such address on this machine`, 'pass --host with an address of this machine, e.g. 127.0.0.1')
      throw error
    }
  }
}

export {closeServer}
