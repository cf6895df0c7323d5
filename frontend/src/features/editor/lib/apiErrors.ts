/**
 * The API's 422 answers mapped onto the editor: which node, which param field, which edge.
 *
 * Saving runs the definition checks of automateos/engine/graph.py, whose messages name
 * what they are about, e.g. `node 'big' (filter): params.conditions.0.op: Must be one of ...`,
 * `node 'c' (delay): timeout_seconds must be ...`, `edge a -> b: node 'a' has no output port ...`,
 * `node 'x' is not reachable from the trigger 'hook'`. The workflow's own fields come back
 * as `{errors: {json: {name: [...]}}}`.
 */
import { edgeId, MAIN_PORT } from './flow'
import type { WorkflowDefinition } from './types'

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

const NODE_PARAM = /^node '([^']+)' \([^)]*\): params\.([^:]+): (.+)$/s
const NODE_OVERRIDE = /^node '([^']+)' \([^)]*\): (max_retries|retry_backoff|timeout_seconds) (.+)$/s
const NODE_ANY = /^node(?: id)? '([^']+)'/
const NODE_INDEX = /^nodes\[(\d+)\]/
const EDGE = /^edge (\S+) -> (\S+)(?: is given twice|:)/

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

/** Place one definition problem (a message of `errors.definition`). */
function placeProblem(errors: EditorErrors, problem: string, definition: WorkflowDefinition): void {
  const param = NODE_PARAM.exec(problem)
  if (param) {
    const [, id = '', path = '', message = ''] = param
    // `_schema` is marshmallow's name for "the params object as a whole".
    if (path === '_schema') nodeEntry(errors, id).messages.push(message)
    else push(nodeEntry(errors, id).params, path, message)
    return
  }
  const override = NODE_OVERRIDE.exec(problem)
  if (override) {
    const [, id = '', field = '', rest = ''] = override
    push(nodeEntry(errors, id).overrides, field, `${field} ${rest}`)
    return
  }
  const edge = EDGE.exec(problem)
  if (edge) {
    const [, source = '', target = ''] = edge
    const matching = definition.edges.filter((e) => e.source === source && e.target === target)
    const message = problem.replace(/^edge \S+ -> \S+:?\s*/, '') || problem
    for (const e of matching.length ? matching : [{ source, target }]) {
      push(errors.edges, edgeId(e.source, ('output' in e && e.output) || MAIN_PORT, e.target), message)
    }
    // The edge may not be on the canvas (e.g. an unknown node): the source node says it too.
    if (definition.nodes.some((n) => n.id === source)) nodeEntry(errors, source).messages.push(problem)
    else errors.general.push(problem)
    return
  }
  const anyNode = NODE_ANY.exec(problem)
  if (anyNode?.[1] && definition.nodes.some((n) => n.id === anyNode[1])) {
    nodeEntry(errors, anyNode[1]).messages.push(problem)
    return
  }
  const index = NODE_INDEX.exec(problem)
  const indexed = index ? definition.nodes[Number(index[1])] : undefined
  if (indexed && typeof indexed.id === 'string') {
    nodeEntry(errors, indexed.id).messages.push(problem)
    return
  }
  errors.general.push(problem)
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
  const problems = Array.isArray(raw.definition) ? raw.definition.filter((p): p is string => typeof p === 'string') : []
  for (const problem of problems) placeProblem(errors, problem, definition)
  for (const [location, inner] of Object.entries(raw)) {
    if (location === 'definition') continue
    // flask-smorest nests field errors under the request location (json, query...).
    const fields: Record<string, string[]> = {}
    flattenFields(inner, [], fields)
    for (const [field, messages] of Object.entries(fields)) {
      if (field === 'definition' || field.startsWith('definition.')) errors.general.push(...messages)
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
