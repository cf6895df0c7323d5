/** Asks before leaving the editor with unsaved changes: in-app navigation (a dialog) and tab close/reload (the browser's prompt). */
import { Button, Dialog, Portal, Text } from '@chakra-ui/react'
import { type RefObject, useEffect } from 'react'
import { useBlocker } from 'react-router'

interface UnsavedChangesGuardProps {
  dirty: boolean
  /** Set to true right before a navigation that must not ask (e.g. to the page of a just-created workflow). */
  bypass: RefObject<boolean>
}

/** Renders the "Leave without saving?" dialog when a navigation is blocked. */
export function UnsavedChangesGuard({ dirty, bypass }: UnsavedChangesGuardProps) {
  const blocker = useBlocker(({ currentLocation, nextLocation }) =>
    dirty && !bypass.current && currentLocation.pathname !== nextLocation.pathname)

  useEffect(() => {
    if (!dirty) return
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault()
      // Older browsers show the prompt only when returnValue is set.
      event.returnValue = ''
    }
    window.addEventListener('beforeunload', warn)
    return () => window.removeEventListener('beforeunload', warn)
  }, [dirty])

  const open = blocker.state === 'blocked'
  return (
    <Dialog.Root open={open} role="alertdialog" onOpenChange={(d) => { if (!d.open && blocker.state === 'blocked') blocker.reset() }}>
      <Portal>
        <Dialog.Backdrop />
        <Dialog.Positioner>
          <Dialog.Content>
            <Dialog.Header><Dialog.Title>Leave without saving?</Dialog.Title></Dialog.Header>
            <Dialog.Body><Text>This workflow has changes that are not saved. They will be lost.</Text></Dialog.Body>
            <Dialog.Footer>
              <Button variant="outline" onClick={() => blocker.reset?.()}>Stay</Button>
              <Button colorPalette="red" onClick={() => blocker.proceed?.()}>Leave</Button>
            </Dialog.Footer>
          </Dialog.Content>
        </Dialog.Positioner>
      </Portal>
    </Dialog.Root>
  )
}
