import { describe, expect, it } from 'vitest'

import nodes from '../__fixtures__/nodes.json'
import { exportDocument, exportFileName, parseImport } from './transfer'
import type { NodeCatalogue, NodeTypeInfo } from './types'

const catalogue: NodeCatalogue = Object.fromEntries((nodes as unknown as NodeTypeInfo[]).map((t) => [t.type, t]))
const definition = {
  nodes: [{ id: 'hook', type: 'webhook', params: {} }, { id: 'shape', type: 'transform', params: { fields: { a: '{{ input.body.a }}' } } }],
  edges: [{ source: 'hook', target: 'shape' }],
}
const fields = { name: 'Orders', description: 'big ones', active: false, retention_days: 7, keep_failed_days: null, save: 'failed_only' as const }

describe('export and import', () => {
  it('imports what it exports', () => {
    const result = parseImport(exportDocument({ ...fields, definition }), catalogue)
    expect(result).toEqual({ ok: true, value: { definition, fields } })
  })

  it('takes a bare definition too', () => {
    const result = parseImport(JSON.stringify(definition), catalogue)
    expect(result.ok && result.value).toEqual({ definition, fields: {} })
  })

  it('refuses what is not JSON, or not a workflow, with the reason', () => {
    const notJson = parseImport('{nodes: [', catalogue)
    expect(notJson.ok).toBe(false)
    expect(!notJson.ok && notJson.problems[0]).toMatch(/^Not valid JSON/)
    const empty = parseImport('{"nodes": []}', catalogue)
    expect(!empty.ok && empty.problems).toEqual(['definition.nodes must be a non-empty list.'])
  })

  it('names unknown node types, duplicate ids and dangling edges', () => {
    const bad = {
      nodes: [{ id: 'hook', type: 'webhook' }, { id: 'hook', type: 'transform' }, { id: 'x', type: 'acme_crm' }],
      edges: [{ source: 'hook', target: 'ghost' }],
    }
    const result = parseImport(JSON.stringify(bad), catalogue)
    expect(!result.ok && result.problems).toEqual([
      "node id 'hook' is used twice.",
      "node 'x': unknown type 'acme_crm' (not installed here).",
      "edges[0]: node 'ghost' does not exist.",
    ])
  })

  it('names the file after the workflow', () => {
    expect(exportFileName('Big orders → CRM!')).toBe('big-orders-crm.json')
    expect(exportFileName('!!!')).toBe('workflow.json')
  })
})
