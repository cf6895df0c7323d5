/**
 * Dark / light theme: Chakra's `_dark` condition follows a `dark` class on <html>.
 * The choice is kept in localStorage; the first visit follows the system's preference.
 */
import { createContext, type ReactNode, useCallback, useContext, useLayoutEffect, useState } from 'react'

export type ColorMode = 'light' | 'dark'

const STORAGE_KEY = 'automateos.colorMode'

interface ColorModeValue {
  colorMode: ColorMode
  toggleColorMode: () => void
}

const ColorModeContext = createContext<ColorModeValue | null>(null)

function initialMode(): ColorMode {
  const stored = localStorage.getItem(STORAGE_KEY)
  if (stored === 'light' || stored === 'dark') return stored
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

/** Provides the theme state and keeps <html> in step with it. */
export function ColorModeProvider({ children }: { children: ReactNode }) {
  const [colorMode, setColorMode] = useState<ColorMode>(initialMode)
  useLayoutEffect(() => {
    const root = document.documentElement
    root.classList.toggle('dark', colorMode === 'dark')
    root.classList.toggle('light', colorMode === 'light')
    root.style.colorScheme = colorMode
  }, [colorMode])
  const toggleColorMode = useCallback(() => {
    setColorMode((mode) => {
      const next = mode === 'dark' ? 'light' : 'dark'
      localStorage.setItem(STORAGE_KEY, next)
      return next
    })
  }, [])
  return <ColorModeContext.Provider value={{ colorMode, toggleColorMode }}>{children}</ColorModeContext.Provider>
}

/** The current theme and its toggle. */
export function useColorMode(): ColorModeValue {
  const value = useContext(ColorModeContext)
  if (!value) throw new Error('useColorMode outside ColorModeProvider')
  return value
}
