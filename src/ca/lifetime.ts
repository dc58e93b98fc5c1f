/**
 * The one renewal rule, for everything localcert renews: the intermediate, the ACME endpoint's own certificate,
 * dev-server certificates, the ARI window it suggests to clients, and what `status` shows. Renew once two thirds
 * of the lifetime have passed (a third is left), as certbot and lego do by default for 90-day certificates.
 */

/**
 * The moment to renew a certificate valid from `notBefore` to `notAfter`.
 * @example renewalAt(new Date('2026-01-01'), new Date('2026-04-01')) // 2026-03-02, two thirds of the way
 */
export function renewalAt(notBefore: Date | string | number, notAfter: Date | string | number): Date {
  const start = new Date(notBefore).getTime()
  const end = new Date(notAfter).getTime()
  return new Date(end - (end - start) / 3)
}

/**
 * True once the renewal moment has come.
 * @example renewalDue(leaf.notBefore, leaf.notAfter) // false for a fresh certificate
 */
export function renewalDue(notBefore: Date | string | number, notAfter: Date | string | number, now = Date.now()): boolean {
  return now >= renewalAt(notBefore, notAfter).getTime()
}
