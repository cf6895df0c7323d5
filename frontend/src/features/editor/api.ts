/** Server calls of the editor: node catalogue, one workflow, save, manual run, test events and previews. */
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

/** The armed test URL: it takes one delivery until `expires_at`. */
export interface TestListening {
  url: string
  expires_at: string
}

/** The trigger's sample data: the last test event captured, and whether the URL listens. */
export interface TriggerSample {
  node_id: string | null
  /** What a run would have got: `{body, headers, query, method}`; null before any capture. */
  sample: unknown
  captured_at: string | null
  listening_until: string | null
}

/** A node's params evaluated against the sample; `errors` by param path (e.g. `fields.total`). */
export interface NodePreview {
  node_id: string
  params: unknown
  errors: Record<string, string>
  /** False when nodes between the trigger and this one decide its input (it is null). */
  input_known: boolean
  captured_at: string
}

/** Arm the workflow's test URL for a few minutes. */
export function listenForTestEvent(id: number): Promise<TestListening> {
  return api.post<TestListening>(`/workflows/${id}/test-listen`)
}

/** Disarm the test URL. */
export function stopListening(id: number): Promise<void> {
  return api.delete(`/workflows/${id}/test-listen`)
}

/** The trigger's sample data. */
export function fetchTriggerSample(id: number): Promise<TriggerSample> {
  return api.get<TriggerSample>(`/workflows/${id}/sample`)
}

/** Evaluate a node's params (as edited now) against the sample; 409 before any sample. */
export function previewNode(id: number, nodeId: string, params: Record<string, unknown>): Promise<NodePreview> {
  return api.post<NodePreview>(`/workflows/${id}/preview`, { node_id: nodeId, params })
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
  Assert<Fits<TestListening, Schemas['Listening']>>,
  Assert<Fits<TriggerSample, Schemas['TriggerSample']>>,
  Assert<Fits<NodePreview, Schemas['Preview']>>,
]
