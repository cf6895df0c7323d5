/**
 * Client-side checks of a node's params against its JSON Schema, as the API does them:
 * a value holding an expression is only known at run time, so its type errors are dropped
 * (a missing required field is still an error).
 */
import type { RJSFSchema, RJSFValidationError, ValidatorType } from '@rjsf/utils'
import ajvValidator from '@rjsf/validator-ajv8'

import { isExpression } from './scope'

/** The value at an rjsf error's `property` (`.conditions.0.op`) in `data`. */
export function valueAt(data: unknown, property: string | undefined): unknown {
  let current = data
  for (const part of (property ?? '').split('.').filter(Boolean)) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[part]
  }
  return current
}

/** `errors` without those about values that are expressions. */
export function dropExpressionErrors(errors: RJSFValidationError[], formData: unknown): RJSFValidationError[] {
  return errors.filter((error) => error.name === 'required' || !isExpression(valueAt(formData, error.property)))
}

/** The validator of the params forms: ajv 8 with JSON Schema formats, expression-aware. */
export const paramsValidator: ValidatorType = {
  validateFormData: (formData, schema, customValidate, transformErrors, uiSchema) =>
    ajvValidator.validateFormData(
      formData,
      schema,
      customValidate,
      (errors, ui) => {
        const kept = dropExpressionErrors(errors, formData)
        return transformErrors ? transformErrors(kept, ui) : kept
      },
      uiSchema,
    ),
  isValid: (schema, formData, rootSchema) => ajvValidator.isValid(schema, formData, rootSchema),
  rawValidation: (schema, formData) => ajvValidator.rawValidation(schema, formData),
  reset: () => ajvValidator.reset?.(),
}

/**
 * The params schema as the form should read it. The API exports marshmallow's `Length` on
 * a dict (transform's `fields`) as `minLength`, which JSON Schema applies to strings only:
 * on objects it becomes `minProperties`/`maxProperties`, so an empty object is refused
 * here as the API refuses it.
 */
export function formSchema(schema: RJSFSchema): RJSFSchema {
  const fix = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(fix)
    if (!node || typeof node !== 'object') return node
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(node)) out[key] = fix(value)
    const types = ([] as unknown[]).concat(out.type ?? [])
    if (types.includes('object') && !types.includes('string')) {
      if (typeof out.minLength === 'number') out.minProperties = out.minLength
      if (typeof out.maxLength === 'number') out.maxProperties = out.maxLength
      delete out.minLength
      delete out.maxLength
      // An optional object (the webhook's `verify`, default null): the form shows its fields
      // as an empty object, which must not make them due; the API checks them on save.
      if (types.includes('null') && out.default === null) delete out.required
    }
    return out
  }
  return fix(schema) as RJSFSchema
}

/** Problems of `params` under `schema`, as the form reports them (empty when valid). */
export function checkParams(schema: RJSFSchema, params: Record<string, unknown>): RJSFValidationError[] {
  return paramsValidator.validateFormData(params, formSchema(schema)).errors
}
