/** Server calls of the logs feature (through the one API client). */
import { api } from '../../api/client'
import { EXECUTION_STATUSES, type LogFilters, filterParams } from './lib/filters'
import type { ExecutionDetail, ExecutionSummary, LogPage, RetryRequest, StatusCounts } from './types'

/** Rows per page: a screenful and a half, so a fast scroll needs few round trips. */
export const PAGE_SIZE = 100

/** One page of runs, newest first; pass the previous page's `next_cursor` as `cursor`. */
export function fetchLogPage(filters: LogFilters, cursor: string | null, signal?: AbortSignal): Promise<LogPage> {
  const query: Record<string, string | number> = { ...filterParams(filters), limit: PAGE_SIZE }
  if (cursor) query.cursor = cursor
  // A workflow's own endpoint uses its (workflow_id, ...) indexes directly.
  if (filters.workflowId !== undefined) {
    delete query.workflow_id
    return api.get<LogPage>(`/workflows/${filters.workflowId}/logs`, { query, signal })
  }
  return api.get<LogPage>('/logs', { query, signal })
}

/** How many runs match the filters, per status (the status filter itself is left out). */
export async function fetchStatusCounts(filters: LogFilters, signal?: AbortSignal): Promise<StatusCounts> {
  const base = filterParams({ ...filters, status: undefined })
  const path = filters.workflowId !== undefined ? `/workflows/${filters.workflowId}/logs/count` : '/logs/count'
  if (filters.workflowId !== undefined) delete base.workflow_id
  const counts = await Promise.all(EXECUTION_STATUSES.map((status) =>
    api.get<{ count: number }>(path, { query: { ...base, status }, signal })))
  return Object.fromEntries(EXECUTION_STATUSES.map((status, i) => [status, counts[i]?.count ?? 0])) as StatusCounts
}

/** One run in full: payload, result, error with traceback, steps. */
export function fetchExecution(id: number, signal?: AbortSignal): Promise<ExecutionDetail> {
  return api.get<ExecutionDetail>(`/logs/${id}`, { signal })
}

/** Re-run a finished run; answers with the new run. */
export function retryExecution(id: number, body: RetryRequest): Promise<ExecutionSummary> {
  return api.post<ExecutionSummary>(`/logs/${id}/retry`, body)
}

/** A workflow as the logs screens name it. */
export interface WorkflowName {
  id: number
  name: string
}

/** The caller's workflows (id and name, the first 200) for the workflow filter and the run list. */
export async function fetchWorkflowNames(signal?: AbortSignal): Promise<WorkflowName[]> {
  const page = await api.get<{ items: WorkflowName[] }>('/workflows', { query: { limit: 200 }, signal })
  return page.items.map(({ id, name }) => ({ id, name }))
}

/** One workflow's name (for breadcrumbs). */
export async function fetchWorkflowName(id: number, signal?: AbortSignal): Promise<WorkflowName> {
  const { name } = await api.get<WorkflowName>(`/workflows/${id}`, { signal })
  return { id, name }
}
