/** The workflow's own fields the Settings tab edits (everything of WorkflowIn but the definition). */
import type { SavePolicy } from '../api'

export interface WorkflowSettings {
  name: string
  description: string
  active: boolean
  retention_days: number | null
  keep_failed_days: number | null
  save: SavePolicy
}

/** Settings of a workflow that does not exist yet. */
export const NEW_WORKFLOW_SETTINGS: WorkflowSettings = {
  name: 'Untitled workflow',
  description: '',
  active: true,
  retention_days: null,
  keep_failed_days: null,
  save: 'all',
}

/** The `save` choices, as the Settings tab words them. */
export const SAVE_POLICIES: { value: SavePolicy; label: string }[] = [
  { value: 'all', label: 'Keep payload and result of every run' },
  { value: 'failed_only', label: 'Keep them for failed runs only' },
  { value: 'none', label: 'Keep no payloads or results' },
]
