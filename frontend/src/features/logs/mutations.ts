/** Mutations of the logs feature. */
import { useMutation } from '@tanstack/react-query'

import { retryExecution } from './api'
import type { RetryRequest } from './types'

/** Re-run a finished run (POST /api/logs/{id}/retry); resolves with the new run. */
export function useRetryExecution(id: number) {
  return useMutation({
    mutationFn: (body: RetryRequest) => retryExecution(id, body),
  })
}
