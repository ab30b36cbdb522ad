/** The part of mailauth (no bundled types) the DKIM tests use: an independent DKIM verifier. */
declare module 'mailauth/lib/dkim/verify.js' {
  interface DkimResult {
    readonly signingDomain: string
    readonly selector: string
    readonly status: { readonly result: string; readonly comment?: string; readonly header?: Record<string, unknown> }
  }
  export function dkimVerify(
    input: Buffer | string,
    options: { readonly resolver: (name: string, type: string) => Promise<string[][]> },
  ): Promise<{ readonly results: readonly DkimResult[] }>
}
