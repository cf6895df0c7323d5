import { describe, expect, it } from 'vitest'

import { timeAgo } from './time'

describe('timeAgo', () => {
  const now = Date.parse('2026-03-10T12:00:00Z')
  it('says just now for the last seconds', () => {
    expect(timeAgo('2026-03-10T11:59:58Z', now)).toBe('just now')
    expect(timeAgo('2026-03-10T12:00:30Z', now)).toBe('just now') // ahead of a `now` read earlier
  })
  it('picks the largest unit that fits', () => {
    const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' })
    expect(timeAgo('2026-03-10T11:59:00Z', now)).toBe(rtf.format(-1, 'minute'))
    expect(timeAgo('2026-03-10T09:00:00Z', now)).toBe(rtf.format(-3, 'hour'))
    expect(timeAgo('2026-03-08T12:00:00Z', now)).toBe(rtf.format(-2, 'day'))
  })
})
