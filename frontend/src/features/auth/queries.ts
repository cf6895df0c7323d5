/** Query hooks of the auth feature. */
import { useQuery } from '@tanstack/react-query'

import { fetchMe } from './api'
import { authKeys } from './keys'

/** The logged-in user. */
export function useMe() {
  return useQuery({ queryKey: authKeys.me, queryFn: fetchMe, staleTime: Infinity })
}
