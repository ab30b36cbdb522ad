import { describe, expect, test } from 'vitest'
import { signToken, verifyToken } from '../../src/recipients/token.js'

const office = 'https://press.example.org'
const at = Date.parse('2031-03-14T13:00:00.750Z')

describe('unsubscribe tokens', () => {
  test('round trip: address, release and issue time (to the second) come back; the address is not readable in the token', () => {
    const token = signToken('s1', office, 'ivan@example.ru', at, '2031-03-14-water-report')
    expect(token).toMatch(/^u1[A-Za-z0-9_-]+$/)
    expect(token).not.toMatch(/ivan|example|water/i)
    expect(Buffer.from(token.slice(2), 'base64url').toString('latin1')).not.toMatch(/ivan|example/)
    expect(verifyToken(['s1'], office, token)).toEqual({
      email: 'ivan@example.ru',
      slug: '2031-03-14-water-report',
      issuedAt: Date.parse('2031-03-14T13:00:00Z'),
      secretIndex: 0,
    })
    // Deterministic: the same message gets the same token.
    expect(signToken('s1', office, 'ivan@example.ru', at, '2031-03-14-water-report')).toBe(token)
    expect(signToken('s1', office, 'ivan@example.ru', at + 1000, '2031-03-14-water-report')).not.toBe(token)
  })

  test('every single changed character, another office, another secret or a truncation is refused', () => {
    const token = signToken('s1', office, 'jane@example.com', at)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    let accepted = 0
    for (let i = 2; i < token.length; i++) {
      const c = token[i]!
      const other = alphabet[(alphabet.indexOf(c) + 17) % alphabet.length]!
      if (verifyToken(['s1'], office, token.slice(0, i) + other + token.slice(i + 1)) !== undefined) accepted++
    }
    expect(accepted).toBe(0)
    expect(verifyToken(['s1'], 'https://other.example', token)).toBeUndefined()
    expect(verifyToken(['s2'], office, token)).toBeUndefined()
    expect(verifyToken(['s1'], office, token.slice(0, 20))).toBeUndefined()
    expect(verifyToken(['s1'], office, 'jane@example.com')).toBeUndefined()
    expect(verifyToken(['s1'], office, '')).toBeUndefined()
    expect(verifyToken(['s1'], office, `u1${'A'.repeat(2000)}`)).toBeUndefined()
  })

  test('rotation: the previous secret still verifies, and says so', () => {
    const old = signToken('old', office, 'jane@example.com', at)
    expect(verifyToken(['new', 'old'], office, old)?.secretIndex).toBe(1)
    expect(verifyToken(['new'], office, old)).toBeUndefined()
  })
})
