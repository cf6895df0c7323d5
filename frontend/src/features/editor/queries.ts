/** Query hooks of the editor. */
import { useQuery } from '@tanstack/react-query'

import { fetchNodeTypes, fetchWorkflow } from './api'
import { editorKeys } from './keys'

/** The node catalogue (changes only when plugins are installed: cached for the session). */
export function useNodeTypes() {
  return useQuery({ queryKey: editorKeys.nodeTypes, queryFn: fetchNodeTypes, staleTime: Infinity })
}

/** One workflow, when `id` is set (a new workflow has none). */
export function useWorkflow(id: number | undefined) {
  return useQuery({
    queryKey: editorKeys.workflow(id ?? 0),
    queryFn: () => fetchWorkflow(id as number),
    enabled: id !== undefined,
  })
}
