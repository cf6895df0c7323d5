/** The payload a manual run starts with, shaped like what the workflow's trigger outputs. */

/** A starting payload for "Run now" (a webhook trigger outputs `{body, headers, query, method}`). */
export function samplePayload(triggerType: string | undefined): unknown {
  if (triggerType === 'webhook') return { body: { hello: 'world' }, headers: {}, query: {}, method: 'POST' }
  if (triggerType === 'schedule') return { scheduled_at: new Date().toISOString() }
  return {}
}

/** Parse a typed JSON payload; `{ok: false}` carries the parser's message. */
export function parsePayload(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, value: null }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch (error) {
    return { ok: false, message: `Not valid JSON: ${(error as Error).message}` }
  }
}
