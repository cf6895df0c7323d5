/** Query keys of the workflows feature. */
import type { Bucket } from './types'

export const workflowKeys = {
  all: ['workflows'] as const,
  list: () => [...workflowKeys.all, 'list'] as const,
  stats: () => [...workflowKeys.all, 'stats'] as const,
  executionStats: (bucket: Bucket) => ['stats', 'executions', bucket] as const,
  executionStatsAll: ['stats', 'executions'] as const,
}
