// Types of the `hyphen` package's language modules (it ships none). They are
// CommonJS (`module.exports = {hyphenateSync, …}`), so they are imported whole.
declare module 'hyphen/*' {
  const language: {
    hyphenateSync(text: string, options?: { hyphenChar?: string; minWordLength?: number; exceptions?: string[] }): string
  }
  export default language
}
