/** Server calls of the workflows feature (the dashboard's cards and chart). */
import { api } from '../../api/client'
import type { Bucket, ExecutionStats, RunSummary, Workflow, WorkflowPage, WorkflowStats } from './types'

/** The caller's workflows, newest first (the API's largest page). */
export function listWorkflows(): Promise<WorkflowPage> {
  return api.get<WorkflowPage>('/workflows', { query: { limit: 200 } })
}

/** Turn a workflow's trigger on or off. */
export function setWorkflowActive(id: number, active: boolean): Promise<Workflow> {
  return api.patch<Workflow>(`/workflows/${id}`, { active })
}

/** Start a run now with `payload` as the trigger's input. */
export function runWorkflow(id: number, payload: unknown = {}): Promise<RunSummary> {
  return api.post<RunSummary>(`/workflows/${id}/run`, { payload })
}

/** Last run and recent success rate of every workflow. */
export function fetchWorkflowStats(): Promise<WorkflowStats[]> {
  return api.get<WorkflowStats[]>('/stats/workflows')
}

/** Runs by status per hour or day over the last 7 days, in the browser's time zone. */
export function fetchExecutionStats(bucket: Bucket): Promise<ExecutionStats> {
  // getTimezoneOffset is minutes *behind* UTC: UTC+2 gives -120.
  const utcOffset = -new Date().getTimezoneOffset()
  return api.get<ExecutionStats>('/stats/executions', { query: { bucket, utc_offset_minutes: utcOffset } })
}
