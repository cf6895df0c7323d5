/** Query hooks of the workflows feature. */
import { keepPreviousData, useQuery } from '@tanstack/react-query'

import { fetchExecutionStats, fetchWorkflowStats, listWorkflows } from './api'
import { workflowKeys } from './keys'
import type { Bucket } from './types'

/** The caller's workflows; fetched again whenever the dashboard opens (the editor changes them). */
export function useWorkflows() {
  return useQuery({ queryKey: workflowKeys.list(), queryFn: listWorkflows, staleTime: 0 })
}

/** Each workflow's last run and success rate, kept current by live events. */
export function useWorkflowStats() {
  return useQuery({ queryKey: workflowKeys.stats(), queryFn: fetchWorkflowStats, staleTime: 0 })
}

/** The executions chart's series. */
export function useExecutionStats(bucket: Bucket) {
  return useQuery({
    queryKey: workflowKeys.executionStats(bucket),
    queryFn: () => fetchExecutionStats(bucket),
    staleTime: 0,
    placeholderData: keepPreviousData,
  })
}
