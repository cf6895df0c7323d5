/** The TanStack Query client: server state for the whole app. */
import { QueryClient } from '@tanstack/react-query'

import { ApiError } from '../api/client'

/** A new client; one per app (and one per test). */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Live events keep data fresh: no refetch just because the window got focus.
        refetchOnWindowFocus: false,
        staleTime: 30_000,
        // A 4xx will not get better by asking again.
        retry: (count, error) => !(error instanceof ApiError && error.code >= 400 && error.code < 500) && count < 2,
      },
    },
  })
}
