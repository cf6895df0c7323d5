import { describe, expect, it } from 'vitest'

import { filterParams, matchesFilters } from './filters'
import { filtersFromParams, paramsFromFilters } from './urlFilters'

describe('filters in the URL', () => {
  it('reads known values only, and lets the page own its workflow', () => {
    const params = new URLSearchParams('status=failed,bogus,running&trigger=retry&q=ORD-1&workflow=9&tab=logs')
    expect(filtersFromParams(params)).toEqual({ workflowId: 9, status: ['failed', 'running'], trigger: ['retry'], q: 'ORD-1' })
    expect(filtersFromParams(params, 3).workflowId).toBe(3)
    expect(filtersFromParams(new URLSearchParams('workflow=abc'))).toEqual({})
  })

  it('writes them back, keeping what other screens put there', () => {
    const next = paramsFromFilters({ workflowId: 3, status: ['failed'], q: 'x'.repeat(3) }, new URLSearchParams('tab=logs&status=running'), true)
    expect(next.toString()).toBe('tab=logs&status=failed&q=xxx')
    expect(paramsFromFilters({ workflowId: 3 }, new URLSearchParams(), false).toString()).toBe('workflow=3')
  })

  it('sends the API only what it accepts', () => {
    expect(filterParams({ workflowId: 2, status: ['queued', 'failed'], trigger: ['manual'], q: ' ab ' })).toEqual({
      workflow_id: '2', status: 'queued,failed', trigger: 'manual',
    })
  })

  it('tells whether a streamed run belongs to a list', () => {
    const run = { workflow_id: 2, status: 'running', trigger: 'webhook', started_at: '2026-11-28T10:00:00Z' }
    expect(matchesFilters(run, { workflowId: 2, status: ['running'] })).toBe(true)
    expect(matchesFilters(run, { workflowId: 3 })).toBe(false)
    expect(matchesFilters(run, { status: ['failed'] })).toBe(false)
    expect(matchesFilters(run, { status: ['failed'] }, true)).toBe(true)
    expect(matchesFilters(run, { since: '2026-11-28T10:00:01Z' })).toBe(false)
    expect(matchesFilters(run, { until: '2026-11-28T10:00:00Z' })).toBe(false)
    expect(matchesFilters(run, { q: 'ORD' })).toBeNull()
  })
})
