/** Settings: name, description, active, retention overrides; export and import as JSON. */
import { Box, Button, Field, Flex, Heading, Input, NativeSelect, Stack, Switch, Text, Textarea } from '@chakra-ui/react'

import { SAVE_POLICIES, type WorkflowSettings } from '../lib/settings'
import { ImportPanel, type ImportPanelProps } from './ImportPanel'

interface SettingsTabProps {
  settings: WorkflowSettings
  onChange: (patch: Partial<WorkflowSettings>) => void
  /** Field errors of the last save (`name`, `retention_days`, ...). */
  errors: Record<string, string[]>
  onExport: () => void
  importProps: ImportPanelProps
}

function days(value: string): number | null {
  return value === '' ? null : Math.trunc(Number(value))
}

/** The Settings tab of the editor. */
export function SettingsTab({ settings, onChange, errors, onExport, importProps }: SettingsTabProps) {
  const err = (field: string) => errors[field] ?? []
  return (
    <Stack gap="8" maxW="2xl">
      <Stack as="section" gap="4" aria-labelledby="settings-general">
        <Heading as="h2" size="md" id="settings-general">General</Heading>
        <Field.Root required invalid={err('name').length > 0}>
          <Field.Label>Name <Field.RequiredIndicator /></Field.Label>
          <Input value={settings.name} maxLength={200} onChange={(e) => onChange({ name: e.target.value })} />
          {err('name').map((m) => <Field.ErrorText key={m}>{m}</Field.ErrorText>)}
        </Field.Root>
        <Field.Root invalid={err('description').length > 0}>
          <Field.Label>Description</Field.Label>
          <Textarea value={settings.description} rows={3} onChange={(e) => onChange({ description: e.target.value })} />
          {err('description').map((m) => <Field.ErrorText key={m}>{m}</Field.ErrorText>)}
        </Field.Root>
        <Switch.Root checked={settings.active} onCheckedChange={(d) => onChange({ active: d.checked })}>
          <Switch.HiddenInput />
          <Switch.Control />
          <Switch.Label>Active (its trigger fires: webhook calls are accepted, schedules run)</Switch.Label>
        </Switch.Root>
      </Stack>

      <Stack as="section" gap="4" aria-labelledby="settings-retention">
        <Heading as="h2" size="md" id="settings-retention">Run history</Heading>
        <Text fontSize="sm" color="fg.muted">Leave the days empty to use the server's defaults.</Text>
        <Flex gap="4" wrap="wrap">
          <Field.Root flex="1 1 12rem" invalid={err('retention_days').length > 0}>
            <Field.Label>Keep runs for (days)</Field.Label>
            <Input type="number" min={1} max={3650} step={1} value={settings.retention_days ?? ''} placeholder="server default"
              onChange={(e) => onChange({ retention_days: days(e.target.value) })} />
            {err('retention_days').map((m) => <Field.ErrorText key={m}>{m}</Field.ErrorText>)}
          </Field.Root>
          <Field.Root flex="1 1 12rem" invalid={err('keep_failed_days').length > 0}>
            <Field.Label>Keep failed runs for (days)</Field.Label>
            <Input type="number" min={1} max={3650} step={1} value={settings.keep_failed_days ?? ''} placeholder="as other runs"
              onChange={(e) => onChange({ keep_failed_days: days(e.target.value) })} />
            {err('keep_failed_days').map((m) => <Field.ErrorText key={m}>{m}</Field.ErrorText>)}
          </Field.Root>
        </Flex>
        <Field.Root invalid={err('save').length > 0}>
          <Field.Label>Payloads and results</Field.Label>
          <NativeSelect.Root>
            <NativeSelect.Field value={settings.save} onChange={(e) => onChange({ save: e.target.value as WorkflowSettings['save'] })}>
              {SAVE_POLICIES.map((p) => <option key={p.value} value={p.value}>{p.label}</option>)}
            </NativeSelect.Field>
            <NativeSelect.Indicator />
          </NativeSelect.Root>
          {err('save').map((m) => <Field.ErrorText key={m}>{m}</Field.ErrorText>)}
        </Field.Root>
      </Stack>

      <Stack as="section" gap="4" aria-labelledby="settings-transfer">
        <Heading as="h2" size="md" id="settings-transfer">Export and import</Heading>
        <Box>
          <Button variant="outline" size="sm" onClick={onExport}>Export as JSON</Button>
          <Text fontSize="xs" color="fg.muted" mt="1">Downloads the workflow as it is in the editor, unsaved changes included.</Text>
        </Box>
        <ImportPanel {...importProps} />
      </Stack>
    </Stack>
  )
}
