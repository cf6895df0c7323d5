/** A run's or step's status as a coloured badge (text, not colour alone, carries it). */
import { Badge, Spinner } from '@chakra-ui/react'

/** Chakra colour palette of each status, shared by badges, row edges and timeline bars. */
export const STATUS_PALETTE: Record<string, string> = {
  queued: 'gray',
  pending: 'gray',
  running: 'blue',
  success: 'green',
  failed: 'red',
  skipped: 'orange',
}

/** The palette of a status (gray for one we do not know). */
export const paletteOf = (status: string): string => STATUS_PALETTE[status] ?? 'gray'

/** A status badge; a running one spins. */
export function StatusBadge({ status, size = 'sm' }: { status: string; size?: 'xs' | 'sm' | 'md' }) {
  return (
    <Badge colorPalette={paletteOf(status)} variant="subtle" size={size} data-status={status} gap="1">
      {status === 'running' ? <Spinner size="xs" aria-hidden /> : null}
      {status}
    </Badge>
  )
}
