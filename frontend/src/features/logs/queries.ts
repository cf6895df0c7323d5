/** Query hooks of the logs feature. Lists page by the API's cursor; nothing here polls. */
import { type InfiniteData, useInfiniteQuery, useQuery } from '@tanstack/react-query'

import { fetchExecution, fetchLogPage, fetchStatusCounts, fetchWorkflowName, fetchWorkflowNames } from './api'
import { logsKeys } from './keys'
import type { LogFilters } from './lib/filters'
import type { LogPage } from './types'

/** The runs matching `filters`, newest first, one cursor page at a time. */
export function useExecutionPages(filters: LogFilters) {
  return useInfiniteQuery<LogPage, Error, InfiniteData<LogPage, string | null>, ReturnType<typeof logsKeys.list>, string | null>({
    queryKey: logsKeys.list(filters),
    queryFn: ({ pageParam, signal }) => fetchLogPage(filters, pageParam, signal),
    initialPageParam: null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // Live events keep the list current; a refetch would reload every page loaded so far.
    staleTime: Infinity,
  })
}

/** Runs per status for the same filters (the status filter excepted). `enabled` lets the
 * list go first: the rows matter more than the numbers above them. */
export function useStatusCounts(filters: LogFilters, enabled = true) {
  return useQuery({
    queryKey: logsKeys.counts(filters),
    queryFn: ({ signal }) => fetchStatusCounts(filters, signal),
    staleTime: Infinity,
    enabled,
  })
}

/** One run in full; live events patch it while it runs. */
export function useExecution(id: number) {
  return useQuery({
    queryKey: logsKeys.detail(id),
    queryFn: ({ signal }) => fetchExecution(id, signal),
    enabled: Number.isInteger(id) && id > 0,
  })
}

/** The caller's workflows by name (workflow filter, names in All runs). */
export function useWorkflowNames(enabled = true) {
  return useQuery({ queryKey: logsKeys.workflowNames(), queryFn: ({ signal }) => fetchWorkflowNames(signal), enabled })
}

/** One workflow's name, for breadcrumbs. */
export function useWorkflowName(id: number | undefined) {
  return useQuery({
    queryKey: logsKeys.workflowName(id ?? 0),
    queryFn: ({ signal }) => fetchWorkflowName(id ?? 0, signal),
    enabled: id !== undefined && id > 0,
  })
}
