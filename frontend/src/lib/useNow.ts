/**
 * The current time, re-read every `ms` while `active` so that "3 min ago" or a countdown
 * stays true (a clock, not a fetch). It is read once more as soon as it (re)starts.
 */
import { useEffect, useState } from 'react'

export function useNow(ms = 30_000, active = true): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return
    const tick = () => setNow(Date.now())
    const first = setTimeout(tick, 0)
    const id = setInterval(tick, ms)
    return () => {
      clearTimeout(first)
      clearInterval(id)
    }
  }, [ms, active])
  return now
}
