/**
 * The editor of one workflow (or of a new one): header with Save and Run now, tabs
 * Editor | Logs | Settings. Holds the draft (graph and settings), the errors of the last
 * save and the dirty state; everything server-side goes through the feature's hooks.
 */
import { Alert, Badge, Box, Button, chakra, Flex, Grid, Heading, HStack, Link as ChakraLink, Stack, Tabs, Text } from '@chakra-ui/react'
import { type Connection, ReactFlowProvider } from '@xyflow/react'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router'

import { ApiError } from '../../../api/client'
import { useBreadcrumbs } from '../../../components/Breadcrumbs'
import { ExecutionLogs } from '../../logs'
import type { Workflow, WorkflowInput } from '../api'
import { connectionProblem, useWorkflowGraph } from '../hooks/useWorkflowGraph'
import { type EditorErrors, hasErrors, mapApiErrors, NO_ERRORS } from '../lib/apiErrors'
import { withDefaults } from '../lib/defaults'
import { scopeNames } from '../lib/scope'
import { NEW_WORKFLOW_SETTINGS, type WorkflowSettings } from '../lib/settings'
import { exportDocument, exportFileName, type ImportedWorkflow } from '../lib/transfer'
import type { NodeCatalogue, NodeTypeInfo, WorkflowDefinition } from '../lib/types'
import { useCreateWorkflow, useSaveWorkflow } from '../mutations'
import { CanvasToolbar } from './CanvasToolbar'
import { EditorCanvas } from './EditorCanvas'
import { EditorContext } from './editorContext'
import { NodePalette } from './NodePalette'
import { NodePanel } from './NodePanel'
import { RunNowDialog } from './RunNowDialog'
import { SettingsTab } from './SettingsTab'
import { UnsavedChangesGuard } from './UnsavedChangesGuard'
import { WebhookCard } from './WebhookCard'

const EMPTY_DEFINITION: WorkflowDefinition = { nodes: [], edges: [] }
const TABS = ['editor', 'logs', 'settings'] as const
type Tab = (typeof TABS)[number]

interface WorkflowEditorProps {
  /** The saved workflow; undefined for a new one. */
  workflow?: Workflow
  nodeTypes: NodeTypeInfo[]
}

function settingsOf(workflow: Workflow | undefined): WorkflowSettings {
  if (!workflow) return NEW_WORKFLOW_SETTINGS
  const { name, description, active, retention_days, keep_failed_days, save } = workflow
  return { name, description, active, retention_days, keep_failed_days, save }
}

function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.click()
  // The click has started the download; the object URL is no longer needed.
  setTimeout(() => URL.revokeObjectURL(url), 0)
}

/** The editor screen of one workflow (saved, or new when `workflow` is undefined). */
export function WorkflowEditor({ workflow, nodeTypes }: WorkflowEditorProps) {
  const catalogue = useMemo<NodeCatalogue>(() => Object.fromEntries(nodeTypes.map((t) => [t.type, t])), [nodeTypes])
  const navigate = useNavigate()
  const [search, setSearch] = useSearchParams()
  const requested = search.get('tab') as Tab | null
  const tab: Tab = requested && TABS.includes(requested) && (requested !== 'logs' || workflow) ? requested : 'editor'

  const initial = useMemo(() => withDefaults(workflow?.definition ?? EMPTY_DEFINITION, catalogue), [workflow, catalogue])
  const graph = useWorkflowGraph(initial, catalogue)
  const [settings, setSettings] = useState<WorkflowSettings>(() => settingsOf(workflow))
  const [errors, setErrors] = useState<EditorErrors>(NO_ERRORS)
  const snapshot = (definition: WorkflowDefinition, s: WorkflowSettings) => JSON.stringify([definition, s])
  const [baseline, setBaseline] = useState(() => snapshot(graph.definition, settings))
  const dirty = snapshot(graph.definition, settings) !== baseline
  const bypassGuard = useRef(false)
  // Bumped to make the canvas fit its nodes into view.
  const [fitKey, setFitKey] = useState(0)
  const save = useSaveWorkflow()
  const create = useCreateWorkflow()

  const title = workflow ? settings.name || workflow.name : 'New workflow'
  useBreadcrumbs([{ label: 'Dashboard', to: '/' }, { label: title }])

  const selectedNode = graph.nodes.find((n) => n.selected)
  const selectedEdge = selectedNode ? undefined : graph.edges.find((e) => e.selected)
  const isTrigger = useCallback((type: string) => catalogue[type]?.category === 'trigger', [catalogue])
  const scope = useMemo(
    () => (selectedNode ? scopeNames(selectedNode.id, graph.definition, isTrigger) : []),
    [selectedNode, graph.definition, isTrigger],
  )
  const canConnect = useCallback(
    (c: Pick<Connection, 'source' | 'target' | 'sourceHandle'>) => connectionProblem(c, graph.nodes, graph.edges, catalogue),
    [graph.nodes, graph.edges, catalogue],
  )
  const trigger = graph.nodes.find((n) => isTrigger(n.data.nodeType))
  const savedTrigger = workflow?.trigger_type
  const savedWebhook = useMemo(() => (workflow && workflow.trigger_type === 'webhook'
    ? { id: workflow.id, webhookUrl: workflow.webhook_url, nodeIds: workflow.definition.nodes.map((n) => n.id) }
    : undefined), [workflow])

  const doSave = useCallback(() => {
    const input: WorkflowInput = { ...settings, definition: graph.definition }
    save.mutate({ id: workflow?.id, input }, {
      onSuccess: (saved) => {
        setErrors(NO_ERRORS)
        setBaseline(snapshot(input.definition, settings))
        if (!workflow) {
          bypassGuard.current = true
          navigate(`/workflows/${saved.id}`, { replace: true })
        }
      },
      onError: (error) => {
        const mapped = error instanceof ApiError && error.code === 422
          ? mapApiErrors(error, input.definition)
          : { ...NO_ERRORS, general: [error.message] }
        setErrors(mapped)
        // Open the first refused node, so its form shows the field that was refused.
        const first = Object.keys(mapped.nodes)[0]
        if (first) graph.select(first)
      },
    })
  }, [settings, graph, save, workflow, navigate])

  // Ctrl/Cmd+S saves, as in every editor.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
        event.preventDefault()
        if (!save.isPending) doSave()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [doSave, save.isPending])

  const onExport = () => {
    download(exportFileName(settings.name), exportDocument({ ...settings, definition: graph.definition }))
  }
  const onImportCreate = (imported: ImportedWorkflow) => {
    const input: WorkflowInput = { ...NEW_WORKFLOW_SETTINGS, ...imported.fields, definition: imported.definition }
    create.mutate(input, {
      onSuccess: (created) => {
        bypassGuard.current = !dirty
        navigate(`/workflows/${created.id}`)
      },
    })
  }
  const onImportReplace = (imported: ImportedWorkflow) => {
    graph.reset(withDefaults(imported.definition, catalogue))
    setErrors(NO_ERRORS)
  }
  const setTab = (next: string) => {
    const params = new URLSearchParams(search)
    if (next === 'editor') params.delete('tab')
    else params.set('tab', next)
    setSearch(params, { replace: true })
  }

  const nodeErrorIds = Object.keys(errors.nodes)
  const fieldErrorCount = Object.keys(errors.fields).length

  return (
    <EditorContext.Provider value={{ catalogue, errors }}>
      <UnsavedChangesGuard dirty={dirty} bypass={bypassGuard} />
      <Stack gap="4">
        <Flex align="center" gap="3" wrap="wrap">
          <Heading as="h1" size="xl" truncate maxW="full">{title}</Heading>
          {workflow && <Badge variant="surface">v{workflow.version}</Badge>}
          {savedTrigger && <Badge variant="surface" colorPalette="purple">{catalogue[savedTrigger]?.name ?? savedTrigger}</Badge>}
          {workflow && !workflow.active && <Badge colorPalette="gray">inactive</Badge>}
          {workflow?.next_run_at && workflow.active && (
            <Text fontSize="sm" color="fg.muted">Next run {new Date(workflow.next_run_at).toLocaleString()}</Text>
          )}
          <HStack ml="auto" gap="2">
            {dirty && <Text fontSize="sm" color="fg.muted" role="status" data-testid="dirty">Unsaved changes</Text>}
            {!dirty && save.isSuccess && <Text fontSize="sm" color="fg.success" role="status">Saved</Text>}
            {workflow && <RunNowDialog workflowId={workflow.id} triggerType={savedTrigger} dirty={dirty} />}
            {workflow && <Button size="sm" variant="ghost" asChild><Link to={`/workflows/${workflow.id}/logs`}>Logs page</Link></Button>}
            <Button size="sm" colorPalette="teal" onClick={doSave} loading={save.isPending} title="Save (Ctrl+S)">
              Save
            </Button>
          </HStack>
        </Flex>

        {hasErrors(errors) && (
          <Alert.Root status="error" data-testid="save-errors">
            <Alert.Indicator />
            <Alert.Content>
              <Alert.Title>The workflow was not saved</Alert.Title>
              <Alert.Description>
                <chakra.ul ps="4">
                  {errors.general.map((m) => <li key={m}>{m}</li>)}
                  {nodeErrorIds.length > 0 && (
                    <li>
                      Problems on {nodeErrorIds.length === 1 ? 'node' : 'nodes'}{' '}
                      {nodeErrorIds.map((id, i) => (
                        <span key={id}>
                          {i > 0 && ', '}
                          <ChakraLink as="button" onClick={() => { setTab('editor'); graph.select(id) }} textDecoration="underline">{id}</ChakraLink>
                        </span>
                      ))}
                      : open a node to see its fields.
                    </li>
                  )}
                  {Object.keys(errors.edges).length > 0 && <li>Some connections are refused (drawn in red).</li>}
                  {fieldErrorCount > 0 && (
                    <li>
                      {Object.entries(errors.fields).map(([f, m]) => `${f}: ${m.join(' ')}`).join('; ')}{' '}
                      (<ChakraLink as="button" onClick={() => setTab('settings')} textDecoration="underline">Settings</ChakraLink>)
                    </li>
                  )}
                </chakra.ul>
              </Alert.Description>
            </Alert.Content>
          </Alert.Root>
        )}

        <Tabs.Root value={tab} onValueChange={(d) => setTab(d.value)} variant="line" lazyMount unmountOnExit={false}>
          <Tabs.List>
            <Tabs.Trigger value="editor">Editor</Tabs.Trigger>
            {workflow && <Tabs.Trigger value="logs">Logs</Tabs.Trigger>}
            <Tabs.Trigger value="settings">
              Settings{fieldErrorCount > 0 && <Badge colorPalette="red" ms="1">{fieldErrorCount}</Badge>}
            </Tabs.Trigger>
          </Tabs.List>

          <Tabs.Content value="editor">
            <ReactFlowProvider>
              <Grid templateColumns={{ base: '1fr', lg: '190px minmax(0, 1fr) 360px' }} gap="3">
                <Box borderWidth="1px" borderRadius="l3" p="3" bg="bg.panel" maxH={{ lg: '70vh' }} overflowY="auto">
                  <NodePalette nodeTypes={nodeTypes} hasTrigger={Boolean(trigger)} onAdd={(type) => graph.addNode(type)} />
                </Box>
                <Stack gap="2" minW="0">
                  <CanvasToolbar
                    onAutoLayout={() => { graph.autoLayout(); setFitKey((k) => k + 1) }}
                    canLayout={graph.nodes.length > 0}
                    onDelete={selectedNode ? () => graph.removeNode(selectedNode.id) : selectedEdge ? () => graph.removeEdge(selectedEdge.id) : undefined}
                    deleteLabel={selectedNode ? 'Delete selected node' : 'Delete selected connection'}
                  />
                  <Box h={{ base: '420px', lg: '70vh' }} borderWidth="1px" borderRadius="l3" bg="bg" position="relative">
                    {graph.nodes.length === 0 && (
                      <Flex position="absolute" inset="0" align="center" justify="center" pointerEvents="none" zIndex="1" p="6">
                        <Text color="fg.muted" textAlign="center">Start with a trigger: click one in the palette, or drag it here.</Text>
                      </Flex>
                    )}
                    <EditorCanvas
                      nodes={graph.nodes}
                      edges={graph.edges}
                      onNodesChange={graph.onNodesChange}
                      onEdgesChange={graph.onEdgesChange}
                      onConnect={(c: Connection) => graph.connect(c)}
                      canConnect={(c) => canConnect(c) === null}
                      onDropNode={(type, position) => graph.addNode(type, position)}
                      edgeErrors={errors.edges}
                      fitKey={fitKey}
                    />
                  </Box>
                </Stack>
                <Box borderWidth="1px" borderRadius="l3" p="4" bg="bg.panel" maxH={{ lg: '75vh' }} overflowY="auto">
                  {selectedNode ? (
                    <NodePanel
                      key={selectedNode.id}
                      node={selectedNode}
                      info={catalogue[selectedNode.data.nodeType]}
                      nodes={graph.nodes}
                      edges={graph.edges}
                      scope={scope}
                      errors={errors.nodes[selectedNode.id]}
                      onChange={(patch) => graph.updateNode(selectedNode.id, patch)}
                      onRemove={() => graph.removeNode(selectedNode.id)}
                      onConnect={(port, target) => graph.connect({ source: selectedNode.id, target, sourceHandle: port })}
                      onRemoveEdge={graph.removeEdge}
                      webhook={savedWebhook}
                    />
                  ) : selectedEdge ? (
                    <Stack gap="3" data-testid="edge-panel">
                      <Heading as="h2" size="sm">Connection</Heading>
                      <Text fontSize="sm">
                        {selectedEdge.source}{selectedEdge.sourceHandle && selectedEdge.sourceHandle !== 'main' ? ` (${selectedEdge.sourceHandle})` : ''} → {selectedEdge.target}
                      </Text>
                      {(errors.edges[selectedEdge.id] ?? []).map((m) => <Text key={m} fontSize="sm" color="fg.error">{m}</Text>)}
                      <Button size="sm" variant="outline" colorPalette="red" alignSelf="flex-start" onClick={() => graph.removeEdge(selectedEdge.id)}>Delete connection</Button>
                    </Stack>
                  ) : (
                    <Stack gap="2">
                      <Heading as="h2" size="sm">Nothing selected</Heading>
                      <Text fontSize="sm" color="fg.muted">Select a node to edit its parameters. Expressions such as {'{{ input.body.id }}'} can use the output of earlier nodes.</Text>
                    </Stack>
                  )}
                </Box>
              </Grid>
            </ReactFlowProvider>
            {workflow && savedTrigger === 'webhook' && (
              <Box mt="4">
                <WebhookCard url={String(workflow.webhook_url)} active={workflow.active}
                  signed={Boolean(workflow.definition.nodes.find((n) => n.type === 'webhook')?.params?.secret)} />
              </Box>
            )}
          </Tabs.Content>

          {workflow && (
            <Tabs.Content value="logs">
              <ExecutionLogs workflowId={workflow.id} />
            </Tabs.Content>
          )}

          <Tabs.Content value="settings">
            <SettingsTab
              settings={settings}
              onChange={(patch) => setSettings((s) => ({ ...s, ...patch }))}
              errors={errors.fields}
              onExport={onExport}
              importProps={{
                catalogue,
                onCreate: onImportCreate,
                onReplace: onImportReplace,
                creating: create.isPending,
                createError: create.error?.message ?? null,
              }}
            />
          </Tabs.Content>
        </Tabs.Root>
      </Stack>
    </EditorContext.Provider>
  )
}
