/** The filters of an execution list, as the URL and the query keys hold them. */

/** A run's statuses, in the order a run goes through them. */
export const EXECUTION_STATUSES = ['queued', 'running', 'success', 'failed'] as const
/** What can start a run. */
export const TRIGGERS = ['webhook', 'manual', 'schedule', 'retry'] as const

export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number]
export type Trigger = (typeof TRIGGERS)[number]

/** What a list shows; every field is optional and they combine with AND (as the API does). */
export interface LogFilters {
  workflowId?: number
  status?: ExecutionStatus[]
  trigger?: Trigger[]
  /** ISO 8601, started at or after. */
  since?: string
  /** ISO 8601, started before. */
  until?: string
  /** Text in the payload, result or error (3–200 characters). */
  q?: string
}

/** The fields of a run that the filters look at. */
export interface FilterableRun {
  workflow_id: number
  status: string
  trigger: string
  started_at: string
}

/**
 * Whether a run (e.g. one announced over SSE) belongs to a list with these filters; null
 * when it cannot be told here (a text search looks at bodies that events never carry).
 */
export function matchesFilters(run: FilterableRun, filters: LogFilters, ignoreStatus = false): boolean | null {
  if (filters.workflowId !== undefined && run.workflow_id !== filters.workflowId) return false
  if (!ignoreStatus && filters.status?.length && !filters.status.includes(run.status as ExecutionStatus)) return false
  if (filters.trigger?.length && !filters.trigger.includes(run.trigger as Trigger)) return false
  const started = Date.parse(run.started_at)
  if (filters.since && started < Date.parse(filters.since)) return false
  if (filters.until && started >= Date.parse(filters.until)) return false
  if (filters.q) return null
  return true
}

/** The API's query parameters for these filters (empty ones left out). */
export function filterParams(filters: LogFilters): Record<string, string> {
  const params: Record<string, string> = {}
  if (filters.workflowId !== undefined) params.workflow_id = String(filters.workflowId)
  if (filters.status?.length) params.status = filters.status.join(',')
  if (filters.trigger?.length) params.trigger = filters.trigger.join(',')
  if (filters.since) params.since = filters.since
  if (filters.until) params.until = filters.until
  if (filters.q && filters.q.trim().length >= 3) params.q = filters.q.trim()
  return params
}
