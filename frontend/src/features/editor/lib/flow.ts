/**
 * The definition <-> canvas conversion. The canvas keeps plain React Flow nodes and edges;
 * the definition is what the API stores. Node ids are the definition's ids, an edge's
 * `sourceHandle` is its output port.
 */
import type { Edge, Node } from '@xyflow/react'

import type { DefinitionEdge, DefinitionNode, WorkflowDefinition, WorkflowNodeData } from './types'

export type WorkflowFlowNode = Node<WorkflowNodeData, 'workflow'>
export type WorkflowFlowEdge = Edge

/** The output port of nodes that have one. */
export const MAIN_PORT = 'main'
/** The id of every node's single input handle. */
export const INPUT_HANDLE = 'in'

/** The id React Flow uses for an edge (stable, so errors can point at it). */
export function edgeId(source: string, output: string, target: string): string {
  return `${source}:${output}->${target}`
}

/** A canvas node for a definition node (position as stored, or the origin until laid out). */
export function toFlowNode(node: DefinitionNode): WorkflowFlowNode {
  const data: WorkflowNodeData = { nodeType: node.type, params: { ...(node.params ?? {}) } }
  if (node.name) data.name = node.name
  if (node.max_retries !== undefined) data.max_retries = node.max_retries
  if (node.timeout_seconds !== undefined) data.timeout_seconds = node.timeout_seconds
  if (node.retry_backoff !== undefined) data.retry_backoff = node.retry_backoff
  return { id: node.id, type: 'workflow', position: node.position ?? { x: 0, y: 0 }, data }
}

/** A canvas edge for a definition edge. */
export function toFlowEdge(edge: DefinitionEdge): WorkflowFlowEdge {
  const output = edge.output || MAIN_PORT
  return {
    id: edgeId(edge.source, output, edge.target),
    source: edge.source,
    target: edge.target,
    sourceHandle: output,
    targetHandle: INPUT_HANDLE,
  }
}

/** True when a definition has at least one node without a stored position. */
export function needsLayout(definition: WorkflowDefinition): boolean {
  return definition.nodes.some((node) => !node.position)
}

/** The canvas state of a definition. */
export function toFlow(definition: WorkflowDefinition): { nodes: WorkflowFlowNode[]; edges: WorkflowFlowEdge[] } {
  return { nodes: definition.nodes.map(toFlowNode), edges: definition.edges.map(toFlowEdge) }
}

/** The definition the API stores for the canvas state (positions rounded, empty fields left out). */
export function toDefinition(nodes: WorkflowFlowNode[], edges: WorkflowFlowEdge[]): WorkflowDefinition {
  return {
    nodes: nodes.map((node) => {
      const { nodeType, name, params, max_retries, timeout_seconds, retry_backoff } = node.data
      const out: DefinitionNode = { id: node.id, type: nodeType }
      if (name?.trim()) out.name = name.trim()
      out.params = params
      out.position = { x: Math.round(node.position.x), y: Math.round(node.position.y) }
      if (max_retries !== undefined) out.max_retries = max_retries
      if (timeout_seconds !== undefined) out.timeout_seconds = timeout_seconds
      if (retry_backoff !== undefined) out.retry_backoff = retry_backoff
      return out
    }),
    edges: edges.map((edge) => {
      const out: DefinitionEdge = { source: edge.source, target: edge.target }
      const port = edge.sourceHandle || MAIN_PORT
      if (port !== MAIN_PORT) out.output = port
      return out
    }),
  }
}

const NODE_ID = /^[A-Za-z0-9_-]{1,100}$/

/** True when `id` is a valid node id for the API. */
export function isValidNodeId(id: string): boolean {
  return NODE_ID.test(id)
}

/** A fresh node id for a node of `type`: the type itself, then `type_2`, `type_3`, ... */
export function newNodeId(type: string, taken: Iterable<string>): string {
  const used = new Set(taken)
  const base = type.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 90) || 'node'
  if (!used.has(base)) return base
  for (let n = 2; ; n += 1) {
    const candidate = `${base}_${n}`
    if (!used.has(candidate)) return candidate
  }
}
