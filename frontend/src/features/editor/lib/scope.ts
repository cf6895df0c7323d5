/**
 * Names an expression of a node can use (DESIGN.md "Expressions"): `input` (the output
 * arriving on its incoming edge), `nodes.<id>` for every upstream node, `trigger`,
 * `execution`. Known output fields of the built-in nodes are offered as well.
 */
import type { WorkflowDefinition } from './types'

/** One name the expression helper offers. */
export interface ScopeName {
  /** What goes between `{{ }}`. */
  path: string
  /** Where it comes from, for the helper's list. */
  hint: string
}

/** Output fields of built-in node types, when they are known before a run. */
const KNOWN_OUTPUTS: Record<string, string[]> = {
  webhook: ['body', 'headers', 'query', 'method'],
  http_request: ['status', 'headers', 'body'],
  schedule: ['scheduled_at'],
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

/** `nodes.<id>`, or `nodes['<id>']` when the id is not an identifier (e.g. has a '-'). */
export function nodeRef(id: string): string {
  return IDENTIFIER.test(id) ? `nodes.${id}` : `nodes['${id}']`
}

/** Fields a node's output is known to have (built-ins; transform: its field names). */
export function outputFields(node: WorkflowDefinition['nodes'][number]): string[] {
  if (node.type === 'transform') {
    const fields = node.params?.fields
    return fields && typeof fields === 'object' && !Array.isArray(fields) ? Object.keys(fields).filter((k) => IDENTIFIER.test(k)) : []
  }
  // filter, if and delay pass their input on: their fields are their parent's.
  return KNOWN_OUTPUTS[node.type] ?? []
}

/** Every node upstream of `nodeId`, nearest first. */
export function upstreamOf(nodeId: string, definition: WorkflowDefinition): string[] {
  const parents = new Map<string, string[]>()
  for (const edge of definition.edges) parents.set(edge.target, [...(parents.get(edge.target) ?? []), edge.source])
  const seen = new Set<string>([nodeId])
  const order: string[] = []
  let frontier = [nodeId]
  while (frontier.length) {
    const next: string[] = []
    for (const id of frontier) {
      for (const parent of parents.get(id) ?? []) {
        if (seen.has(parent)) continue
        seen.add(parent)
        order.push(parent)
        next.push(parent)
      }
    }
    frontier = next
  }
  return order
}

/** The fields of what arrives at `nodeId`: its direct parent's, looking through pass-through nodes. */
function inputFields(nodeId: string, definition: WorkflowDefinition): string[] {
  const byId = new Map(definition.nodes.map((n) => [n.id, n]))
  let current = nodeId
  for (let hops = 0; hops < definition.nodes.length; hops += 1) {
    const parent = definition.edges.find((e) => e.target === current)?.source
    const node = parent ? byId.get(parent) : undefined
    if (!node) return []
    if (!['filter', 'if', 'delay'].includes(node.type)) return outputFields(node)
    current = node.id
  }
  return []
}

/** The names in scope for an expression in `nodeId`'s params. */
export function scopeNames(nodeId: string, definition: WorkflowDefinition, isTrigger: (type: string) => boolean): ScopeName[] {
  const byId = new Map(definition.nodes.map((n) => [n.id, n]))
  const names: ScopeName[] = [{ path: 'input', hint: 'output of the node before this one' }]
  for (const field of inputFields(nodeId, definition)) names.push({ path: `input.${field}`, hint: 'field of the input' })
  const trigger = definition.nodes.find((n) => isTrigger(n.type))
  names.push({ path: 'trigger', hint: 'output of the trigger' })
  if (trigger) for (const field of outputFields(trigger)) names.push({ path: `trigger.${field}`, hint: 'field of the trigger output' })
  for (const id of upstreamOf(nodeId, definition)) {
    const node = byId.get(id)
    names.push({ path: nodeRef(id), hint: `output of ${node?.name || id}` })
    for (const field of node ? outputFields(node) : []) names.push({ path: `${nodeRef(id)}.${field}`, hint: `field of ${node?.name || id}` })
  }
  for (const field of ['id', 'workflow_id', 'started_at']) names.push({ path: `execution.${field}`, hint: 'this run' })
  return names
}

/** Insert `{{ path }}` into `text` at the caret (`start`..`end` replaced); returns text and new caret. */
export function insertExpression(text: string, path: string, start = text.length, end = start): { text: string; caret: number } {
  const snippet = `{{ ${path} }}`
  const next = text.slice(0, start) + snippet + text.slice(end)
  return { text: next, caret: start + snippet.length }
}

/** True when a value holds a `{{` expression, as the API decides it (its type is only known at run time). */
export function isExpression(value: unknown): boolean {
  return typeof value === 'string' && value.includes('{{')
}
