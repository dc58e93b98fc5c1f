import {LocalcertError} from '../errors.js'
import type {Authority} from '../ca/authority.js'

// Replaced by the trust-store work (issue 3).
export async function installEverywhere(_ca: Authority, _options: {yes: boolean; log: (line: string) => void}): Promise<unknown[]> {
  throw new LocalcertError('NOT_SUPPORTED', 'trust store installation is not available in this build', 'run `localcert setup --no-trust`')
}
