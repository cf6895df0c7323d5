import { describe, expect, it } from 'vitest'

import { edgeId, isValidNodeId, newNodeId, toDefinition, toFlow } from './flow'
import { paramsSummary } from './summary'
import type { WorkflowDefinition } from './types'

const definition: WorkflowDefinition = {
  nodes: [
    { id: 'hook', type: 'webhook', name: 'Order in', params: {}, position: { x: 0, y: 0 } },
    { id: 'check', type: 'if', params: { conditions: [{ left: '{{ input.body.ok }}', op: 'exists' }] }, position: { x: 300, y: 0 }, max_retries: 2 },
    { id: 'yes', type: 'transform', params: { fields: { a: 1 } }, position: { x: 600, y: -60 }, timeout_seconds: 5 },
  ],
  edges: [{ source: 'hook', target: 'check' }, { source: 'check', target: 'yes', output: 'true' }],
}

describe('definition <-> canvas', () => {
  it('round-trips a definition through the canvas unchanged', () => {
    const { nodes, edges } = toFlow(definition)
    expect(toDefinition(nodes, edges)).toEqual(definition)
  })

  it('turns output ports into edge handles and back', () => {
    const { edges } = toFlow(definition)
    expect(edges.map((e) => [e.id, e.sourceHandle])).toEqual([[edgeId('hook', 'main', 'check'), 'main'], [edgeId('check', 'true', 'yes'), 'true']])
  })

  it('rounds positions and leaves out an empty name', () => {
    const { nodes, edges } = toFlow(definition)
    const moved = nodes.map((n) => (n.id === 'hook' ? { ...n, position: { x: 10.4, y: 19.6 }, data: { ...n.data, name: '  ' } } : n))
    const [hook] = toDefinition(moved, edges).nodes
    expect(hook).toEqual({ id: 'hook', type: 'webhook', params: {}, position: { x: 10, y: 20 } })
  })

  it('gives new nodes free, valid ids', () => {
    expect(newNodeId('filter', [])).toBe('filter')
    expect(newNodeId('filter', ['filter', 'filter_2'])).toBe('filter_3')
    expect(isValidNodeId(newNodeId('acme.crm/upsert', []))).toBe(true)
  })
})

describe('node card summary', () => {
  it('reads conditions, fields and calls the way a person would say them', () => {
    expect(paramsSummary({ nodeType: 'filter', params: { conditions: [{ left: '{{ input.body.amount }}', op: 'gt', right: 100 }, { left: '{{ input.ok }}', op: 'exists' }], combine: 'any' } }))
      .toBe('input.body.amount > 100 or input.ok exists')
    expect(paramsSummary({ nodeType: 'transform', params: { fields: { order: 1, total: 2 } } })).toBe('order, total')
    expect(paramsSummary({ nodeType: 'http_request', params: { method: 'POST', url: 'https://example.com/hook' } })).toBe('POST https://example.com/hook')
    expect(paramsSummary({ nodeType: 'merge', params: {} })).toBe('')
  })
})
