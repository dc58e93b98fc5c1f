import {profilesMeta} from '../profiles.js'

/** Every path this server answers; URLs are `origin + path`, origin being the scheme and Host the client used. */
export const PATHS = {
  directory: '/directory',
  newNonce: '/acme/new-nonce',
  newAccount: '/acme/new-account',
  newOrder: '/acme/new-order',
  revokeCert: '/acme/revoke-cert',
  keyChange: '/acme/key-change',
  renewalInfo: '/acme/renewal-info',
  account: '/acme/acct/',
  order: '/acme/order/',
  authz: '/acme/authz/',
  challenge: '/acme/chall/',
  certificate: '/acme/cert/',
} as const

/** Builds the absolute URLs of one origin (RFC 8555 §7.1: every resource is named by its URL). */
export function urlsFor(origin: string) {
  return {
    directory: origin + PATHS.directory,
    account: (id: string) => `${origin}${PATHS.account}${id}`,
    orders: (accountId: string) => `${origin}${PATHS.account}${accountId}/orders`,
    order: (id: string) => `${origin}${PATHS.order}${id}`,
    finalize: (id: string) => `${origin}${PATHS.order}${id}/finalize`,
    authz: (orderId: string, index: number) => `${origin}${PATHS.authz}${orderId}/${index}`,
    challenge: (orderId: string, index: number, type: string) => `${origin}${PATHS.challenge}${orderId}/${index}/${type}`,
    certificate: (id: string) => `${origin}${PATHS.certificate}${id}`,
  }
}

export type Urls = ReturnType<typeof urlsFor>

/**
 * The directory object (RFC 8555 §7.1.1, RFC 9773 §3, profiles draft §3). No `newAuthz`: pre-authorization
 * happens by policy, not by a separate request. No `termsOfService`: there is nothing to agree to locally.
 * @example directoryFor('https://localhost:8555', true).newAccount // 'https://localhost:8555/acme/new-account'
 */
export function directoryFor(origin: string, externalAccountRequired: boolean) {
  return {
    newNonce: origin + PATHS.newNonce,
    newAccount: origin + PATHS.newAccount,
    newOrder: origin + PATHS.newOrder,
    revokeCert: origin + PATHS.revokeCert,
    keyChange: origin + PATHS.keyChange,
    renewalInfo: origin + PATHS.renewalInfo,
    meta: {
      externalAccountRequired,
      profiles: profilesMeta(),
    },
  }
}
