// A module-resolution hook (run by Node's loader thread, registered by mpi/register-hook.ts):
// the specifier `drover/mpi` resolves to this install's library, whatever the importer's folder.

const LIBRARY = new URL('./index.js', import.meta.url).href;

interface ResolveContext {
  conditions: string[];
  parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;

export async function resolve(
  specifier: string,
  context: ResolveContext,
  nextResolve: NextResolve,
): Promise<{ url: string; shortCircuit?: boolean; format?: string }> {
  if (specifier === 'drover/mpi') return { url: LIBRARY, shortCircuit: true, format: 'module' };
  return nextResolve(specifier, context);
}
