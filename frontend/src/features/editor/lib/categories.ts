/** How each node category looks on the canvas and in the palette. */
export interface CategoryStyle {
  label: string
  /** A Chakra colour palette. */
  palette: string
  /** A one-character glyph (no icon font to load). */
  icon: string
}

const STYLES: Record<string, CategoryStyle> = {
  trigger: { label: 'Triggers', palette: 'purple', icon: '⚡' },
  action: { label: 'Actions', palette: 'blue', icon: '▶' },
  logic: { label: 'Logic', palette: 'orange', icon: '◆' },
}

/** The style of a category (plugins may bring categories of their own: grey). */
export function categoryStyle(category: string): CategoryStyle {
  return STYLES[category] ?? { label: category.charAt(0).toUpperCase() + category.slice(1), palette: 'gray', icon: '●' }
}

/** Categories in palette order: the known ones first, then the others by name. */
export function orderCategories(categories: Iterable<string>): string[] {
  const known = Object.keys(STYLES)
  const all = [...new Set(categories)]
  return [...known.filter((c) => all.includes(c)), ...all.filter((c) => !known.includes(c)).sort()]
}
