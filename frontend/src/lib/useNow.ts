/** The current time, re-read every `ms` so that "3 min ago" stays true (a clock, not a fetch). */
import { useEffect, useState } from 'react'

export function useNow(ms = 30_000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms)
    return () => clearInterval(id)
  }, [ms])
  return now
}
