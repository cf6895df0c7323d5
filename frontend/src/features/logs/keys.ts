/** Query keys of the logs feature: lists and counts carry their filters, details their id. */
import type { LogFilters } from './lib/filters'

/** Every query key of the feature, from the widest (`all`) to one run. */
export const logsKeys = {
  all: ['logs'] as const,
  lists: () => ['logs', 'list'] as const,
  list: (filters: LogFilters) => ['logs', 'list', filters] as const,
  countsAll: () => ['logs', 'counts'] as const,
  counts: (filters: LogFilters) => ['logs', 'counts', filters] as const,
  detail: (id: number) => ['logs', 'detail', id] as const,
  workflowNames: () => ['logs', 'workflow-names'] as const,
  workflowName: (id: number) => ['logs', 'workflow-names', id] as const,
}
