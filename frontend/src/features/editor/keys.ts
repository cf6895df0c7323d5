/** Query keys of the editor. Workflow keys live under `['workflows']`, so saving refreshes every list too. */
export const editorKeys = {
  nodeTypes: ['nodes'] as const,
  workflow: (id: number) => ['workflows', 'detail', id] as const,
  sample: (id: number) => ['workflows', 'detail', id, 'sample'] as const,
  preview: (id: number, nodeId: string, params: unknown, capturedAt: string | null) =>
    ['workflows', 'detail', id, 'preview', nodeId, capturedAt, params] as const,
}
