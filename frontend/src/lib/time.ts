/** Times as people read them: "3 min ago", and an exact local time for titles. */

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' })

const STEPS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
]

/** "now", "5 min. ago", "in 2 hr." relative to `now` (ms). */
export function timeAgo(iso: string, now: number = Date.now()): string {
  let value = (new Date(iso).getTime() - now) / 1000
  // A time slightly ahead is the clock moving on since `now` (or skew between machines).
  if (value > -5 && value < 120) return 'just now'
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit)
    value /= size
  }
  return relative.format(Math.round(value), 'year')
}

const exact = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

/** The exact local date and time. */
export function formatDateTime(iso: string): string {
  return exact.format(new Date(iso))
}
