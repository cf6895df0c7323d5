/** Mutation hooks of the editor. */
import { useMutation, useQueryClient } from '@tanstack/react-query'

import {
  createWorkflow, listenForTestEvent, patchWorkflow, replaceWorkflow, runWorkflow, stopListening, type Workflow, type WorkflowInput,
} from './api'
import { editorKeys } from './keys'

function useWorkflowSaved() {
  const queryClient = useQueryClient()
  return (workflow: Workflow) => {
    queryClient.setQueryData(editorKeys.workflow(workflow.id), workflow)
    // Lists and cards elsewhere (the dashboard) show names, triggers, active flags.
    void queryClient.invalidateQueries({ queryKey: ['workflows'], predicate: (q) => q.queryKey[1] !== 'detail' })
  }
}

/** Save: create when there is no id yet, replace otherwise. */
export function useSaveWorkflow() {
  const saved = useWorkflowSaved()
  return useMutation({
    mutationFn: ({ id, input }: { id?: number; input: WorkflowInput }) => (id === undefined ? createWorkflow(input) : replaceWorkflow(id, input)),
    onSuccess: saved,
  })
}

/** Change some fields (settings, import into the current workflow). */
export function usePatchWorkflow() {
  const saved = useWorkflowSaved()
  return useMutation({
    mutationFn: ({ id, changes }: { id: number; changes: Partial<WorkflowInput> }) => patchWorkflow(id, changes),
    onSuccess: saved,
  })
}

/** Create a workflow from an imported document. */
export function useCreateWorkflow() {
  const saved = useWorkflowSaved()
  return useMutation({ mutationFn: createWorkflow, onSuccess: saved })
}

/** Run a workflow now. */
export function useRunWorkflow() {
  return useMutation({ mutationFn: ({ id, payload }: { id: number; payload: unknown }) => runWorkflow(id, payload) })
}

/** Arm or disarm the workflow's test URL; the sample query then shows whether it listens. */
export function useTestListening(id: number) {
  const queryClient = useQueryClient()
  const refresh = () => queryClient.invalidateQueries({ queryKey: editorKeys.sample(id) })
  return {
    listen: useMutation({ mutationFn: () => listenForTestEvent(id), onSuccess: refresh }),
    stop: useMutation({ mutationFn: () => stopListening(id), onSuccess: refresh }),
  }
}
