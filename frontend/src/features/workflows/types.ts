/** The workflow shapes the dashboard reads, from the generated API types. */
import type { components } from '../../api/schema'

type Schemas = components['schemas']

/** A workflow as listed (the fields the dashboard relies on are always present). */
export type Workflow = Schemas['Workflow'] & Required<Pick<Schemas['Workflow'], 'id' | 'name' | 'active' | 'trigger_type'>>
export type WorkflowPage = Omit<Schemas['WorkflowPage'], 'items'> & { items: Workflow[] }
export type LastRun = Schemas['LastRun']
/** A workflow card's numbers (`last_run` null before the first run). */
export type WorkflowStats = Omit<Schemas['WorkflowStats'], 'last_run'> & { last_run: LastRun | null }
export type ExecutionStats = Schemas['ExecutionStats']
export type Bucket = ExecutionStats['bucket']
export type RunSummary = Schemas['ExecutionLogSummary']
