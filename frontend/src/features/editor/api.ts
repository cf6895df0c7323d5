/** Server calls of the editor: node catalogue, one workflow, save, manual run. */
import { api } from '../../api/client'
import type { components } from '../../api/schema'
import type { NodeTypeInfo, WorkflowDefinition } from './lib/types'

export type SavePolicy = 'all' | 'failed_only' | 'none'

/** A workflow as the API shows it. */
export interface Workflow {
  id: number
  name: string
  description: string
  definition: WorkflowDefinition
  active: boolean
  version: number
  trigger_type: string
  webhook_url: string
  next_run_at: string | null
  retention_days: number | null
  keep_failed_days: number | null
  save: SavePolicy
  created_at: string
  updated_at: string
}

/** The writable fields of a workflow (POST and PUT take all, PATCH any subset). */
export interface WorkflowInput {
  name: string
  description: string
  definition: WorkflowDefinition
  active: boolean
  retention_days: number | null
  keep_failed_days: number | null
  save: SavePolicy
}

/** A run as `POST /workflows/{id}/run` answers it (202). */
export interface RunSummary {
  id: number
  workflow_id: number
  status: string
  trigger: string
}

/** Every installed node type, triggers first. */
export function fetchNodeTypes(): Promise<NodeTypeInfo[]> {
  return api.get<NodeTypeInfo[]>('/nodes')
}

/** One of the caller's workflows. */
export function fetchWorkflow(id: number): Promise<Workflow> {
  return api.get<Workflow>(`/workflows/${id}`)
}

/** Create a workflow (422 when its definition breaks a rule). */
export function createWorkflow(input: WorkflowInput): Promise<Workflow> {
  return api.post<Workflow>('/workflows', input)
}

/** Replace a workflow's writable fields. */
export function replaceWorkflow(id: number, input: WorkflowInput): Promise<Workflow> {
  return api.put<Workflow>(`/workflows/${id}`, input)
}

/** Change some fields of a workflow. */
export function patchWorkflow(id: number, changes: Partial<WorkflowInput>): Promise<Workflow> {
  return api.patch<Workflow>(`/workflows/${id}`, changes)
}

/** Run a workflow now with `payload` as its trigger's output. */
export function runWorkflow(id: number, payload: unknown): Promise<RunSummary> {
  return api.post<RunSummary>(`/workflows/${id}/run`, { payload })
}

type Schemas = components['schemas']
type Fits<T, U> = [T] extends [U] ? true : false
type Assert<T extends true> = T
/**
 * Compile-time check: the precise types of this feature fit the types generated from
 * /api/openapi.json (`npm run api:types`), so an API change that breaks them fails tsc.
 */
export type ApiTypesCheck = [
  Assert<Fits<Workflow, Schemas['Workflow']>>,
  Assert<Fits<WorkflowInput, Schemas['WorkflowIn']>>,
  Assert<Fits<Omit<NodeTypeInfo, 'params_schema'>, Omit<Schemas['NodeType'], 'params_schema'>>>,
  Assert<Fits<RunSummary, Schemas['ExecutionLogSummary']>>,
]
