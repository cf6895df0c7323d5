/**
 * Timeline maths of an execution detail: one bar per step, placed to scale on the run's
 * time axis. Pure (no React, no clock): the caller passes `now` for what is still running.
 */

/** The fields of a step that the timeline needs (a StepLog of GET /api/logs/{id}). */
export interface TimelineStep {
  node_id: string
  type: string
  status: string
  attempts: number
  started_at?: string | null
  finished_at?: string | null
  next_attempt_at?: string | null
}

/** One step's bar, in percent of the axis. */
export interface TimelineBar {
  nodeId: string
  type: string
  status: string
  attempts: number
  /** Retries happened: the bar is the last attempt, `attempts - 1` came before it. */
  retried: boolean
  /** Milliseconds from the axis start to the step's start (null: the step never started). */
  offsetMs: number | null
  /** How long the step ran (so far, when still running); null when it never started. */
  durationMs: number | null
  /** Still running: the bar ends at `now`. */
  open: boolean
  leftPct: number
  widthPct: number
  /** Where a scheduled retry will start, in percent, when it falls inside the axis. */
  retryAtPct: number | null
}

/** A labelled tick on the axis. */
export interface TimelineTick {
  pct: number
  ms: number
  label: string
}

/** The whole timeline: the axis length, the bars in the order given, the ticks. */
export interface Timeline {
  totalMs: number
  bars: TimelineBar[]
  ticks: TimelineTick[]
}

/** Input of {@link computeTimeline}. */
export interface TimelineInput {
  startedAt: string
  finishedAt?: string | null
  steps: readonly TimelineStep[]
  /** Epoch milliseconds standing for 'now' (open bars and open runs end here). */
  now: number
  /** Narrowest bar in percent, so an instant step stays visible and clickable. */
  minWidthPct?: number
  /** About how many ticks to draw. */
  tickCount?: number
}

const parse = (value: string | null | undefined): number | null => {
  if (!value) return null
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? null : ms
}

/** A 'nice' tick interval (1, 2 or 5 × 10^k ms) that cuts `span` into about `count` parts. */
export function niceInterval(span: number, count: number): number {
  if (span <= 0 || count <= 0) return 1
  const raw = span / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].find((m) => m * power >= raw) ?? 10
  return step * power
}

/** A short human duration: 850 ms, 1.25 s, 2 min 5 s, 1 h 3 min. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(ms < 10_000 ? 2 : 1))} s`
  if (ms < 3_600_000) {
    const min = Math.floor(ms / 60_000)
    const s = Math.round((ms % 60_000) / 1000)
    return s ? `${min} min ${s} s` : `${min} min`
  }
  const h = Math.floor(ms / 3_600_000)
  const min = Math.round((ms % 3_600_000) / 60_000)
  return min ? `${h} h ${min} min` : `${h} h`
}

const clampPct = (value: number): number => Math.min(100, Math.max(0, value))

/**
 * Lay out the steps of a run on one axis. The axis starts at the earliest of the run's and
 * the steps' starts and ends at the run's end (or, while it runs, the latest of `now` and
 * every step's end), so every bar fits and bars keep their real proportions.
 */
export function computeTimeline(input: TimelineInput): Timeline {
  const { steps, now, minWidthPct = 0.5, tickCount = 5 } = input
  const runStart = parse(input.startedAt) ?? now
  const runEnd = parse(input.finishedAt)
  const starts = steps.map((s) => parse(s.started_at)).filter((v): v is number => v !== null)
  const axisStart = Math.min(runStart, ...starts)
  const ends = steps.map((s) => {
    const start = parse(s.started_at)
    if (start === null) return axisStart
    return parse(s.finished_at) ?? (s.status === 'running' ? now : start)
  })
  const axisEnd = runEnd ?? Math.max(now, ...ends)
  const totalMs = Math.max(0, Math.max(axisEnd, ...ends) - axisStart)
  const scale = totalMs > 0 ? 100 / totalMs : 0

  const bars = steps.map((step, i): TimelineBar => {
    const start = parse(step.started_at)
    const retryAt = parse(step.next_attempt_at)
    const retryAtPct = retryAt !== null && retryAt >= axisStart && retryAt <= axisStart + totalMs
      ? clampPct((retryAt - axisStart) * scale) : null
    const base = { nodeId: step.node_id, type: step.type, status: step.status, attempts: step.attempts,
      retried: step.attempts > 1, retryAtPct }
    if (start === null) {
      return { ...base, offsetMs: null, durationMs: null, open: false, leftPct: 0, widthPct: 0 }
    }
    const end = ends[i] ?? start
    const offsetMs = start - axisStart
    const durationMs = Math.max(0, end - start)
    const leftPct = totalMs > 0 ? clampPct(offsetMs * scale) : 0
    const width = totalMs > 0 ? durationMs * scale : 100
    const widthPct = Math.min(100 - leftPct, Math.max(minWidthPct, width))
    return { ...base, offsetMs, durationMs, open: parse(step.finished_at) === null && step.status === 'running',
      leftPct, widthPct: Math.max(0, widthPct) }
  })

  const ticks: TimelineTick[] = []
  if (totalMs > 0) {
    const interval = niceInterval(totalMs, tickCount)
    for (let ms = 0; ms <= totalMs + 1e-9; ms += interval) {
      ticks.push({ ms, pct: clampPct(ms * scale), label: ms === 0 ? '0' : formatDuration(ms) })
    }
  }
  return { totalMs, bars, ticks }
}
