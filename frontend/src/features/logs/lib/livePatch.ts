/**
 * Live updates of the TanStack Query cache from execution events: a new run goes to the
 * top of every list it belongs to, a moved run or step is patched where it is shown, and
 * counts follow. Events are applied in batches (one per animation frame) so a burst of
 * runs costs one render, never a refetch per event.
 */
import type { InfiniteData, QueryClient, QueryKey } from '@tanstack/react-query'

import type { ExecutionEvent, LiveEvent, StepEvent } from '../../../api/events'
import { logsKeys } from '../keys'
import type { ExecutionDetail, ExecutionSummary, LogPage, StatusCounts } from '../types'
import { EXECUTION_STATUSES, type ExecutionStatus, type LogFilters, matchesFilters } from './filters'

const FINISHED = new Set(['success', 'failed'])

const SUMMARY_FIELDS = ['id', 'workflow_id', 'status', 'trigger', 'workflow_version', 'retry_of', 'started_at',
  'finished_at', 'duration_ms'] as const

/** The summary fields an event carries (an event never has bodies). */
const summaryOf = (event: ExecutionEvent): ExecutionSummary => {
  const summary: Record<string, unknown> = { retry_of: null, finished_at: null, duration_ms: null }
  for (const field of SUMMARY_FIELDS) if (event[field] !== undefined) summary[field] = event[field]
  return summary as unknown as ExecutionSummary
}

/** Newest first by (started_at, id), the API's order. */
const newer = (a: ExecutionSummary, b: ExecutionSummary): boolean => {
  const ta = Date.parse(a.started_at)
  const tb = Date.parse(b.started_at)
  return ta === tb ? a.id > b.id : ta > tb
}

const filtersOf = (key: QueryKey): LogFilters => (key[2] ?? {}) as LogFilters

/** The last event of each run and each step, and which runs were created, in one batch. */
function collapse(events: readonly LiveEvent[]) {
  const runs = new Map<number, ExecutionEvent>()
  const created = new Set<number>()
  const steps = new Map<string, StepEvent>()
  for (const event of events) {
    if (event.type === 'step.updated') {
      steps.set(`${event.data.log_id}\u0000${event.data.node_id}`, event.data)
      continue
    }
    const previous = runs.get(event.data.id)
    // Out-of-order safety: keep the most recently moved snapshot of a run.
    if (!previous || (event.data.updated_at ?? '') >= (previous.updated_at ?? '')) runs.set(event.data.id, event.data)
    if (event.type === 'execution.created') created.add(event.data.id)
  }
  return { runs, created, steps }
}

/** The status each run had in the cache before this batch (from lists and details). */
function knownStatuses(client: QueryClient, ids: Set<number>): Map<number, string> {
  const known = new Map<number, string>()
  for (const [, data] of client.getQueriesData<InfiniteData<LogPage>>({ queryKey: logsKeys.lists() })) {
    for (const page of data?.pages ?? []) {
      for (const item of page.items) if (ids.has(item.id)) known.set(item.id, item.status)
    }
  }
  for (const id of ids) {
    const detail = client.getQueryData<ExecutionDetail>(logsKeys.detail(id))
    if (detail && !known.has(id)) known.set(id, detail.status)
  }
  return known
}

function patchList(data: InfiniteData<LogPage> | undefined, filters: LogFilters,
  runs: Map<number, ExecutionEvent>): InfiniteData<LogPage> | undefined {
  if (!data || data.pages.length === 0) return data
  const pending = new Map(runs)
  let changed = false
  const pages = data.pages.map((page) => {
    let pageChanged = false
    const items = page.items.map((item) => {
      const event = pending.get(item.id)
      if (!event) return item
      pending.delete(item.id)
      pageChanged = true
      return { ...item, ...summaryOf(event) }
    })
    if (!pageChanged) return page
    changed = true
    return { ...page, items }
  })
  // Runs the list does not show yet: new ones that belong here go on top, newest first.
  const first = pages[0]
  if (!first) return changed ? { ...data, pages } : data
  const top = first.items[0]
  const fresh = [...pending.values()].map(summaryOf)
    .filter((run) => matchesFilters(run, filters) === true && (!top || newer(run, top)))
    .sort((a, b) => (newer(a, b) ? -1 : 1))
  if (fresh.length) {
    changed = true
    pages[0] = { ...first, items: [...fresh, ...first.items] }
  }
  return changed ? { ...data, pages } : data
}

function patchDetail(detail: ExecutionDetail | undefined, run: ExecutionEvent | undefined,
  steps: StepEvent[]): ExecutionDetail | undefined {
  if (!detail) return detail
  let next = detail
  if (run) next = { ...next, ...summaryOf(run) }
  if (steps.length) {
    const byNode = new Map(steps.map((s) => [s.node_id, s]))
    const patched = next.steps.map((step) => {
      const event = byNode.get(step.node_id)
      if (!event) return step
      byNode.delete(step.node_id)
      return { ...step, status: event.status, attempts: event.attempts, started_at: event.started_at ?? null,
        finished_at: event.finished_at ?? null, duration_ms: event.duration_ms ?? null }
    })
    // A step the detail did not have yet (fetched before the trigger recorded it).
    for (const event of byNode.values()) {
      patched.push({ node_id: event.node_id, type: event.type, status: event.status, attempts: event.attempts,
        started_at: event.started_at ?? null, finished_at: event.finished_at ?? null,
        duration_ms: event.duration_ms ?? null, input: null, output: null, error: null })
    }
    next = { ...next, steps: patched }
  }
  return next
}

/**
 * Apply one batch of events to every logs query in the cache. Returns the query keys that
 * could not be patched exactly and were invalidated instead (counts of a run whose former
 * status is unknown, or of a text search; details whose bodies changed; first fetches
 * still in flight, restarted so they read the database after these events).
 */
export function applyLiveEvents(client: QueryClient, events: readonly LiveEvent[]): QueryKey[] {
  const { runs, created, steps } = collapse(events)
  const before = knownStatuses(client, new Set([...runs.keys()]))
  const invalidate: QueryKey[] = []

  // A first fetch still in flight may have read the database before these events: ask again.
  const restart: QueryKey[] = []

  for (const query of client.getQueryCache().findAll({ queryKey: logsKeys.lists() })) {
    const filters = filtersOf(query.queryKey)
    if (query.state.data === undefined) {
      if (query.state.fetchStatus === 'fetching' && runs.size) restart.push(query.queryKey)
      continue
    }
    client.setQueryData<InfiniteData<LogPage>>(query.queryKey, (data) => patchList(data, filters, runs))
  }

  for (const query of client.getQueryCache().findAll({ queryKey: logsKeys.countsAll() })) {
    const filters = filtersOf(query.queryKey)
    let exact = true
    const delta: Partial<Record<ExecutionStatus, number>> = {}
    for (const run of runs.values()) {
      const belongs = matchesFilters(summaryOf(run), filters, true)
      if (belongs === false) continue
      const previous = created.has(run.id) ? null : before.get(run.id)
      if (belongs === null || previous === undefined) {
        exact = false
        break
      }
      if (previous === run.status) continue
      if (previous) delta[previous as ExecutionStatus] = (delta[previous as ExecutionStatus] ?? 0) - 1
      delta[run.status as ExecutionStatus] = (delta[run.status as ExecutionStatus] ?? 0) + 1
    }
    if (!exact) {
      invalidate.push(query.queryKey)
      continue
    }
    if (Object.keys(delta).length === 0) continue
    client.setQueryData<StatusCounts>(query.queryKey, (counts) => {
      if (!counts) return counts
      const next = { ...counts }
      for (const status of EXECUTION_STATUSES) next[status] = Math.max(0, (counts[status] ?? 0) + (delta[status] ?? 0))
      return next
    })
  }

  const stepsByLog = new Map<number, StepEvent[]>()
  for (const step of steps.values()) stepsByLog.set(step.log_id, [...(stepsByLog.get(step.log_id) ?? []), step])
  for (const id of new Set([...runs.keys(), ...stepsByLog.keys()])) {
    const key = logsKeys.detail(id)
    const query = client.getQueryCache().find({ queryKey: key, exact: true })
    if (!query) continue
    if (query.state.data === undefined) {
      if (query.state.fetchStatus === 'fetching') restart.push(key)
      continue
    }
    const run = runs.get(id)
    const logSteps = stepsByLog.get(id) ?? []
    client.setQueryData<ExecutionDetail>(key, (detail) => patchDetail(detail, run, logSteps))
    // Outputs, results and errors never travel in events: fetch them once they exist.
    if ((run && FINISHED.has(run.status)) || logSteps.some((s) => FINISHED.has(s.status))) invalidate.push(key)
  }

  for (const queryKey of invalidate) void client.invalidateQueries({ queryKey, exact: true }, { cancelRefetch: false })
  // (cancelRefetch alone does not cancel a fetch that has no data yet: it would join it.)
  for (const queryKey of restart) {
    void client.cancelQueries({ queryKey, exact: true }).then(() => client.invalidateQueries({ queryKey, exact: true }))
  }
  return [...invalidate, ...restart]
}

/** How a {@link createFrameBatcher} waits; the defaults are the browser's. */
export interface BatchTiming {
  /** Run on the next frame (requestAnimationFrame). */
  frame?: (run: () => void) => unknown
  /** Run after `ms` (setTimeout). */
  later?: (run: () => void, ms: number) => unknown
  /** A monotonic clock in ms (performance.now). */
  now?: () => number
  /** At least this long between two batches: a steady stream renders a few times a second,
   * not on every frame, while a lone event still shows on the next frame. */
  minIntervalMs?: number
}

/**
 * Collects events and hands them over in one batch on the next animation frame (and no
 * sooner than `minIntervalMs` after the previous batch); `flush` applies what is pending.
 */
export function createFrameBatcher<T>(apply: (batch: T[]) => void, timing: BatchTiming = {}) {
  const frame = timing.frame ?? ((run: () => void) => requestAnimationFrame(run))
  const later = timing.later ?? ((run: () => void, ms: number) => setTimeout(run, ms))
  const now = timing.now ?? (() => performance.now())
  const minIntervalMs = timing.minIntervalMs ?? 0
  let pending: T[] = []
  let scheduled = false
  let last = -Infinity
  const flush = (): void => {
    scheduled = false
    if (pending.length === 0) return
    last = now()
    const batch = pending
    pending = []
    apply(batch)
  }
  return {
    push(item: T): void {
      pending.push(item)
      if (scheduled) return
      scheduled = true
      const wait = last + minIntervalMs - now()
      if (wait > 0) later(() => frame(flush), wait)
      else frame(flush)
    },
    flush,
    get size(): number {
      return pending.length
    },
  }
}
