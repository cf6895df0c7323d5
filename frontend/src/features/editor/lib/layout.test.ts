import { describe, expect, it } from 'vitest'

import { toFlow, type WorkflowFlowNode } from './flow'
import { DEFAULT_NODE_SIZE, layoutNodes } from './layout'
import type { WorkflowDefinition } from './types'

const branching: WorkflowDefinition = {
  nodes: [
    { id: 'hook', type: 'webhook' }, { id: 'check', type: 'if' }, { id: 'yes', type: 'transform' },
    { id: 'no', type: 'transform' }, { id: 'join', type: 'merge' }, { id: 'done', type: 'delay' },
  ],
  edges: [
    { source: 'hook', target: 'check' }, { source: 'check', target: 'yes', output: 'true' },
    { source: 'check', target: 'no', output: 'false' }, { source: 'yes', target: 'join' },
    { source: 'no', target: 'join' }, { source: 'join', target: 'done' },
  ],
}

function overlaps(a: WorkflowFlowNode, b: WorkflowFlowNode): boolean {
  const { width, height } = DEFAULT_NODE_SIZE
  return Math.abs(a.position.x - b.position.x) < width && Math.abs(a.position.y - b.position.y) < height
}

describe('auto-layout', () => {
  const flow = toFlow(branching)
  const laid = layoutNodes(flow.nodes, flow.edges)
  const at = Object.fromEntries(laid.map((n) => [n.id, n.position]))

  it('places every edge left to right', () => {
    for (const edge of branching.edges) expect(at[edge.target]!.x).toBeGreaterThan(at[edge.source]!.x)
  })

  it('puts parallel branches in one column, one above the other', () => {
    expect(at.yes!.x).toBe(at.no!.x)
    expect(at.yes!.y).not.toBe(at.no!.y)
  })

  it('leaves no two nodes on top of each other', () => {
    for (const a of laid) for (const b of laid) if (a.id !== b.id) expect(overlaps(a, b)).toBe(false)
  })

  it('uses measured sizes when React Flow has them', () => {
    const wide = flow.nodes.map((n) => (n.id === 'hook' ? { ...n, measured: { width: 600, height: 84 } } : n))
    const placed = Object.fromEntries(layoutNodes(wide, flow.edges).map((n) => [n.id, n.position]))
    expect(placed.check!.x - placed.hook!.x).toBeGreaterThanOrEqual(600)
  })

  it('changes positions only, never the graph', () => {
    expect(laid.map((n) => [n.id, n.data])).toEqual(flow.nodes.map((n) => [n.id, n.data]))
  })
})
