/** Query keys of the editor. Workflow keys live under `['workflows']`, so saving refreshes every list too. */
export const editorKeys = {
  nodeTypes: ['nodes'] as const,
  workflow: (id: number) => ['workflows', 'detail', id] as const,
}
