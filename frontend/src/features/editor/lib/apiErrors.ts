/**
 * The API's 422 answers mapped onto the editor: which node, which param field, which edge.
 *
 * The API checks a definition field by field and answers under the request location, e.g.
 * `{errors: {json: {definition: {nodes: {2: {params: {url: [...]}}}, edges: {0: {output: [...]}}}}}}`
 * (node and edge by their index in the definition sent; `_schema` is "the object as a whole").
 * The workflow's own fields come back beside it, as `{errors: {json: {name: [...]}}}`.
 */
import { edgeId, MAIN_PORT } from './flow'
import { STEP_OVERRIDES, type WorkflowDefinition } from './types'

/** Errors about one node: by param path (dotted, e.g. `conditions.0.op`) and about the node itself. */
export interface NodeErrors {
  /** Param path -> messages. */
  params: Record<string, string[]>
  /** Override field (`max_retries`, `timeout_seconds`, ...) -> messages. */
  overrides: Record<string, string[]>
  /** Messages about the node as a whole (its type, its edges, reachability...). */
  messages: string[]
}

/** Everything a failed save said, placed where the editor shows it. */
export interface EditorErrors {
  nodes: Record<string, NodeErrors>
  /** Edge id (see `edgeId`) -> messages. */
  edges: Record<string, string[]>
  /** Workflow field (`name`, `retention_days`, ...) -> messages. */
  fields: Record<string, string[]>
  /** What names nothing in particular. */
  general: string[]
}

/** The state before any save, or after a successful one. */
export const NO_ERRORS: EditorErrors = { nodes: {}, edges: {}, fields: {}, general: [] }

const OVERRIDES: readonly string[] = [...STEP_OVERRIDES, 'retry_backoff']
const SCHEMA = '_schema'

/** True when there is nothing to show. */
export function hasErrors(errors: EditorErrors): boolean {
  return (
    Object.keys(errors.nodes).length + Object.keys(errors.edges).length + Object.keys(errors.fields).length + errors.general.length > 0
  )
}

function nodeEntry(errors: EditorErrors, id: string): NodeErrors {
  errors.nodes[id] ??= { params: {}, overrides: {}, messages: [] }
  return errors.nodes[id]
}

function push(into: Record<string, string[]>, key: string, message: string): void {
  ;(into[key] ??= []).push(message)
}

/** Place the messages at one path inside the definition (`nodes.2.params.url`, `edges.0.output`, ...). */
function placeDefinitionError(errors: EditorErrors, path: string[], messages: string[], definition: WorkflowDefinition): void {
  const [list, index, field, ...rest] = path
  const at = Number(index)
  const node = list === 'nodes' && Number.isInteger(at) ? definition.nodes[at] : undefined
  const edge = list === 'edges' && Number.isInteger(at) ? definition.edges[at] : undefined
  if (node && typeof node.id === 'string') {
    const entry = nodeEntry(errors, node.id)
    if (field === 'params' && rest.length > 0 && rest[0] !== SCHEMA) for (const m of messages) push(entry.params, rest.join('.'), m)
    else if (field && OVERRIDES.includes(field) && rest.length === 0) for (const m of messages) push(entry.overrides, field, m)
    else entry.messages.push(...messages.map((m) => labelled(field, m)))
    return
  }
  if (edge && typeof edge.source === 'string' && typeof edge.target === 'string') {
    const port = (typeof edge.output === 'string' && edge.output) || MAIN_PORT
    for (const m of messages) push(errors.edges, edgeId(edge.source, port, edge.target), labelled(field, m))
    // The edge may not be on the canvas (e.g. it names no node): its source node, or the list, says it too.
    const about = messages.map((m) => `edge ${edge.source} -> ${edge.target}: ${labelled(field, m)}`)
    if (definition.nodes.some((n) => n.id === edge.source)) nodeEntry(errors, edge.source).messages.push(...about)
    else errors.general.push(...about)
    return
  }
  errors.general.push(...messages.map((m) => labelled(path.filter((p) => p !== SCHEMA).join('.') || undefined, m)))
}

/** `field: message`, unless the message is about the object as a whole. */
function labelled(field: string | undefined, message: string): string {
  return field && field !== SCHEMA ? `${field}: ${message}` : message
}

function flattenFields(value: unknown, path: string[], into: Record<string, string[]>): void {
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    into[path.join('.')] = [...(into[path.join('.')] ?? []), ...(value as string[])]
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) flattenFields(inner, [...path, key], into)
  } else if (typeof value === 'string') {
    push(into, path.join('.'), value)
  }
}

/**
 * Map an API error body's `errors` (and `message`) onto nodes, edges and fields.
 * `definition` is the one that was sent, to resolve edges and node indexes.
 */
export function mapApiErrors(body: { message?: string; errors?: unknown }, definition: WorkflowDefinition): EditorErrors {
  const errors: EditorErrors = { nodes: {}, edges: {}, fields: {}, general: [] }
  const raw = body.errors && typeof body.errors === 'object' ? (body.errors as Record<string, unknown>) : {}
  for (const inner of Object.values(raw)) {
    // flask-smorest nests field errors under the request location (json, query...).
    const fields: Record<string, string[]> = {}
    flattenFields(inner, [], fields)
    for (const [field, messages] of Object.entries(fields)) {
      const [head, ...path] = field.split('.')
      if (head === 'definition') placeDefinitionError(errors, path, messages, definition)
      else for (const message of messages) push(errors.fields, field, message)
    }
  }
  if (!hasErrors(errors) && body.message) errors.general.push(body.message)
  return errors
}

/** A node's param errors as rjsf's ErrorSchema (`{conditions: {0: {op: {__errors: [...]}}}}`). */
export function toErrorSchema(params: Record<string, string[]>): Record<string, unknown> {
  const schema: Record<string, unknown> = {}
  for (const [path, messages] of Object.entries(params)) {
    let level = schema
    for (const part of path.split('.')) {
      level[part] ??= {}
      level = level[part] as Record<string, unknown>
    }
    level.__errors = [...((level.__errors as string[] | undefined) ?? []), ...messages]
  }
  return schema
}

/** Number of problems on one node (for its badge). */
export function countNodeErrors(entry: NodeErrors | undefined): number {
  if (!entry) return 0
  const count = (r: Record<string, string[]>) => Object.values(r).reduce((n, m) => n + m.length, 0)
  return count(entry.params) + count(entry.overrides) + entry.messages.length
}
