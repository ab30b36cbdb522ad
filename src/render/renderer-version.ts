/**
 * Bump when a change to Pressroom itself changes rendered output: it is part
 * of every output's cache key (pages, indexes, feeds, PDFs), so the next
 * build renders everything again.
 */
export const rendererVersion = '2'
