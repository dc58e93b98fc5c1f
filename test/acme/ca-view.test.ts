import {rename} from 'node:fs/promises'
import path from 'node:path'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {CaView} from '../../src/acme/ca-view.js'
import {openAuthority, rotateIntermediate} from '../../src/ca/authority.js'
import {tempDir} from '../support/env.js'

/** Moves the clock the view reads past its once-a-second recheck, without waiting. */
function later(ms: number): void {
  const now = Date.now() + ms
  vi.spyOn(Date, 'now').mockReturnValue(now)
}

describe('the ACME server\'s view of the CA', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('a request arriving while another refresh reads the rotated CA waits for that read, never answering from the old CA', async () => {
    const home = path.join(tempDir(), 'home')
    await openAuthority(home)
    const view = await CaView.open(home)
    const rotated = await rotateIntermediate(home)
    later(5_000)
    // the background check starts the read; a request right behind it must see its result
    const background = view.refresh()
    await view.refresh()
    expect(view.intermediateFingerprint).toBe(rotated.meta.intermediate.fingerprint)
    await background
  })

  it('a CA that fails to load under the server is read again on the next refresh, not forgotten', async () => {
    const home = path.join(tempDir(), 'home')
    await openAuthority(home)
    const view = await CaView.open(home)
    const before = view.intermediateFingerprint
    const rotated = await rotateIntermediate(home)
    const cert = rotated.paths.intermediateCert(rotated.meta.intermediate.id)
    await rename(cert, `${cert}.away`)
    later(5_000)
    await view.refresh()
    expect(view.intermediateFingerprint).toBe(before) // keeps serving with what it has
    await rename(`${cert}.away`, cert)
    later(10_000)
    await view.refresh()
    expect(view.intermediateFingerprint).toBe(rotated.meta.intermediate.fingerprint)
  })
})
