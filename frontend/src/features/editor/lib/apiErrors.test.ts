import { describe, expect, it } from 'vitest'

import captured from '../__fixtures__/errors422.json'
import { countNodeErrors, hasErrors, mapApiErrors, toErrorSchema } from './apiErrors'
import { edgeId } from './flow'
import type { WorkflowDefinition } from './types'

/** A refusal the real app gave (see __fixtures__/capture.mjs), with the definition that was sent. */
function refusal(key: keyof typeof captured) {
  const { sent, answer } = captured[key]
  return { definition: sent.definition as WorkflowDefinition, answer: answer as { message: string; errors?: unknown } }
}

describe('422 -> nodes, fields and edges', () => {
  it('puts param errors on the node and the dotted field they name', () => {
    const { definition, answer } = refusal('bad_params')
    const errors = mapApiErrors(answer, definition)
    expect(Object.keys(errors.nodes).sort()).toEqual(['big', 'shape'])
    expect(Object.keys(errors.nodes.big!.params).sort()).toEqual(['conditions.0.op', 'extra'])
    expect(errors.nodes.big!.params['conditions.0.op']![0]).toMatch(/^Must be one of/)
    expect(errors.nodes.shape!.params.fields).toEqual(['Missing data for required field.'])
    expect(errors.general).toEqual([])
    expect(countNodeErrors(errors.nodes.big)).toBe(2)
  })

  it('puts a step override error on the override field', () => {
    const { definition, answer } = refusal('bad_override')
    const errors = mapApiErrors(answer, definition)
    expect(Object.keys(errors.nodes.wait!.overrides)).toEqual(['timeout_seconds'])
    expect(errors.nodes.wait!.params).toEqual({})
  })

  it('marks the edges a graph rule refuses, and their source nodes', () => {
    const { definition, answer } = refusal('bad_graph')
    const errors = mapApiErrors(answer, definition)
    expect(Object.keys(errors.edges).sort()).toEqual([edgeId('check', 'true', 'hook'), edgeId('hook', 'maybe', 'check')].sort())
    expect(errors.edges[edgeId('hook', 'maybe', 'check')]![0]).toContain("no output port 'maybe'")
    expect(Object.keys(errors.nodes).sort()).toEqual(['check', 'hook'])
  })

  it('puts a node-level rule on that node', () => {
    const { definition, answer } = refusal('unreachable')
    const errors = mapApiErrors(answer, definition)
    expect(Object.keys(errors.nodes)).toEqual(['lonely'])
    expect(errors.nodes.lonely!.messages[0]).toContain('not reachable')
  })

  it("puts the workflow's own field errors on the field, without the request location", () => {
    const { definition, answer } = refusal('bad_name')
    const errors = mapApiErrors(answer, definition)
    expect(Object.keys(errors.fields)).toEqual(['name'])
    expect(errors.nodes).toEqual({})
  })

  it('keeps a message that names nothing as a general error', () => {
    const noTrigger = { json: { definition: { nodes: ['a workflow needs exactly one trigger node, found 0'] } } }
    const errors = mapApiErrors({ message: 'Unprocessable Entity', errors: noTrigger }, { nodes: [], edges: [] })
    expect(errors.general).toEqual(['nodes: a workflow needs exactly one trigger node, found 0'])
    expect(hasErrors(errors)).toBe(true)
    const bare = mapApiErrors({ message: 'Internal server error' }, { nodes: [], edges: [] })
    expect(bare.general).toEqual(['Internal server error'])
  })

  it('says which node or edge an error is about when the definition sent cannot name it', () => {
    const sent: WorkflowDefinition = { nodes: [{ id: 'hook', type: 'webhook' }, { type: 'fail' } as never], edges: [{ source: 'ghost', target: 'hook' }] }
    const answer = { errors: { json: { definition: {
      nodes: { 1: { id: ['Missing data for required field.'] } },
      edges: { 0: { source: ["node 'ghost' does not exist"] } },
    } } } }
    const errors = mapApiErrors(answer, sent)
    expect(errors.general).toEqual(['nodes.1.id: Missing data for required field.', "edge ghost -> hook: source: node 'ghost' does not exist"])
    expect(errors.edges[edgeId('ghost', 'main', 'hook')]).toEqual(["source: node 'ghost' does not exist"])
    expect(errors.nodes).toEqual({})
  })

  it('turns dotted paths into the error tree rjsf shows on fields', () => {
    expect(toErrorSchema({ 'conditions.0.op': ['bad op'], 'conditions.0.right': ['needed'], url: ['not a URL'] })).toEqual({
      conditions: { 0: { op: { __errors: ['bad op'] }, right: { __errors: ['needed'] } } },
      url: { __errors: ['not a URL'] },
    })
  })
})
