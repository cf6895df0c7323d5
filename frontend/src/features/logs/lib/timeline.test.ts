import { describe, expect, it } from 'vitest'

import { computeTimeline, formatDuration, niceInterval } from './timeline'

const at = (ms: number) => new Date(Date.UTC(2026, 10, 28, 9, 0, 0) + ms).toISOString()
const T0 = Date.parse(at(0))

describe('computeTimeline', () => {
  it('places each step to scale on the run axis', () => {
    const timeline = computeTimeline({
      startedAt: at(0), finishedAt: at(1000), now: T0 + 5000,
      steps: [
        { node_id: 'hook', type: 'webhook', status: 'success', attempts: 1, started_at: at(0), finished_at: at(100) },
        { node_id: 'shape', type: 'transform', status: 'success', attempts: 1, started_at: at(250), finished_at: at(1000) },
      ],
    })
    expect(timeline.totalMs).toBe(1000)
    expect(timeline.bars.map((b) => [b.nodeId, b.leftPct, b.widthPct, b.offsetMs, b.durationMs])).toEqual([
      ['hook', 0, 10, 0, 100],
      ['shape', 25, 75, 250, 750],
    ])
  })

  it('grows a running step and the axis up to now', () => {
    const timeline = computeTimeline({
      startedAt: at(0), finishedAt: null, now: T0 + 2000,
      steps: [
        { node_id: 'hook', type: 'webhook', status: 'success', attempts: 1, started_at: at(0), finished_at: at(500) },
        { node_id: 'call', type: 'http_request', status: 'running', attempts: 1, started_at: at(1000), finished_at: null },
        { node_id: 'shape', type: 'transform', status: 'pending', attempts: 0 },
      ],
    })
    expect(timeline.totalMs).toBe(2000)
    const [, call, shape] = timeline.bars
    expect(call).toMatchObject({ open: true, leftPct: 50, widthPct: 50, durationMs: 1000 })
    expect(shape).toMatchObject({ offsetMs: null, durationMs: null, widthPct: 0 })
  })

  it('keeps instant steps visible and marks retries and the next attempt', () => {
    const timeline = computeTimeline({
      startedAt: at(0), finishedAt: null, now: T0 + 10_000, minWidthPct: 1,
      steps: [
        { node_id: 'hook', type: 'webhook', status: 'success', attempts: 1, started_at: at(0), finished_at: at(0) },
        { node_id: 'call', type: 'http_request', status: 'pending', attempts: 2, started_at: at(1000),
          finished_at: at(2000), next_attempt_at: at(7500) },
      ],
    })
    expect(timeline.bars[0]?.widthPct).toBe(1)
    expect(timeline.bars[1]).toMatchObject({ retried: true, attempts: 2, retryAtPct: 75, leftPct: 10, widthPct: 10 })
  })

  it('starts the axis at the earliest step when a step predates the run row', () => {
    const timeline = computeTimeline({
      startedAt: at(100), finishedAt: at(400), now: T0,
      steps: [{ node_id: 'hook', type: 'webhook', status: 'success', attempts: 1, started_at: at(0), finished_at: at(200) }],
    })
    expect(timeline.totalMs).toBe(400)
    expect(timeline.bars[0]).toMatchObject({ leftPct: 0, widthPct: 50 })
  })

  it('draws nice ticks across the axis', () => {
    const timeline = computeTimeline({ startedAt: at(0), finishedAt: at(1000), now: T0, steps: [] })
    expect(timeline.ticks.map((t) => t.ms)).toEqual([0, 200, 400, 600, 800, 1000])
    expect(timeline.ticks.at(-1)).toMatchObject({ pct: 100, label: '1 s' })
  })
})

describe('helpers', () => {
  it('picks 1-2-5 intervals', () => {
    expect(niceInterval(1000, 5)).toBe(200)
    expect(niceInterval(7300, 5)).toBe(2000)
    expect(niceInterval(45, 4)).toBe(20)
  })

  it('formats durations for people', () => {
    expect(formatDuration(null)).toBe('—')
    expect(formatDuration(850)).toBe('850 ms')
    expect(formatDuration(1250)).toBe('1.25 s')
    expect(formatDuration(125_000)).toBe('2 min 5 s')
    expect(formatDuration(3_780_000)).toBe('1 h 3 min')
  })
})
