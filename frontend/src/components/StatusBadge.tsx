/** A run's or a step's status: a word and a colour (never colour alone). */
import { Badge } from '@chakra-ui/react'

const PALETTE: Record<string, string> = {
  queued: 'gray',
  pending: 'gray',
  running: 'blue',
  success: 'green',
  failed: 'red',
  skipped: 'gray',
}

const LABEL: Record<string, string> = {
  queued: 'Queued',
  pending: 'Pending',
  running: 'Running',
  success: 'Success',
  failed: 'Failed',
  skipped: 'Skipped',
}

export function StatusBadge({ status, size = 'sm' }: { status: string; size?: 'xs' | 'sm' | 'md' | 'lg' }) {
  return (
    <Badge colorPalette={PALETTE[status] ?? 'gray'} variant="subtle" size={size} data-status={status}>
      {LABEL[status] ?? status}
    </Badge>
  )
}
