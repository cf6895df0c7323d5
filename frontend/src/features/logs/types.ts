/**
 * Types of the logs feature, as the API serialises them (ExecutionLogSummary,
 * ExecutionLogPublic, StepLog, ExecutionLogPage in /api/openapi.json).
 */
import type { components } from '../../api/schema'
import type { ExecutionStatus } from './lib/filters'

/** A run in a list: no bodies. */
export interface ExecutionSummary {
  id: number
  workflow_id: number
  status: string
  trigger: string
  workflow_version: number
  retry_of: number | null
  started_at: string
  finished_at: string | null
  duration_ms: number | null
}

/** Why a run or a step failed. */
export interface ExecutionError {
  message?: string
  type?: string | null
  node_id?: string | null
  traceback?: string | null
}

/** One node's part in a run. */
export interface StepLog {
  node_id: string
  type: string
  status: string
  attempts: number
  output_port?: string | null
  input?: unknown
  output?: unknown
  error?: ExecutionError | null
  started_at?: string | null
  finished_at?: string | null
  next_attempt_at?: string | null
  duration_ms?: number | null
}

/** One run in full. */
export interface ExecutionDetail extends ExecutionSummary {
  payload?: unknown
  result?: unknown
  error?: ExecutionError | null
  steps: StepLog[]
}

/** A page of runs, newest first. */
export interface LogPage {
  items: ExecutionSummary[]
  next_cursor: string | null
  limit: number
  offset: number
}

/** Runs per status for one set of filters. */
export type StatusCounts = Record<ExecutionStatus, number>

/** Body of POST /api/logs/{id}/retry. */
export interface RetryRequest {
  mode: 'original' | 'latest'
  payload?: unknown
}

// Checked against the generated API types (src/api/schema.d.ts, from /api/openapi.json): a
// field named here that the API does not have fails the type check. The generated types
// mark every field optional (the server dumps them all), so they are not used as they are.
type Schemas = components['schemas']
type KnownFields<Mine, Api> = Exclude<keyof Mine, keyof Api> extends never ? true : false
export const API_FIELDS_CHECKED: [
  KnownFields<ExecutionSummary, Schemas['ExecutionLogSummary']>,
  KnownFields<ExecutionDetail, Schemas['ExecutionLogPublic']>,
  KnownFields<StepLog, Schemas['StepLog']>,
  KnownFields<ExecutionError, Schemas['ExecutionError']>,
  KnownFields<LogPage, Schemas['ExecutionLogPage']>,
  KnownFields<RetryRequest, Schemas['RetryIn']>,
] = [true, true, true, true, true, true]
