/**
 * The one function the PDF renderer evaluates inside a page (over CDP, with
 * page scripts disabled): it is serialised by puppeteer's `page.evaluate`,
 * so it may use only what it declares itself and the page's globals.
 */

/**
 * Runs in the page: load the web fonts the document will print with, and
 * wait for them.
 *
 * Body text needs no help: laying it out (forced here, in print media, see
 * createSlot) requests the faces it uses. Text in @page margin boxes is laid
 * out only while printing, so their faces are loaded here: the families,
 * weights and styles the @page and margin rules name (or inherit from the
 * root element), for the characters their `content` can show (strings,
 * custom properties, counters). A document may declare many more faces than
 * it uses (italics, other scripts); decoding each one costs CPU in every
 * render, so only these are loaded. When a rule cannot be read that way
 * (font set through var(), no CSSMarginRule, a stylesheet we cannot read,
 * an invalid font), every declared face is loaded instead, as before.
 *
 * No callbacks into page functions (forEach, map): with scripts disabled
 * Blink refuses to call them.
 */
export async function loadPrintFonts(): Promise<void> {
  const loadEveryFace = async (): Promise<void> => {
    const loads: Array<Promise<unknown>> = []
    for (const face of document.fonts as unknown as Iterable<FontFace>) {
      if (face.status === 'unloaded') loads.push(face.load().catch(() => undefined))
    }
    await Promise.all(loads)
  }
  try {
    // Layout now, so the faces body text uses are requested before we wait.
    void document.documentElement.offsetHeight
    const marginRule = (window as unknown as { CSSMarginRule?: abstract new () => CSSRule }).CSSMarginRule
    if (marginRule === undefined) throw new Error('no CSSMarginRule')
    const root = getComputedStyle(document.documentElement)
    const families = new Set<string>([root.fontFamily])
    const weights = new Set<string>([root.fontWeight])
    const styles = new Set<string>([root.fontStyle])
    // Digits and roman numerals for counters, then every string a margin box may show.
    let text = '0123456789 IVXLCDMivxlcdm'
    const rules: CSSRule[] = []
    const sheets = document.styleSheets
    for (let i = 0; i < sheets.length; i++) rules.push(...((sheets[i] as CSSStyleSheet).cssRules as unknown as Iterable<CSSRule>))
    while (rules.length > 0) {
      const rule = rules.pop() as CSSRule
      if (rule instanceof CSSPageRule || rule instanceof marginRule) {
        const css = rule.cssText
        if (/font[\w-]*\s*:[^;{}]*var\(/i.test(css)) throw new Error('font through var()')
        // CSSMarginRule has a `style` like CSSPageRule's.
        const style = (rule as CSSPageRule).style
        const family = style.getPropertyValue('font-family')
        const weight = style.getPropertyValue('font-weight')
        const fontStyle = style.getPropertyValue('font-style')
        if (family !== '') families.add(family)
        if (weight !== '') weights.add(weight)
        if (fontStyle !== '') styles.add(fontStyle)
        text += css
        for (const match of css.matchAll(/var\(\s*(--[\w-]+)/g)) text += root.getPropertyValue(match[1] as string)
      }
      if ('cssRules' in rule) rules.push(...((rule as CSSGroupingRule).cssRules as unknown as Iterable<CSSRule>))
    }
    const loads: Array<Promise<unknown>> = []
    for (const family of families) {
      for (const weight of weights) {
        for (const fontStyle of styles) loads.push(document.fonts.load(`${fontStyle} ${weight} 16px ${family}`, text))
      }
    }
    await Promise.all(loads)
  } catch {
    await loadEveryFace()
  }
  await document.fonts.ready
}
