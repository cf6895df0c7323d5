/** `/workflows/new`, `/workflows/:id`: loads the workflow and the node catalogue, then the editor. */
import { Alert, Button, Stack } from '@chakra-ui/react'
import { Link, useParams } from 'react-router'

import { ApiError } from '../../api/client'
import { useBreadcrumbs } from '../../components/Breadcrumbs'
import { PageLoader } from '../../components/PageLoader'
import { WorkflowEditor } from './components/WorkflowEditor'
import { useNodeTypes, useWorkflow } from './queries'

function LoadError({ title, error, retry }: { title: string; error: Error; retry: () => void }) {
  useBreadcrumbs([{ label: 'Dashboard', to: '/' }, { label: 'Workflow' }])
  const missing = error instanceof ApiError && error.code === 404
  return (
    <Alert.Root status="error">
      <Alert.Indicator />
      <Alert.Content>
        <Alert.Title>{missing ? 'This workflow does not exist' : title}</Alert.Title>
        <Alert.Description>{missing ? 'It may have been deleted, or it belongs to someone else.' : error.message}</Alert.Description>
      </Alert.Content>
      <Stack direction="row">
        {!missing && <Button size="sm" variant="outline" onClick={retry}>Try again</Button>}
        <Button size="sm" variant="outline" asChild><Link to="/">Dashboard</Link></Button>
      </Stack>
    </Alert.Root>
  )
}

export default function EditorPage() {
  const { id: rawId } = useParams()
  const id = rawId !== undefined && /^\d+$/.test(rawId) ? Number(rawId) : undefined
  const nodeTypes = useNodeTypes()
  const workflow = useWorkflow(id)

  if (rawId !== undefined && id === undefined) {
    return <LoadError title="" error={new ApiError({ code: 404, status: 'Not Found', message: 'Not found' })} retry={() => {}} />
  }
  if (nodeTypes.isError) return <LoadError title="The node types could not be loaded" error={nodeTypes.error} retry={() => void nodeTypes.refetch()} />
  if (workflow.isError) return <LoadError title="The workflow could not be loaded" error={workflow.error} retry={() => void workflow.refetch()} />
  if (!nodeTypes.data || (id !== undefined && !workflow.data)) return <PageLoader />
  // A new editor for each workflow: its draft starts from what was saved.
  return <WorkflowEditor key={id ?? 'new'} workflow={id !== undefined ? workflow.data : undefined} nodeTypes={nodeTypes.data} />
}
