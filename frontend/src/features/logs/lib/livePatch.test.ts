import { type InfiniteData, QueryClient, QueryObserver } from '@tanstack/react-query'
import { describe, expect, it, vi } from 'vitest'

import type { ExecutionEvent, LiveEvent, StepEvent } from '../../../api/events'
import { logsKeys } from '../keys'
import type { ExecutionDetail, ExecutionSummary, LogPage, StatusCounts } from '../types'
import type { LogFilters } from './filters'
import { applyLiveEvents, createFrameBatcher } from './livePatch'

const at = (s: number) => new Date(Date.UTC(2026, 10, 28, 9, 0, s)).toISOString()

const run = (id: number, status: string, extra: Partial<ExecutionSummary> = {}): ExecutionSummary => ({
  id, workflow_id: 7, status, trigger: 'webhook', workflow_version: 1, retry_of: null,
  started_at: at(id), finished_at: status === 'success' || status === 'failed' ? at(id + 1) : null,
  duration_ms: null, ...extra,
})

const execEvent = (type: 'execution.created' | 'execution.updated', summary: ExecutionSummary, updatedAt = at(100)): LiveEvent =>
  ({ id: `${summary.id}-${type}`, type, data: { ...summary, updated_at: updatedAt } as ExecutionEvent })

const stepEvent = (data: Partial<StepEvent> & Pick<StepEvent, 'log_id' | 'node_id' | 'status'>): LiveEvent =>
  ({ id: `s-${data.log_id}-${data.node_id}-${data.status}`, type: 'step.updated',
    data: { workflow_id: 7, type: 'transform', attempts: 1, ...data } })

function clientWith(filters: LogFilters, items: ExecutionSummary[], counts?: StatusCounts) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } })
  const data: InfiniteData<LogPage, string | null> = {
    pages: [{ items, next_cursor: 'c1', limit: 100, offset: 0 }, { items: [run(1, 'success')], next_cursor: null, limit: 100, offset: 0 }],
    pageParams: [null, 'c1'],
  }
  client.setQueryData(logsKeys.list(filters), data)
  if (counts) client.setQueryData(logsKeys.counts(filters), counts)
  return client
}

const listIds = (client: QueryClient, filters: LogFilters) =>
  client.getQueryData<InfiniteData<LogPage>>(logsKeys.list(filters))!.pages.map((p) => p.items.map((i) => `${i.id}:${i.status}`))

describe('applyLiveEvents', () => {
  it('puts a new run on top of the lists it belongs to, once', () => {
    const mine: LogFilters = { workflowId: 7 }
    const other: LogFilters = { workflowId: 8 }
    const client = clientWith(mine, [run(3, 'success'), run(2, 'failed')])
    client.setQueryData(logsKeys.list(other), { pages: [{ items: [], next_cursor: null, limit: 100, offset: 0 }], pageParams: [null] })

    const created = execEvent('execution.created', run(4, 'queued'))
    applyLiveEvents(client, [created, created])

    expect(listIds(client, mine)).toEqual([['4:queued', '3:success', '2:failed'], ['1:success']])
    expect(listIds(client, other)).toEqual([[]])
  })

  it('changes the colour of a run where it is shown, keeping the last move of a burst', () => {
    const filters: LogFilters = { workflowId: 7 }
    const client = clientWith(filters, [run(3, 'running'), run(2, 'failed')])
    applyLiveEvents(client, [
      execEvent('execution.updated', run(3, 'success'), at(200)),
      execEvent('execution.updated', run(3, 'running'), at(150)), // arrived late: older snapshot
      execEvent('execution.updated', run(1, 'failed'), at(200)),
    ])
    expect(listIds(client, filters)).toEqual([['3:success', '2:failed'], ['1:failed']])
  })

  it('leaves out runs the filters exclude, and older runs beyond the loaded pages', () => {
    const filters: LogFilters = { workflowId: 7, status: ['failed'], trigger: ['webhook'] }
    const client = clientWith(filters, [run(3, 'failed')])
    applyLiveEvents(client, [
      execEvent('execution.created', run(5, 'queued')),
      execEvent('execution.created', run(6, 'queued', { trigger: 'manual' })),
      execEvent('execution.updated', run(2, 'failed')), // older than the top: belongs to a later page
    ])
    expect(listIds(client, filters)[0]).toEqual(['3:failed'])
    // The run that failed later does belong: it shows up then.
    applyLiveEvents(client, [execEvent('execution.updated', run(5, 'failed'))])
    expect(listIds(client, filters)[0]).toEqual(['5:failed', '3:failed'])
  })

  it('moves counts from the former status to the new one, or refetches them when it cannot know', () => {
    const filters: LogFilters = { workflowId: 7 }
    const client = clientWith(filters, [run(3, 'running')], { queued: 0, running: 1, success: 10, failed: 2 })
    const invalidated = applyLiveEvents(client, [
      execEvent('execution.created', run(4, 'queued')),
      execEvent('execution.updated', run(3, 'success')),
    ])
    expect(invalidated).toEqual([])
    expect(client.getQueryData(logsKeys.counts(filters))).toEqual({ queued: 1, running: 0, success: 11, failed: 2 })

    // A run the page never saw: its former status is unknown.
    const again = applyLiveEvents(client, [execEvent('execution.updated', run(50, 'failed', { workflow_id: 7, started_at: at(-500) }))])
    expect(again).toEqual([logsKeys.counts(filters)])
    expect(client.getQueryState(logsKeys.counts(filters))!.isInvalidated).toBe(true)
  })

  it('patches a run detail step by step and refetches its bodies once they exist', () => {
    const client = new QueryClient()
    const detail: ExecutionDetail = { ...run(9, 'running'), steps: [
      { node_id: 'hook', type: 'webhook', status: 'success', attempts: 1, output: { body: 1 } },
      { node_id: 'shape', type: 'transform', status: 'pending', attempts: 0 },
    ] }
    client.setQueryData(logsKeys.detail(9), detail)

    const running = applyLiveEvents(client, [stepEvent({ log_id: 9, node_id: 'shape', status: 'running', started_at: at(10) })])
    expect(running).toEqual([])
    const patched = client.getQueryData<ExecutionDetail>(logsKeys.detail(9))!
    expect(patched.steps.map((s) => `${s.node_id}:${s.status}`)).toEqual(['hook:success', 'shape:running'])
    expect(patched.steps[0]?.output).toEqual({ body: 1 })

    const done = applyLiveEvents(client, [
      stepEvent({ log_id: 9, node_id: 'shape', status: 'success', finished_at: at(11) }),
      execEvent('execution.updated', run(9, 'success')),
    ])
    expect(done).toEqual([logsKeys.detail(9)])
    expect(client.getQueryData<ExecutionDetail>(logsKeys.detail(9))!.status).toBe('success')
  })
})

describe('createFrameBatcher', () => {
  it('applies a burst of events in one batch per frame', () => {
    const frames: Array<() => void> = []
    const apply = vi.fn()
    const batcher = createFrameBatcher<number>(apply, { frame: (run) => frames.push(run) })
    for (let i = 0; i < 50; i += 1) batcher.push(i)
    expect(frames).toHaveLength(1)
    expect(apply).not.toHaveBeenCalled()
    frames[0]?.()
    expect(apply).toHaveBeenCalledTimes(1)
    expect(apply.mock.calls[0]?.[0]).toHaveLength(50)
    batcher.push(50)
    expect(frames).toHaveLength(2)
  })

  it('spaces batches by the minimum interval, a lone event still on the next frame', () => {
    let clock = 1000
    const frames: Array<() => void> = []
    const waits: Array<[() => void, number]> = []
    const apply = vi.fn()
    const batcher = createFrameBatcher<number>(apply, {
      frame: (run) => frames.push(run), later: (run, ms) => waits.push([run, ms]), now: () => clock, minIntervalMs: 100,
    })
    batcher.push(1)
    expect(frames).toHaveLength(1) // nothing before it: next frame
    frames[0]?.()
    clock += 16
    batcher.push(2)
    batcher.push(3)
    expect(frames).toHaveLength(1)
    expect(waits.map(([, ms]) => ms)).toEqual([84])
    waits[0]?.[0]()
    expect(frames).toHaveLength(2)
    clock += 84
    frames[1]?.()
    expect(apply.mock.calls.map((call) => call[0])).toEqual([[1], [2, 3]])
    clock += 500
    batcher.push(4)
    expect(frames).toHaveLength(3)
    expect(waits).toHaveLength(1)
  })
})

describe('applyLiveEvents while a first fetch is in flight', () => {
  it('restarts the fetch so it reads the database after the events', async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const reads: Array<(status: string) => void> = []
    const observer = new QueryObserver<ExecutionDetail>(client, {
      queryKey: logsKeys.detail(9),
      queryFn: () => new Promise<ExecutionDetail>((resolve) => {
        reads.push((status) => resolve({ ...run(9, status), steps: [] }))
      }),
    })
    const unsubscribe = observer.subscribe(() => {})
    expect(reads).toHaveLength(1)

    const restarted = applyLiveEvents(client, [execEvent('execution.updated', run(9, 'success'))])
    expect(restarted).toEqual([logsKeys.detail(9)])
    await vi.waitFor(() => expect(reads).toHaveLength(2))
    reads[0]?.('running') // the first read predates the event: it is dropped
    reads[1]?.('success')
    await vi.waitFor(() => expect(client.getQueryData<ExecutionDetail>(logsKeys.detail(9))?.status).toBe('success'))
    unsubscribe()
  })
})
