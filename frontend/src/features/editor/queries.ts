/** Query hooks of the editor. */
import { useQuery } from '@tanstack/react-query'

import { fetchNodeTypes, fetchTriggerSample, fetchWorkflow, previewNode } from './api'
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

/** The trigger's sample data (refetched when a test event is announced). */
export function useTriggerSample(id: number) {
  return useQuery({
    queryKey: editorKeys.sample(id),
    queryFn: () => fetchTriggerSample(id),
  })
}

/** A node's params evaluated against the sample captured at `capturedAt` (none: no query). */
export function useNodePreview(id: number, nodeId: string, params: Record<string, unknown>, capturedAt: string | null) {
  return useQuery({
    queryKey: editorKeys.preview(id, nodeId, params, capturedAt),
    queryFn: () => previewNode(id, nodeId, params),
    enabled: capturedAt !== null,
    retry: false,
    placeholderData: (previous) => previous, // keep showing the last preview while typing
  })
}
