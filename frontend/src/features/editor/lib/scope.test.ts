import { describe, expect, it } from 'vitest'

import { insertExpression, nodeRef, scopeNames, upstreamOf } from './scope'
import type { WorkflowDefinition } from './types'

const definition: WorkflowDefinition = {
  nodes: [
    { id: 'hook', type: 'webhook' }, { id: 'big', type: 'filter' },
    { id: 'shape', type: 'transform', params: { fields: { order: '{{ input.body.id }}', total: 1 } } },
    { id: 'notify-crm', type: 'http_request' }, { id: 'other', type: 'delay' },
  ],
  edges: [
    { source: 'hook', target: 'big' }, { source: 'big', target: 'shape' }, { source: 'shape', target: 'notify-crm' },
    { source: 'hook', target: 'other' },
  ],
}
const isTrigger = (type: string) => type === 'webhook'

describe('names in scope of an expression', () => {
  it('lists upstream nodes nearest first, and no others', () => {
    expect(upstreamOf('notify-crm', definition)).toEqual(['shape', 'big', 'hook'])
    expect(upstreamOf('hook', definition)).toEqual([])
  })

  it('offers input, trigger, upstream nodes and execution, with known output fields', () => {
    const paths = scopeNames('notify-crm', definition, isTrigger).map((n) => n.path)
    expect(paths).toEqual(expect.arrayContaining([
      'input', 'input.order', 'input.total', 'trigger', 'trigger.body',
      'nodes.shape', 'nodes.shape.order', 'nodes.big', 'nodes.hook', 'nodes.hook.body',
      'execution.id', 'execution.workflow_id', 'execution.started_at',
    ]))
    expect(paths.some((p) => p.includes('other'))).toBe(false)
  })

  it('sees through a filter to the fields that arrive', () => {
    const paths = scopeNames('shape', definition, isTrigger).map((n) => n.path)
    expect(paths).toContain('input.body')
  })

  it('quotes ids that are not identifiers', () => {
    expect(nodeRef('notify-crm')).toBe("nodes['notify-crm']")
    expect(nodeRef('shape')).toBe('nodes.shape')
  })

  it('inserts at the caret, replacing a selection', () => {
    expect(insertExpression('total: ', 'input.body.amount')).toEqual({ text: 'total: {{ input.body.amount }}', caret: 30 })
    expect(insertExpression('a XX b', 'trigger', 2, 4)).toEqual({ text: 'a {{ trigger }} b', caret: 15 })
  })
})
