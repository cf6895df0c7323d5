/** Pure helpers of the test-event panel: the countdown, and how a preview reads. */

/** Whole seconds left until `until` (an ISO date), never below 0; 0 for no date. */
export function secondsLeft(until: string | null | undefined, now: number): number {
  if (!until) return 0
  const end = Date.parse(until)
  return Number.isNaN(end) ? 0 : Math.max(0, Math.ceil((end - now) / 1000))
}

/** `m:ss`, e.g. 299 → `4:59`. */
export function formatCountdown(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds))
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`
}

/** One line per evaluated param: its path, its value as JSON or the error, for the preview list. */
export interface PreviewLine {
  path: string
  value: string
  error?: string
}

/** The leaves of evaluated params as lines (`fields.total` → `42`), errors at their path. */
export function previewLines(params: unknown, errors: Record<string, string>): PreviewLine[] {
  const lines: PreviewLine[] = []
  const walk = (value: unknown, path: string): void => {
    if (path in errors) {
      lines.push({ path, value: '', error: errors[path] })
    } else if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
      for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key)
    } else if (path) {
      lines.push({ path, value: JSON.stringify(value) ?? 'null' })
    }
  }
  walk(params, '')
  // Errors at paths the params no longer have (edited meanwhile) are still shown.
  for (const [path, error] of Object.entries(errors)) {
    if (!lines.some((l) => l.path === path)) lines.push({ path, value: '', error })
  }
  return lines
}
