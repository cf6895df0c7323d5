/**
 * Export and import of a workflow as a JSON document. The document carries the workflow's
 * writable fields; a bare `{nodes, edges}` definition is accepted on import too.
 */
import type { NodeCatalogue, WorkflowDefinition } from './types'

/** Marks an export file as ours (and which shape it has). */
export const EXPORT_FORMAT = 'automateos.workflow'
export const EXPORT_VERSION = 1

/** What an export file holds. */
export interface WorkflowDocument {
  format: typeof EXPORT_FORMAT
  version: typeof EXPORT_VERSION
  name: string
  description: string
  active: boolean
  retention_days: number | null
  keep_failed_days: number | null
  save: 'all' | 'failed_only' | 'none'
  definition: WorkflowDefinition
}

/** A parsed import: the definition and whatever workflow fields came with it. */
export interface ImportedWorkflow {
  definition: WorkflowDefinition
  fields: Partial<Omit<WorkflowDocument, 'format' | 'version' | 'definition'>>
}

/** The export document of a workflow (pretty-printed JSON). */
export function exportDocument(fields: Omit<WorkflowDocument, 'format' | 'version'>): string {
  const doc: WorkflowDocument = { format: EXPORT_FORMAT, version: EXPORT_VERSION, ...fields }
  return `${JSON.stringify(doc, null, 2)}\n`
}

/** A file name for an export: the workflow's name, made safe. */
export function exportFileName(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60)
  return `${slug || 'workflow'}.json`
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Result of validating an import: the workflow, or the problems found. */
export type ImportResult = { ok: true; value: ImportedWorkflow } | { ok: false; problems: string[] }

/**
 * Parse and check an import before it goes anywhere: JSON, a definition with nodes and
 * edges, ids and types of the right kind, types the server knows. The server checks the
 * rest (params, graph rules) when it is saved.
 */
export function parseImport(text: string, catalogue: NodeCatalogue): ImportResult {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    return { ok: false, problems: [`Not valid JSON: ${(error as Error).message}`] }
  }
  if (!isObject(data)) return { ok: false, problems: ['Expected a JSON object: an exported workflow or a {nodes, edges} definition.'] }
  const isDocument = 'definition' in data
  if (isDocument && data.format !== undefined && data.format !== EXPORT_FORMAT) {
    return { ok: false, problems: [`Unknown format '${String(data.format)}' (expected '${EXPORT_FORMAT}').`] }
  }
  const definition = isDocument ? data.definition : data
  const problems: string[] = []
  if (!isObject(definition)) return { ok: false, problems: ['definition must be an object with nodes and edges.'] }
  const { nodes, edges = [] } = definition
  if (!Array.isArray(nodes) || nodes.length === 0) problems.push('definition.nodes must be a non-empty list.')
  if (!Array.isArray(edges)) problems.push('definition.edges must be a list.')
  if (problems.length) return { ok: false, problems }
  const ids = new Set<string>()
  ;(nodes as unknown[]).forEach((node, i) => {
    if (!isObject(node)) return void problems.push(`nodes[${i}] must be an object.`)
    if (typeof node.id !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(node.id)) problems.push(`nodes[${i}].id must be 1-100 letters, digits, '_' or '-'.`)
    else if (ids.has(node.id)) problems.push(`node id '${node.id}' is used twice.`)
    else ids.add(node.id)
    if (typeof node.type !== 'string') problems.push(`nodes[${i}].type is required.`)
    else if (!catalogue[node.type]) problems.push(`node '${String(node.id)}': unknown type '${node.type}' (not installed here).`)
    if (node.params !== undefined && !isObject(node.params)) problems.push(`node '${String(node.id)}': params must be an object.`)
    if (node.position !== undefined && !(isObject(node.position) && typeof node.position.x === 'number' && typeof node.position.y === 'number')) {
      problems.push(`node '${String(node.id)}': position must be {x, y}.`)
    }
  })
  ;(edges as unknown[]).forEach((edge, i) => {
    if (!isObject(edge) || typeof edge.source !== 'string' || typeof edge.target !== 'string') {
      return void problems.push(`edges[${i}] must be an object with string source and target.`)
    }
    for (const end of [edge.source, edge.target]) if (!ids.has(end)) problems.push(`edges[${i}]: node '${end}' does not exist.`)
    if (edge.output !== undefined && typeof edge.output !== 'string') problems.push(`edges[${i}].output must be a string.`)
  })
  if (problems.length) return { ok: false, problems }
  const fields: ImportedWorkflow['fields'] = {}
  if (isDocument) {
    if (typeof data.name === 'string' && data.name.trim()) fields.name = data.name.trim().slice(0, 200)
    if (typeof data.description === 'string') fields.description = data.description
    if (typeof data.active === 'boolean') fields.active = data.active
    for (const key of ['retention_days', 'keep_failed_days'] as const) {
      const value = data[key]
      if (value === null || (typeof value === 'number' && Number.isInteger(value))) fields[key] = value
    }
    if (data.save === 'all' || data.save === 'failed_only' || data.save === 'none') fields.save = data.save
  }
  return { ok: true, value: { definition: { nodes: nodes as WorkflowDefinition['nodes'], edges: edges as WorkflowDefinition['edges'] }, fields } }
}
