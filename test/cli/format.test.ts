import {describe, expect, it} from 'vitest'
import {fit} from '../../src/cli/format.js'

describe('fit', () => {
  it('keeps an indented line its indent and every character when it wraps', () => {
    const line = '  java     /etc/ssl/certs/java/cacerts (java-1.17.0-openjdk-amd64, java-17-openjdk-amd64, temurin-25-jdk-amd64)'
    expect(fit(line, 80).split('\n')).toEqual(['  java     /etc/ssl/certs/java/cacerts (java-1.17.0-openjdk-amd64,', '    java-17-openjdk-amd64, temurin-25-jdk-amd64)'])
  })
})
