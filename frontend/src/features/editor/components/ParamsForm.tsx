/** A node's params form, generated from its JSON Schema by rjsf; the API's errors show on their fields. */
import { Box } from '@chakra-ui/react'
import Form from '@rjsf/core'
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils'
import { type Ref, useMemo } from 'react'

import { toErrorSchema } from '../lib/apiErrors'
import { formSchema, paramsValidator } from '../lib/params'
import type { ScopeName } from '../lib/scope'
import { paramsFields, type ParamsFormContext, paramsTemplates } from './paramsFormTheme'

const UI_SCHEMA: UiSchema = { 'ui:submitButtonOptions': { norender: true } }

/** Styles for the parts of rjsf's default theme that are kept (fieldsets, labels, selects, array items). */
const FORM_CSS = {
  '& fieldset': { border: 0, padding: 0, margin: 0, minWidth: 0 },
  '& legend': { fontWeight: 'semibold', fontSize: 'sm', mb: '1' },
  '& label.control-label': { display: 'block', fontSize: 'sm', fontWeight: 'medium', mb: '1' },
  '& .required': { color: 'fg.error', ms: '0.5' },
  '& .form-group': { mb: '3' },
  '& select.form-control': {
    width: '100%', height: '8', px: '2', fontSize: 'sm', borderWidth: '1px', borderColor: 'border', borderRadius: 'l2', bg: 'bg',
  },
  '& .checkbox label': { display: 'flex', gap: '2', alignItems: 'center', fontSize: 'sm' },
  '& .array-item': {
    borderWidth: '1px', borderColor: 'border.muted', borderRadius: 'l2', p: '2', mb: '2', flexWrap: 'wrap', gap: '2',
  },
  '& .array-item > div': { flex: '1 1 auto', minWidth: 0 },
  '& .array-item-toolbox .btn-group': { display: 'flex', gap: '1', justifyContent: 'flex-end' },
  '& .has-error select.form-control': { borderColor: 'border.error' },
}

interface ParamsFormProps {
  /** The node the params are of (a new node gets a new form). */
  nodeId: string
  schema: RJSFSchema
  params: Record<string, unknown>
  onChange: (params: Record<string, unknown>) => void
  scope: ScopeName[]
  /** Field errors from the last save, by dotted param path. */
  apiErrors?: Record<string, string[]>
  /** The rjsf form, e.g. to validate it on demand (`validateForm()`). */
  formRef?: Ref<Form<Record<string, unknown>>>
}

/** The params form of one node; changes go to `onChange` as a whole params object. */
export function ParamsForm({ nodeId, schema, params, onChange, scope, apiErrors, formRef }: ParamsFormProps) {
  const context = useMemo<ParamsFormContext>(() => ({ scope }), [scope])
  const readable = useMemo(() => formSchema(schema), [schema])
  const extraErrors = useMemo(() => (apiErrors ? (toErrorSchema(apiErrors) as ErrorSchema) : undefined), [apiErrors])
  return (
    <Box css={FORM_CSS} data-testid="params-form">
      <Form<Record<string, unknown>>
        key={nodeId}
        ref={formRef}
        idPrefix={`params-${nodeId}`}
        schema={readable}
        uiSchema={UI_SCHEMA}
        formData={params}
        validator={paramsValidator}
        templates={paramsTemplates}
        fields={paramsFields}
        formContext={context}
        extraErrors={extraErrors}
        liveValidate="onChange"
        showErrorList={false}
        noHtml5Validate
        onChange={(event) => onChange(event.formData ?? {})}
      />
    </Box>
  )
}
