import net from 'node:net'

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (bound, read and released), for a listener a test wants named but closed.
 * @example const port = await freePort()  // nothing listens on 127.0.0.1:port
 */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()))
  const {port} = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
