/** Shapes of the workflow definition (DESIGN.md) and of the node catalogue (`GET /api/nodes`). */
import type { RJSFSchema } from '@rjsf/utils'

/** Per-node overrides of the node type's step defaults. */
export const STEP_OVERRIDES = ['max_retries', 'timeout_seconds'] as const
export type StepOverride = (typeof STEP_OVERRIDES)[number]

/** A node of a stored definition (a type alias, like the two below: it fits the API's open objects). */
export type DefinitionNode = {
  id: string
  type: string
  name?: string
  params?: Record<string, unknown>
  position?: { x: number; y: number }
  max_retries?: number
  timeout_seconds?: number
  retry_backoff?: number
}

/** An edge of a stored definition; `output` names the source's port (default `main`). */
export type DefinitionEdge = {
  source: string
  target: string
  output?: string
}

/** `{nodes, edges}` as the API stores it (components `Definition`, `DefinitionNode`, `DefinitionEdge`). */
export type WorkflowDefinition = {
  nodes: DefinitionNode[]
  edges: DefinitionEdge[]
}

/** One entry of `GET /api/nodes`. */
export interface NodeTypeInfo {
  type: string
  name: string
  description: string
  category: string
  version: number
  outputs: string[]
  max_retries: number
  retry_backoff: number
  timeout_seconds: number
  params_schema: RJSFSchema
  /** Takes several incoming branches (not served by the API yet: then only `merge` is known to). */
  joins_branches?: boolean
}

/** The catalogue by type name. */
export type NodeCatalogue = Record<string, NodeTypeInfo>

/** What a canvas node carries: everything of its definition node but id and position. */
export interface WorkflowNodeData extends Record<string, unknown> {
  nodeType: string
  name?: string
  params: Record<string, unknown>
  max_retries?: number
  timeout_seconds?: number
  retry_backoff?: number
}
