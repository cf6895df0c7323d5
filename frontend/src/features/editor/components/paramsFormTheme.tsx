/**
 * rjsf's default theme made to look and behave like the rest of the dashboard: Chakra
 * buttons and text, expression-aware inputs (every text or number field takes `{{ }}`,
 * with the helper listing names in scope), and a field for untyped params (`left`, `right`,
 * `json`) that takes any JSON value or an expression.
 */
import { Box, Button, chakra, Flex, Input, Text } from '@chakra-ui/react'
import {
  ADDITIONAL_PROPERTY_FLAG,
  ariaDescribedByIds,
  type BaseInputTemplateProps,
  descriptionId,
  type DescriptionFieldProps,
  type ErrorSchema,
  errorId,
  type FieldErrorProps,
  type FieldProps,
  type IconButtonProps,
  type RegistryFieldsType,
  type TitleFieldProps,
  type TemplatesType,
  type WrapIfAdditionalTemplateProps,
} from '@rjsf/utils'
import { useState } from 'react'

import { type AnyValue, parseAnyValue, sameValue, showAnyValue, toNumberOrText } from '../lib/anyValue'
import type { ScopeName } from '../lib/scope'
import { ExpressionInput } from './ExpressionInput'

/** What the params form hands down to its widgets. */
export interface ParamsFormContext {
  scope: ScopeName[]
}

function scopeOf(registry: { formContext?: unknown }): ScopeName[] {
  return (registry.formContext as ParamsFormContext | undefined)?.scope ?? []
}

/** Text, number, URL inputs: one expression-aware input. */
function BaseInputTemplate(props: BaseInputTemplateProps) {
  const { id, value, onChange, onBlur, onFocus, options, schema, label, registry, rawErrors, disabled, readonly, placeholder } = props
  const types = ([] as unknown[]).concat(schema.type ?? [])
  const numeric = types.includes('number') || types.includes('integer')
  return (
    <ExpressionInput
      id={id}
      value={value === undefined || value === null ? '' : String(value)}
      onChange={(text) => onChange(text === '' ? options.emptyValue : text)}
      onBlur={(event) => onBlur(id, event.target.value)}
      onFocus={(event) => onFocus(id, event.target.value)}
      scope={scopeOf(registry)}
      label={label || id}
      invalid={Boolean(rawErrors?.length)}
      disabled={disabled || readonly}
      placeholder={placeholder || (schema.default != null ? `default: ${JSON.stringify(schema.default)}` : undefined)}
      inputMode={numeric ? 'decimal' : schema.format === 'url' ? 'url' : 'text'}
      describedBy={ariaDescribedByIds(id)}
    />
  )
}

/** Params with no declared type: any JSON value typed as JSON, or text, or an expression. */
function AnyValueField(props: FieldProps) {
  const { formData, onChange, fieldPathId, registry, name, rawErrors, disabled, readonly } = props
  const [text, setText] = useState(() => showAnyValue(formData as AnyValue))
  // Another edit (undo, import) replaced the value: show that one.
  const shown = sameValue(parseAnyValue(text), formData as AnyValue) ? text : showAnyValue(formData as AnyValue)
  return (
    <ExpressionInput
      id={fieldPathId.$id}
      value={shown}
      onChange={(next) => {
        setText(next)
        onChange(parseAnyValue(next), fieldPathId.path)
      }}
      scope={scopeOf(registry)}
      label={name}
      invalid={Boolean(rawErrors?.length)}
      disabled={disabled || readonly}
      placeholder="a value, JSON or {{ expression }}"
      describedBy={ariaDescribedByIds(fieldPathId.$id)}
    />
  )
}

/**
 * Number params: digits become a number, an expression stays text (rjsf's own number
 * field would eat the '.' of `{{ input.x }}` while it is typed), anything else stays text
 * for the validator to flag.
 */
function NumberField(props: FieldProps) {
  const { registry, onChange } = props
  const { StringField } = registry.fields
  if (!StringField) return null
  return (
    <StringField {...props}
      onChange={(value: unknown, path: FieldProps['fieldPathId']['path'], errorSchema?: ErrorSchema, id?: string) =>
        onChange(toNumberOrText(value), path, errorSchema, id)} />
  )
}

/**
 * rjsf titles the items of an array `conditions-1`, `conditions-2`: shown as "Condition 1".
 * An item's title id ends with `_<index>__title`.
 */
export function itemTitle(id: string, title: string): string {
  const item = /^(.+)-(\d+)$/.exec(title)
  if (!item || !/_\d+__title$/.test(id)) return title
  const [, base = '', n = ''] = item
  const singular = base.endsWith('s') ? base.slice(0, -1) : base
  return `${singular.charAt(0).toUpperCase()}${singular.slice(1)} ${n}`
}

function TitleField({ id, title, required, optionalDataControl }: TitleFieldProps) {
  return (
    <legend id={id}>
      {itemTitle(id, title)}
      {required && <span className="required">*</span>}
      {optionalDataControl}
    </legend>
  )
}

function DescriptionField({ id, description }: DescriptionFieldProps) {
  if (!description) return null
  return <Text id={id} fontSize="xs" color="fg.muted" mb="1">{description}</Text>
}

function FieldErrorTemplate({ errors = [], fieldPathId }: FieldErrorProps) {
  const messages = errors.filter(Boolean)
  if (messages.length === 0) return null
  return (
    <Box as="ul" id={errorId(fieldPathId)} listStyleType="none" mt="1" data-testid="field-error">
      {messages.map((message, index) => (
        <Text as="li" key={index} fontSize="xs" color="fg.error">{message}</Text>
      ))}
    </Box>
  )
}

/** Buttons with words: the default theme's icon font is not loaded here. */
function textButton(label: string, aria: string, danger = false) {
  return function TextButton({ iconType: _iconType, icon: _icon, uiSchema: _uiSchema, registry: _registry, className, style: _style, ...rest }: IconButtonProps) {
    // The same Add button serves arrays (add an item) and open objects (add a field).
    const isField = className?.includes('object-property')
    const name = label === 'Add' ? (isField ? 'Add field' : 'Add item') : label
    return (
      <Button type="button" size="xs" variant="outline" colorPalette={danger ? 'red' : undefined} className={className}
        aria-label={aria === 'Add' ? name : aria} {...rest}>
        {name}
      </Button>
    )
  }
}

/** A field of an open object (transform's `fields`): its name, its value, a remove button. */
function WrapIfAdditionalTemplate(props: WrapIfAdditionalTemplateProps) {
  const { id, label, onKeyRenameBlur, onRemoveProperty, schema, children, disabled, readonly, registry, uiSchema, classNames, style } = props
  const { RemoveButton } = registry.templates.ButtonTemplates
  if (!(ADDITIONAL_PROPERTY_FLAG in schema)) {
    return <Box className={classNames} style={style}>{children}</Box>
  }
  return (
    <Flex gap="2" align="flex-end" className={classNames} style={style} mb="2" wrap="wrap">
      <Box flex="1 1 8rem">
        <chakra.label htmlFor={`${id}-key`} fontSize="xs" fontWeight="medium" display="block">Field name</chakra.label>
        <Input id={`${id}-key`} size="sm" defaultValue={label} key={label} onBlur={onKeyRenameBlur} disabled={disabled || readonly} />
      </Box>
      <Box flex="2 1 12rem">{children}</Box>
      <RemoveButton id={`${id}-remove`} className="rjsf-object-property-remove" disabled={disabled || readonly}
        onClick={onRemoveProperty} uiSchema={uiSchema} registry={registry} />
    </Flex>
  )
}

/** Templates of the params forms (rjsf's defaults for the rest). */
export const paramsTemplates: Partial<TemplatesType> = {
  BaseInputTemplate,
  DescriptionFieldTemplate: DescriptionField,
  TitleFieldTemplate: TitleField,
  FieldErrorTemplate,
  WrapIfAdditionalTemplate,
  ButtonTemplates: {
    AddButton: textButton('Add', 'Add'),
    CopyButton: textButton('Copy', 'Copy item'),
    MoveDownButton: textButton('↓', 'Move down'),
    MoveUpButton: textButton('↑', 'Move up'),
    RemoveButton: textButton('Remove', 'Remove', true),
    ClearButton: textButton('Clear', 'Clear'),
    SubmitButton: () => null,
  },
}

/** Fields of the params forms: untyped params and numbers, as explained above. */
export const paramsFields: RegistryFieldsType = { FallbackField: AnyValueField, NumberField }

/** Ids the form's descriptions use, re-exported for tests. */
export { descriptionId }
