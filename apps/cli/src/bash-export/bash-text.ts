// Bash source held in TypeScript: a template tag that keeps the text exactly as written
// (String.raw: backslashes stay backslashes), where `${` — which a template would take for an
// interpolation — is written `\${`. Interpolations are refused by the type: the runtime is
// the same text for every workflow, and what varies is only ever data (generate.ts).
export function bash(strings: TemplateStringsArray, ...none: never[]): string {
  if (none.length > 0) throw new Error("bash text takes no interpolations");
  return strings.raw.join("").replaceAll("\\${", "${");
}
