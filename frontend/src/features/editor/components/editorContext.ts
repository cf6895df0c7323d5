/** What every part of the canvas needs to know without prop drilling: catalogue and save errors. */
import { createContext, useContext } from 'react'

import { type EditorErrors, NO_ERRORS } from '../lib/apiErrors'
import type { NodeCatalogue } from '../lib/types'

export interface EditorContextValue {
  catalogue: NodeCatalogue
  errors: EditorErrors
}

/** Provided by the editor around the canvas and the side panel. */
export const EditorContext = createContext<EditorContextValue>({ catalogue: {}, errors: NO_ERRORS })

/** The editor's catalogue and errors. */
export function useEditorContext(): EditorContextValue {
  return useContext(EditorContext)
}
