/**
 * The canvas state: React Flow nodes and edges as plain state, and the edits the editor
 * makes to them (add, connect, remove, change data, auto-layout, replace).
 */
import {
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type XYPosition,
} from '@xyflow/react'
import { useCallback, useMemo, useState } from 'react'

import { paramsWithDefaults } from '../lib/defaults'
import { newNodeId, toDefinition, toFlow, toFlowEdge, type WorkflowFlowEdge, type WorkflowFlowNode } from '../lib/flow'
import { layoutNodes } from '../lib/layout'
import type { NodeCatalogue, WorkflowDefinition, WorkflowNodeData } from '../lib/types'

const COLUMN = 300
const ROW = 130

/** Why a connection is refused, or null when it may be made. */
export function connectionProblem(
  connection: Pick<Connection, 'source' | 'target' | 'sourceHandle'>,
  nodes: WorkflowFlowNode[],
  edges: WorkflowFlowEdge[],
  catalogue: NodeCatalogue,
): string | null {
  const { source, target } = connection
  if (source === target) return 'A node cannot feed itself.'
  const targetNode = nodes.find((n) => n.id === target)
  if (!targetNode) return 'No such node.'
  const targetInfo = catalogue[targetNode.data.nodeType]
  if (targetInfo?.category === 'trigger') return 'A trigger has no input.'
  const port = connection.sourceHandle || 'main'
  if (edges.some((e) => e.source === source && e.target === target && (e.sourceHandle || 'main') === port)) return 'Already connected.'
  // Only a joining node (merge) takes several branches in.
  const joins = targetInfo?.joins_branches ?? targetNode.data.nodeType === 'merge'
  if (edges.some((e) => e.target === target) && !joins) return 'This node already has an input; join branches with a Merge node.'
  // Refuse a cycle: the target must not already lead back to the source.
  const todo = [target]
  const seen = new Set<string>()
  while (todo.length) {
    const id = todo.pop() as string
    if (id === source) return 'That would make a cycle.'
    if (seen.has(id)) continue
    seen.add(id)
    for (const e of edges) if (e.source === id) todo.push(e.target)
  }
  return null
}

/** Where a node added by click goes: after the selected node, or right of everything. */
function placeNew(nodes: WorkflowFlowNode[], after?: WorkflowFlowNode): XYPosition {
  if (nodes.length === 0) return { x: 0, y: 0 }
  const anchor = after ?? nodes.reduce((a, b) => (b.position.x > a.position.x ? b : a))
  const x = anchor.position.x + COLUMN
  let y = anchor.position.y
  // Step down past nodes already in that spot.
  while (nodes.some((n) => Math.abs(n.position.x - x) < COLUMN / 2 && Math.abs(n.position.y - y) < ROW / 2)) y += ROW
  return { x, y }
}

export interface WorkflowGraph {
  nodes: WorkflowFlowNode[]
  edges: WorkflowFlowEdge[]
  /** The definition of the current state (what Save sends). */
  definition: WorkflowDefinition
  onNodesChange: (changes: NodeChange<WorkflowFlowNode>[]) => void
  onEdgesChange: (changes: EdgeChange<WorkflowFlowEdge>[]) => void
  /** Add a node of `type` at `position` (default: after the selected node, connected to it). */
  addNode: (type: string, position?: XYPosition) => string
  connect: (connection: Pick<Connection, 'source' | 'target' | 'sourceHandle'>) => string | null
  removeNode: (id: string) => void
  removeEdge: (id: string) => void
  updateNode: (id: string, patch: Partial<WorkflowNodeData>) => void
  select: (id: string | null) => void
  autoLayout: () => void
  /** Replace everything (load, import). */
  reset: (definition: WorkflowDefinition) => void
}

/** Graph state seeded from `initial` (laid out when it has no stored positions). */
export function useWorkflowGraph(initial: WorkflowDefinition, catalogue: NodeCatalogue): WorkflowGraph {
  const [state, setState] = useState(() => seed(initial))
  const { nodes, edges } = state

  const onNodesChange = useCallback((changes: NodeChange<WorkflowFlowNode>[]) => {
    setState((s) => {
      const removed = new Set(changes.flatMap((c) => (c.type === 'remove' ? [c.id] : [])))
      return {
        nodes: applyNodeChanges(changes, s.nodes),
        edges: removed.size ? s.edges.filter((e) => !removed.has(e.source) && !removed.has(e.target)) : s.edges,
      }
    })
  }, [])
  const onEdgesChange = useCallback((changes: EdgeChange<WorkflowFlowEdge>[]) => {
    setState((s) => ({ ...s, edges: applyEdgeChanges(changes, s.edges) }))
  }, [])

  const connect = useCallback(
    (connection: Pick<Connection, 'source' | 'target' | 'sourceHandle'>) => {
      const problem = connectionProblem(connection, state.nodes, state.edges, catalogue)
      if (!problem) {
        const edge = toFlowEdge({ source: connection.source, target: connection.target, output: connection.sourceHandle || undefined })
        setState((s) => ({ ...s, edges: [...s.edges.filter((e) => e.id !== edge.id), edge] }))
      }
      return problem
    },
    [state, catalogue],
  )

  const addNode = useCallback(
    (type: string, position?: XYPosition) => {
      const id = newNodeId(type, state.nodes.map((n) => n.id))
      const selected = state.nodes.find((n) => n.selected)
      const node: WorkflowFlowNode = {
        id,
        type: 'workflow',
        position: position ?? placeNew(state.nodes, selected),
        data: { nodeType: type, params: paramsWithDefaults(catalogue[type]) },
        selected: true,
      }
      let newEdges = state.edges
      const info = catalogue[type]
      const fromInfo = selected ? catalogue[selected.data.nodeType] : undefined
      // A click-added node follows the selected one when that is unambiguous (one output port, not yet used).
      if (!position && selected && info?.category !== 'trigger' && fromInfo?.outputs.length === 1 && !state.edges.some((e) => e.source === selected.id)) {
        newEdges = [...state.edges, toFlowEdge({ source: selected.id, target: id, output: fromInfo.outputs[0] })]
      }
      setState({ nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node], edges: newEdges.map((e) => (e.selected ? { ...e, selected: false } : e)) })
      return id
    },
    [state, catalogue],
  )

  const removeNode = useCallback((id: string) => {
    setState((s) => ({ nodes: s.nodes.filter((n) => n.id !== id), edges: s.edges.filter((e) => e.source !== id && e.target !== id) }))
  }, [])
  const removeEdge = useCallback((id: string) => setState((s) => ({ ...s, edges: s.edges.filter((e) => e.id !== id) })), [])
  const updateNode = useCallback((id: string, patch: Partial<WorkflowNodeData>) => {
    setState((s) => ({ ...s, nodes: s.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n)) }))
  }, [])
  const select = useCallback((id: string | null) => {
    setState((s) => ({
      nodes: s.nodes.map((n) => (n.selected === (n.id === id) ? n : { ...n, selected: n.id === id })),
      edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
    }))
  }, [])
  const autoLayout = useCallback(() => setState((s) => ({ ...s, nodes: layoutNodes(s.nodes, s.edges) })), [])
  const reset = useCallback((definition: WorkflowDefinition) => setState(seed(definition)), [])

  const definition = useMemo(() => toDefinition(nodes, edges), [nodes, edges])
  return { nodes, edges, definition, onNodesChange, onEdgesChange, addNode, connect, removeNode, removeEdge, updateNode, select, autoLayout, reset }
}

function seed(definition: WorkflowDefinition): { nodes: WorkflowFlowNode[]; edges: WorkflowFlowEdge[] } {
  const flow = toFlow(definition)
  // A definition written by hand or by the API alone has no positions: lay it out once.
  if (definition.nodes.some((n) => !n.position)) flow.nodes = layoutNodes(flow.nodes, flow.edges)
  return flow
}
