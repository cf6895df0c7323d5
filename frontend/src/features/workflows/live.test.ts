import { afterEach, describe, expect, it, vi } from 'vitest'

import type { ExecutionEvent } from '../../api/events'
import { applyExecutionEvent, throttle } from './live'
import type { WorkflowStats } from './types'

const card = (workflowId: number, lastRunId: number | null): WorkflowStats => ({
  workflow_id: workflowId,
  last_run: lastRunId === null ? null : {
    id: lastRunId, status: 'success', trigger: 'webhook', started_at: '2026-03-10T10:00:00Z', finished_at: '2026-03-10T10:00:01Z',
  },
  recent: { runs: lastRunId === null ? 0 : 1, queued: 0, running: 0, success: lastRunId === null ? 0 : 1, failed: 0 },
  success_rate: lastRunId === null ? null : 1,
})

const event = (over: Partial<ExecutionEvent>): ExecutionEvent => ({
  id: 9, workflow_id: 1, status: 'running', trigger: 'manual', started_at: '2026-03-10T11:00:00Z', finished_at: null, ...over,
})

describe('applyExecutionEvent', () => {
  it('puts a newer run on its workflow card only', () => {
    const cards = [card(1, 5), card(2, 7)]
    const next = applyExecutionEvent(cards, event({ id: 9, workflow_id: 1 }))!
    expect(next[0]!.last_run).toEqual({ id: 9, status: 'running', trigger: 'manual', started_at: '2026-03-10T11:00:00Z', finished_at: null })
    expect(next[1]).toBe(cards[1])
  })

  it('fills a card that never ran, and follows the same run to success', () => {
    const first = applyExecutionEvent([card(3, null)], event({ id: 1, workflow_id: 3, status: 'queued' }))!
    const done = applyExecutionEvent(first, event({ id: 1, workflow_id: 3, status: 'success', finished_at: '2026-03-10T11:00:02Z' }))!
    expect(done[0]!.last_run).toMatchObject({ id: 1, status: 'success', finished_at: '2026-03-10T11:00:02Z' })
  })

  it('ignores an update about an older run', () => {
    const cards = [card(1, 5)]
    expect(applyExecutionEvent(cards, event({ id: 4, workflow_id: 1, status: 'failed' }))![0]).toBe(cards[0])
  })

  it('leaves an unloaded cache alone', () => {
    expect(applyExecutionEvent(undefined, event({}))).toBeUndefined()
  })
})

describe('throttle', () => {
  afterEach(() => vi.useRealTimers())

  it('runs at once, then at most once per period, never losing the last call', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    const t = throttle(fn, 1000)
    t.call()
    expect(fn).toHaveBeenCalledTimes(1)
    for (let i = 0; i < 50; i++) t.call() // a burst of events
    expect(fn).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(999)
    expect(fn).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1)
    expect(fn).toHaveBeenCalledTimes(2)
    vi.advanceTimersByTime(5000)
    expect(fn).toHaveBeenCalledTimes(2)
    t.call()
    expect(fn).toHaveBeenCalledTimes(3)
    t.call()
    t.cancel()
    vi.advanceTimersByTime(5000)
    expect(fn).toHaveBeenCalledTimes(3)
  })
})
