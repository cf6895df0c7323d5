/** The Chakra design system of the dashboard: Chakra's defaults plus the brand colour. */
import { createSystem, defaultConfig, defineConfig } from '@chakra-ui/react'

const config = defineConfig({
  globalCss: {
    // Keyboard focus is always visible, in both themes.
    '*:focus-visible': { outline: '2px solid', outlineColor: 'teal.focusRing', outlineOffset: '2px' },
  },
  theme: {
    semanticTokens: {
      colors: {
        // Chakra's teal solid fails WCAG AA contrast under white text: one step darker
        // in light mode, a light teal with dark text in dark mode.
        teal: {
          solid: { value: { _light: '{colors.teal.700}', _dark: '{colors.teal.300}' } },
          contrast: { value: { _light: 'white', _dark: '{colors.teal.950}' } },
          fg: { value: { _light: '{colors.teal.800}', _dark: '{colors.teal.200}' } },
        },
        brand: {
          solid: { value: { _light: '{colors.teal.700}', _dark: '{colors.teal.300}' } },
          fg: { value: { _light: '{colors.teal.800}', _dark: '{colors.teal.200}' } },
        },
      },
    },
  },
})

export const system = createSystem(defaultConfig, config)
