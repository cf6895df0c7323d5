/**
 * Values of params with no declared type (a condition's `left`/`right`, http_request's
 * `json`): typed as text, read as JSON when they are JSON (`100`, `true`, `[1]`), kept as
 * text otherwise (and always when they hold an expression).
 */
export type AnyValue = string | number | boolean | null | AnyValue[] | { [key: string]: AnyValue } | undefined

/** The value a typed text stands for. */
export function parseAnyValue(text: string): AnyValue {
  if (text.trim() === '') return undefined
  if (text.includes('{{')) return text
  try {
    return JSON.parse(text) as AnyValue
  } catch {
    return text
  }
}

/** The text that shows a value (strings as they are, the rest as JSON). */
export function showAnyValue(value: AnyValue): string {
  if (value === undefined) return ''
  if (typeof value === 'string') {
    // A string that would read back as something else is shown quoted.
    const back = parseAnyValue(value)
    return back === value ? value : JSON.stringify(value)
  }
  return JSON.stringify(value)
}

/** Deep equality of two JSON values. */
export function sameValue(a: AnyValue, b: AnyValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/**
 * What a number param's text stands for: a number when the text is one as written
 * (`12`, `1.25`, not `1.` or `1.0` still being typed), else the text itself (an expression,
 * or something the validator will flag).
 */
export function toNumberOrText(value: unknown): unknown {
  if (typeof value !== 'string') return value
  const text = value.trim()
  if (text === '') return undefined
  if (text.includes('{{')) return value
  const n = Number(text)
  return Number.isFinite(n) && String(n) === text ? n : value
}
