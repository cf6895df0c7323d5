/** Mutation hooks of the workflows feature. */
import { useMutation, useQueryClient } from '@tanstack/react-query'

import { runWorkflow, setWorkflowActive } from './api'
import { workflowKeys } from './keys'
import type { WorkflowPage } from './types'

/** Toggle `active`, shown at once and rolled back if the server refuses. */
export function useSetActive() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: ({ id, active }: { id: number; active: boolean }) => setWorkflowActive(id, active),
    onMutate: async ({ id, active }) => {
      await queryClient.cancelQueries({ queryKey: workflowKeys.list() })
      const before = queryClient.getQueryData<WorkflowPage>(workflowKeys.list())
      queryClient.setQueryData<WorkflowPage>(workflowKeys.list(), (page) => page && {
        ...page, items: page.items.map((wf) => (wf.id === id ? { ...wf, active } : wf)),
      })
      return { before }
    },
    onError: (_error, _vars, context) => {
      if (context?.before) queryClient.setQueryData(workflowKeys.list(), context.before)
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: workflowKeys.list() }),
  })
}

/** Run a workflow now (its card and the chart then move through live events). */
export function useRunWorkflow() {
  return useMutation({ mutationFn: ({ id, payload }: { id: number; payload?: unknown }) => runWorkflow(id, payload) })
}
