import { describe, expect, it } from 'vitest'

import nodes from '../__fixtures__/nodes.json'
import { toFlow } from '../lib/flow'
import type { NodeCatalogue, NodeTypeInfo } from '../lib/types'
import { connectionProblem } from './useWorkflowGraph'

const catalogue: NodeCatalogue = Object.fromEntries((nodes as unknown as NodeTypeInfo[]).map((t) => [t.type, t]))
const flow = toFlow({
  nodes: [
    { id: 'hook', type: 'webhook' }, { id: 'check', type: 'if' }, { id: 'a', type: 'transform' },
    { id: 'b', type: 'transform' }, { id: 'join', type: 'merge' }, { id: 'free', type: 'delay' },
  ],
  edges: [{ source: 'hook', target: 'check' }, { source: 'check', target: 'a', output: 'true' }, { source: 'a', target: 'join' }],
})
const problem = (source: string, target: string, sourceHandle = 'main') =>
  connectionProblem({ source, target, sourceHandle }, flow.nodes, flow.edges, catalogue)

describe('which connections the canvas accepts (the rules the API would refuse)', () => {
  it('accepts an output port into a free input', () => {
    expect(problem('check', 'b', 'false')).toBeNull()
    expect(problem('a', 'free')).toBeNull()
  })

  it('lets several branches into a merge only', () => {
    expect(problem('b', 'join')).toBeNull()
    expect(problem('b', 'a')).toMatch(/already has an input/)
  })

  it('refuses a cycle, a loop onto itself, an edge into a trigger, and the same edge twice', () => {
    expect(problem('join', 'check')).toMatch(/already has an input|cycle/)
    expect(problem('a', 'a')).toMatch(/itself/)
    expect(problem('free', 'hook')).toMatch(/trigger/)
    expect(problem('check', 'a', 'true')).toMatch(/Already connected/)
  })

  it('refuses a cycle even into a node that joins branches', () => {
    const withLoop = toFlow({
      nodes: [{ id: 'hook', type: 'webhook' }, { id: 'join', type: 'merge' }, { id: 'after', type: 'delay' }],
      edges: [{ source: 'hook', target: 'join' }, { source: 'join', target: 'after' }],
    })
    expect(connectionProblem({ source: 'after', target: 'join', sourceHandle: 'main' }, withLoop.nodes, withLoop.edges, catalogue)).toMatch(/cycle/)
  })
})

describe('a plugin node that joins branches', () => {
  it('takes several inputs when the catalogue says it joins', () => {
    const joining: NodeCatalogue = { ...catalogue, collect: { ...catalogue.merge!, type: 'collect', joins_branches: true } }
    const graph = toFlow({
      nodes: [{ id: 'hook', type: 'webhook' }, { id: 'check', type: 'if' }, { id: 'all', type: 'collect' }],
      edges: [{ source: 'hook', target: 'check' }, { source: 'check', target: 'all', output: 'true' }],
    })
    expect(connectionProblem({ source: 'check', target: 'all', sourceHandle: 'false' }, graph.nodes, graph.edges, joining)).toBeNull()
    expect(connectionProblem({ source: 'check', target: 'all', sourceHandle: 'false' }, graph.nodes, graph.edges, { ...joining, collect: { ...joining.collect!, joins_branches: false } }))
      .toMatch(/already has an input/)
  })
})
