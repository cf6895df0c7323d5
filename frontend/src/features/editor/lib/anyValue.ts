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
