/** The list of runs shared by the workflow logs page, the editor's Logs tab and All runs. Placeholder: h8logs builds it. */
import { Text } from '@chakra-ui/react'

export interface ExecutionLogsProps {
  workflowId?: number
  showWorkflowFilter?: boolean
}

export function ExecutionLogs({ workflowId }: ExecutionLogsProps) {
  return <Text color="fg.muted">{workflowId ? `Runs of workflow ${workflowId}` : 'All runs'} will be listed here.</Text>
}
