/** A one-line summary of a node's params for its card on the canvas ("amount > 100", "POST https://..."). */
import type { WorkflowNodeData } from './types'

const OPS: Record<string, string> = {
  eq: '=', ne: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤', contains: 'contains', not_contains: 'does not contain',
  starts_with: 'starts with', ends_with: 'ends with', exists: 'exists', not_exists: 'does not exist', is_empty: 'is empty',
}

/** `{{ input.body.amount }}` reads as `input.body.amount` on a card. */
function short(value: unknown): string {
  if (value === undefined) return ''
  const text = typeof value === 'string' ? value.replace(/^\{\{\s*([\s\S]*?)\s*\}\}$/, '$1') : JSON.stringify(value)
  return text.length > 28 ? `${text.slice(0, 27)}…` : text
}

function conditions(params: Record<string, unknown>): string {
  const list = Array.isArray(params.conditions) ? (params.conditions as Record<string, unknown>[]) : []
  const parts = list.map((c) => [short(c.left), OPS[String(c.op)] ?? String(c.op ?? ''), short(c.right)].filter(Boolean).join(' '))
  return parts.join(params.combine === 'any' ? ' or ' : ' and ')
}

/** The summary of a node, or '' when there is nothing worth showing. */
export function paramsSummary(data: WorkflowNodeData): string {
  const p = data.params
  switch (data.nodeType) {
    case 'filter':
    case 'if':
      return conditions(p)
    case 'transform':
      return p.fields && typeof p.fields === 'object' ? Object.keys(p.fields).join(', ') : ''
    case 'http_request':
      return [p.method, short(p.url)].filter(Boolean).join(' ')
    case 'delay':
      return p.seconds !== undefined ? `${short(p.seconds)} s` : ''
    case 'schedule':
      return p.cron ? `${String(p.cron)} ${p.timezone ? `(${String(p.timezone)})` : ''}`.trim() : ''
    case 'fail':
      return short(p.message)
    case 'webhook':
      return p.respond === 'when_finished' ? 'answers with the result' : p.secret ? 'signed calls only' : ''
    default:
      return ''
  }
}
