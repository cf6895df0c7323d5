import { describe, expect, it } from 'vitest'

import { formatCountdown, previewLines, secondsLeft } from './testEvents'

describe('secondsLeft', () => {
  const now = Date.parse('2026-01-01T12:00:00Z')
  it('counts whole seconds up to the deadline, never below zero', () => {
    expect(secondsLeft('2026-01-01T12:05:00+00:00', now)).toBe(300)
    expect(secondsLeft('2026-01-01T12:00:00.400Z', now)).toBe(1)
    expect(secondsLeft('2026-01-01T11:59:00Z', now)).toBe(0)
  })
  it('is zero without a usable date', () => {
    expect(secondsLeft(null, now)).toBe(0)
    expect(secondsLeft('soon', now)).toBe(0)
  })
})

describe('formatCountdown', () => {
  it('shows minutes and two-digit seconds', () => {
    expect(formatCountdown(299)).toBe('4:59')
    expect(formatCountdown(60)).toBe('1:00')
    expect(formatCountdown(5)).toBe('0:05')
    expect(formatCountdown(-3)).toBe('0:00')
  })
})

describe('previewLines', () => {
  it('lists each evaluated leaf by its path, and errors where they happened', () => {
    const params = { fields: { order: 7, label: 'Order web', bad: null }, keep: [1, { a: 'x' }], empty: {} }
    expect(previewLines(params, { 'fields.bad': 'ZeroDivisionError: division by zero' })).toEqual([
      { path: 'fields.order', value: '7' },
      { path: 'fields.label', value: '"Order web"' },
      { path: 'fields.bad', value: '', error: 'ZeroDivisionError: division by zero' },
      { path: 'keep.0', value: '1' },
      { path: 'keep.1.a', value: '"x"' },
      { path: 'empty', value: '{}' },
    ])
  })
  it('keeps errors whose param is gone', () => {
    expect(previewLines({}, { '(params)': 'broken' })).toEqual([{ path: '(params)', value: '', error: 'broken' }])
  })
})
