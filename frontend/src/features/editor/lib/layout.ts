/**
 * Auto-layout with dagre: computed on demand, never stored as such. The positions it
 * gives become the nodes' `position`, which the definition keeps for the editor.
 */
import { Graph, layout } from '@dagrejs/dagre'

import type { WorkflowFlowEdge, WorkflowFlowNode } from './flow'

/** Size assumed for a node React Flow has not measured yet (e.g. before the first paint). */
export const DEFAULT_NODE_SIZE = { width: 220, height: 84 }

export interface LayoutOptions {
  /** LR: left to right (the default, like a pipeline); TB: top to bottom. */
  direction?: 'LR' | 'TB'
  /** Gap between nodes of one rank, and between ranks. */
  nodeGap?: number
  rankGap?: number
}

/** Nodes moved to a layered layout of the graph (top-left positions, as React Flow wants). */
export function layoutNodes(
  nodes: WorkflowFlowNode[],
  edges: WorkflowFlowEdge[],
  { direction = 'LR', nodeGap = 40, rankGap = 90 }: LayoutOptions = {},
): WorkflowFlowNode[] {
  const graph = new Graph()
  graph.setGraph({ rankdir: direction, nodesep: nodeGap, ranksep: rankGap, marginx: 20, marginy: 20 })
  graph.setDefaultEdgeLabel(() => ({}))
  const sizes = new Map(nodes.map((node) => [node.id, sizeOf(node)]))
  for (const node of nodes) graph.setNode(node.id, { ...sizes.get(node.id) })
  for (const edge of edges) {
    if (sizes.has(edge.source) && sizes.has(edge.target)) graph.setEdge(edge.source, edge.target)
  }
  layout(graph)
  return nodes.map((node) => {
    const placed = graph.node(node.id)
    const size = sizes.get(node.id) ?? DEFAULT_NODE_SIZE
    // dagre gives centres; React Flow positions are top-left corners.
    return { ...node, position: { x: Math.round(placed.x - size.width / 2), y: Math.round(placed.y - size.height / 2) } }
  })
}

function sizeOf(node: WorkflowFlowNode): { width: number; height: number } {
  return {
    width: node.measured?.width ?? node.width ?? DEFAULT_NODE_SIZE.width,
    height: node.measured?.height ?? node.height ?? DEFAULT_NODE_SIZE.height,
  }
}
