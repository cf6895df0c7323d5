/**
 * Params with their schema defaults filled in, as the params form would fill them. Done
 * when a node is added or a definition is loaded, so that opening a node's form changes
 * nothing (and does not make the workflow look edited).
 */
import { getDefaultFormState, type RJSFSchema } from '@rjsf/utils'

import { paramsValidator } from './params'
import type { NodeCatalogue, NodeTypeInfo, WorkflowDefinition } from './types'

/** `params` of a node of type `info`, completed with the schema's defaults. */
export function paramsWithDefaults(info: NodeTypeInfo | undefined, params: Record<string, unknown> = {}): Record<string, unknown> {
  if (!info) return params
  const filled = getDefaultFormState(paramsValidator, info.params_schema as RJSFSchema, params)
  return filled && typeof filled === 'object' && !Array.isArray(filled) ? (filled as Record<string, unknown>) : params
}

/** A definition whose nodes' params are completed with their types' defaults. */
export function withDefaults(definition: WorkflowDefinition, catalogue: NodeCatalogue): WorkflowDefinition {
  return {
    ...definition,
    nodes: definition.nodes.map((node) => ({ ...node, params: paramsWithDefaults(catalogue[node.type], node.params ?? {}) })),
  }
}
